"""Moving a course between installations: ``cms.transfer`` on its own (the
pages and their blocks; the audience is ``lms``'s, see
tests/lms/test_policy_transfer.py)."""

from __future__ import annotations

import copy
import io
import json
import zipfile
from typing import Any

import pytest
from django.core.files.base import ContentFile
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import Page, Revision

from cms.models import CatalogPage, ModulePage, PolicyPage, QuizPage
from cms.transfer import (
    FORMAT,
    TransferError,
    catalogue_find,
    policy_export,
    policy_import,
    source_read,
)
from tests.factories import catalogue

pytestmark = pytest.mark.django_db

Image = get_image_model()
Document = get_document_model()


# --- Building a course with every kind of block ------------------------------------


@pytest.fixture
def cat(db) -> CatalogPage:
    return catalogue()


@pytest.fixture
def image(db):
    return Image.objects.create(
        title="柜台服务示意图",
        description="营业员面对用户微笑服务",
        file=get_test_image_file("counter.png", colour="#0a7"),
    )


@pytest.fixture
def document(db):
    return Document.objects.create(
        title="首问负责制实施细则",
        file=ContentFile(
            "第一条 谁首先受理，谁负责到底。\n".encode(), name="rules.txt"
        ),
    )


def options(*items: tuple[str, bool]) -> list[dict[str, Any]]:
    return [{"text": text, "correct": correct} for text, correct in items]


def lesson(image, document) -> list[dict[str, Any]]:
    """One block of each lesson type."""
    return [
        {
            "type": "text",
            "value": "<h2>受理</h2><p>谁首先受理，<b>谁负责到底</b>。</p>",
        },
        {
            "type": "image",
            "value": {
                "image": {
                    "image": image.pk,
                    "decorative": False,
                    "alt_text": "柜台",
                },
                "caption": "柜台服务",
            },
        },
        {"type": "document", "value": {"document": document.pk, "title": "全文"}},
        {
            "type": "video",
            "value": {
                "file": document.pk,
                "url": "",
                "caption": "示范",
                "transcript": "您好，请问有什么可以帮您？",
            },
        },
        {
            "type": "key_points",
            "value": {"title": "要点", "points": ["受理", "处理", "答复", "回访"]},
        },
        {
            "type": "procedure",
            "value": {
                "title": "四个环节",
                "steps": [
                    {"title": "受理", "text": "登记用户的问题。"},
                    {"title": "回访", "text": "确认用户满意。"},
                ],
            },
        },
        {
            "type": "do_dont",
            "value": {"title": "", "do": ["主动问候"], "dont": ["推诿扯皮"]},
        },
        {
            "type": "self_check",
            "value": {
                "question": "谁是首问责任人？",
                "options": options(("第一个接待用户的员工", True), ("部门经理", False)),
                "explanation": "谁首先受理，谁负责到底。",
            },
        },
    ]


def questions(count: int = 3) -> list[dict[str, Any]]:
    kinds = [
        {
            "type": "single",
            "value": {
                "text": "首问责任人是谁？",
                "explanation": "第一个接待用户的员工。",
                "weight": 1,
                "options": options(("第一个接待的员工", True), ("经理", False)),
            },
        },
        {
            "type": "multiple",
            "value": {
                "text": "四个环节包括？",
                "explanation": "受理、处理、答复、回访。",
                "weight": 2,
                "options": options(("受理", True), ("回访", True), ("收费", False)),
            },
        },
        {
            "type": "true_false",
            "value": {
                "text": "转单后责任就结束了。",
                "explanation": "还要跟踪到答复用户。",
                "weight": 1,
                "correct": "false",
            },
        },
    ]
    return [copy.deepcopy(kinds[index % 3]) for index in range(count)]


def build_course(parent, image, document, *, code="SVC-2026-09", publish=True):
    policy = PolicyPage(
        title="首问负责制",
        slug=code.lower(),
        code=code,
        summary="谁首先受理，谁负责到底。",
        body=(
            f'<p>见<a linktype="document" id="{document.pk}">实施细则</a>。</p>'
            f'<embed alt="柜台" embedtype="image" format="left" id="{image.pk}"/>'
        ),
        questions_per_attempt=2,
        certificate_validity_months=24,
        time_limit_minutes=20,
        launch_target_date="2027-01-15",
        live=False,
    )
    parent.add_child(instance=policy)
    modules = []
    for slug, title in (("what", "什么是首问负责制"), ("steps", "四个环节")):
        module = ModulePage(
            title=title,
            slug=slug,
            intro=f"{title}的导读",
            minutes=6,
            body=lesson(image, document),
            live=False,
        )
        policy.refresh_from_db()
        policy.add_child(instance=module)
        modules.append(module)
    quiz = QuizPage(
        title="测验", slug="quiz", intro="十题", questions=questions(), live=False
    )
    policy.refresh_from_db()
    policy.add_child(instance=quiz)
    if publish:
        for page in [*modules, quiz]:
            page.save_revision().publish()
        policy.save_revision().publish()
    policy.refresh_from_db()
    return policy


@pytest.fixture
def course(cat, image, document) -> PolicyPage:
    return build_course(cat, image, document)


# --- Helpers ------------------------------------------------------------------------


def source(document: dict[str, Any]):
    return source_read(json.dumps(document, ensure_ascii=False).encode())


def counts() -> dict[str, int]:
    return {
        "pages": Page.objects.count(),
        "revisions": Revision.objects.count(),
        "images": Image.objects.count(),
        "documents": Document.objects.count(),
    }


def comparable(document: dict[str, Any]) -> Any:
    """A document without what may differ between two installations: block ids,
    export time, and the names files were stored under (the bytes, titles and
    alt texts stay)."""

    def strip(value: Any) -> Any:
        if isinstance(value, list):
            return [strip(item) for item in value]
        if isinstance(value, dict):
            return {
                key: strip(item)
                for key, item in value.items()
                if not (key == "id" and "type" in value)
                and not (key == "file" and "sha1" in value)
            }
        if isinstance(value, str):
            return value.replace(' file="images/counter.png"', "").replace(
                ' file="documents/rules.txt"', ""
            )
        return value

    document = dict(document)
    document.pop("exported_at")
    return strip(document)


def stream_values(page) -> list[Any]:
    """A StreamField's content as (type, JSON without ids) with images and
    documents by checksum: what a reader sees."""

    def media(value: Any) -> Any:
        if isinstance(value, list):
            return [media(item) for item in value]
        if isinstance(value, dict):
            out = {}
            for key, item in value.items():
                if key == "id":
                    continue
                if key in ("image", "document", "file") and isinstance(item, int):
                    model = Image if key == "image" else Document
                    obj = model.objects.get(pk=item)
                    out[key] = (obj.title, obj.get_file_hash())
                else:
                    out[key] = media(item)
            return out
        return value

    field = page.body if isinstance(page, ModulePage) else page.questions
    return [
        (child.block_type, media(child.get_prep_value()["value"])) for child in field
    ]


# --- Export -------------------------------------------------------------------------


def test_export_writes_the_format_the_policy_fields_modules_and_quiz(course):
    export = policy_export(policy=course)
    document = export.document
    assert document["format"] == FORMAT == "rollout-policy/1"
    assert document["exported_at"].endswith("+00:00")
    assert document["code"] == "SVC-2026-09"
    assert document["title"] == "首问负责制"
    assert document["questions_per_attempt"] == 2
    assert document["launch_target_date"] == "2027-01-15"
    assert document["time_limit_minutes"] == 20
    assert document["review_answers"] == "submit"
    assert document["version"] == 1
    assert [m["slug"] for m in document["modules"]] == ["what", "steps"]
    assert document["modules"][0]["minutes"] == 6
    assert [q["type"] for q in document["quiz"]["questions"]] == [
        "single",
        "multiple",
        "true_false",
    ]
    assert json.loads(export.json()) == document


def test_export_replaces_image_and_document_ids_by_file_references(course, image):
    document = policy_export(policy=course).document
    body = document["modules"][0]["body"]
    figure = body[1]["value"]["image"]
    assert figure["image"] == {
        "file": "images/counter.png",
        "title": "柜台服务示意图",
        "alt": "营业员面对用户微笑服务",
        "sha1": image.get_file_hash(),
    }
    assert figure["alt_text"] == "柜台"
    assert body[2]["value"]["document"]["file"] == "documents/rules.txt"
    assert body[3]["value"]["file"]["file"] == "documents/rules.txt"
    assert 'file="images/counter.png"' in document["body"]
    assert 'linktype="document"' in document["body"]
    assert "id=" not in document["body"]


def test_export_turns_links_to_pages_into_plain_links(course):
    module = ModulePage.objects.get(slug="what")
    course.body = f'<p>先学<a id="{module.pk}" linktype="page">第一课</a>。</p>'
    course.save_revision().publish()
    document = policy_export(policy=course).document
    assert document["body"] == f'<p>先学<a href="{module.url}">第一课</a>。</p>'
    assert module.url.endswith("/svc-2026-09/what/")
    document["body"] = f'<p><a id="{module.pk}" linktype="page">第一课</a></p>'
    with pytest.raises(TransferError, match="body: rich text links to page"):
        policy_import(source=source(document))


def test_export_is_the_live_version_unless_latest_is_asked(course):
    module = ModulePage.objects.get(slug="what")
    module.title = "草稿标题"
    module.save_revision()
    live = policy_export(policy=course).document
    latest = policy_export(policy=course, latest=True).document
    assert live["modules"][0]["title"] == "什么是首问负责制"
    assert latest["modules"][0]["title"] == "草稿标题"


def test_export_of_a_policy_that_is_not_live_needs_latest(cat, image, document):
    policy = build_course(cat, image, document, publish=False)
    with pytest.raises(TransferError, match="not live: export its latest draft"):
        policy_export(policy=policy)
    assert policy_export(policy=policy, latest=True).document["code"] == policy.code


def test_export_zip_holds_the_document_and_its_files(course, image, document):
    export = policy_export(policy=course)
    stream = io.BytesIO()
    export.write_zip(stream)
    with zipfile.ZipFile(stream) as archive:
        assert sorted(archive.namelist()) == [
            "documents/rules.txt",
            "images/counter.png",
            "policy.json",
        ]
        assert json.loads(archive.read("policy.json")) == export.document
        with image.file.open("rb") as handle:
            assert archive.read("images/counter.png") == handle.read()


# --- Round trip -------------------------------------------------------------------


def wipe(policy: PolicyPage, *media) -> None:
    Page.objects.get(pk=policy.pk).delete()
    for obj in media:
        obj.file.delete(save=False)
        obj.delete()


def test_round_trip_through_a_zip_gives_the_same_course_as_drafts(
    course, cat, image, document
):
    before = {
        page.slug: stream_values(page) for page in course.get_children().specific()
    }
    export = policy_export(policy=course)
    stream = io.BytesIO()
    export.write_zip(stream)
    wipe(course, image, document)
    assert not Image.objects.exists() and not Document.objects.exists()

    result = policy_import(source=source_read(stream.getvalue(), name="p.zip"))

    policy = PolicyPage.objects.get(code="SVC-2026-09")
    assert policy.get_parent().pk == cat.pk
    assert sorted(result.media_created) == ["documents/rules.txt", "images/counter.png"]
    assert Image.objects.count() == 1 and Document.objects.count() == 1
    children = list(policy.get_children().specific())
    assert [page.slug for page in children] == ["what", "steps", "quiz"]
    for page in [policy, *children]:
        assert not page.live, page.slug
        assert page.has_unpublished_changes
        assert page.get_latest_revision() is not None
    assert {page.slug: stream_values(page) for page in children} == before
    again = policy_export(policy=policy, latest=True).document
    assert comparable(again) == comparable(export.document)
    new_image = Image.objects.get()
    assert new_image.title == "柜台服务示意图"
    assert new_image.description == "营业员面对用户微笑服务"
    assert f'id="{new_image.pk}"' in policy.body


def test_round_trip_reuses_the_files_already_here(course, image, document):
    stream = io.BytesIO()
    policy_export(policy=course).write_zip(stream)
    wipe(course)
    result = policy_import(source=source_read(stream.getvalue()))
    assert result.media_created == []
    assert sorted(result.media_found) == ["documents/rules.txt", "images/counter.png"]
    module = ModulePage.objects.get(slug="what")
    assert module.body[1].value["image"].pk == image.pk
    assert module.body[2].value["document"].pk == document.pk


def test_a_json_document_finds_its_files_here_by_name_and_checksum(course, image):
    exported = policy_export(policy=course).document
    wipe(course)
    policy_import(source=source(exported))
    assert ModulePage.objects.get(slug="what").body[1].value["image"].pk == image.pk


def test_a_json_document_whose_files_are_missing_is_refused(course, image, document):
    exported = policy_export(policy=course).document
    wipe(course, image)
    before = counts()
    with pytest.raises(TransferError) as refused:
        policy_import(source=source(exported))
    messages = [str(problem) for problem in refused.value.problems]
    assert (
        "modules[0].body[1].value.image.image.file: images/counter.png is neither in "
        "the ZIP nor in this installation's image library: export the policy with "
        "--with-media"
    ) in messages
    assert "modules[1].body[1].value.image.image.file: images/counter.png" in "\n".join(
        messages
    )
    assert any(m.startswith("body: images/counter.png is neither") for m in messages)
    assert counts() == before


def test_a_file_here_with_other_contents_is_not_taken_for_it(course, image):
    exported = policy_export(policy=course).document
    wipe(course, image)
    Image.objects.create(
        title="另一张", file=get_test_image_file("counter.png", colour="#f00")
    )
    with pytest.raises(TransferError, match="has other contents"):
        policy_import(source=source(exported))


# --- Updating an existing policy --------------------------------------------------


def test_import_over_a_live_policy_adds_draft_revisions_and_keeps_it_live(course):
    document = policy_export(policy=course).document
    document["title"] = "首问负责制（修订）"
    document["modules"][1]["title"] = "四个环节（修订）"
    document["modules"].append(
        {
            "title": "新模块",
            "slug": "new",
            "body": [{"type": "text", "value": "<p>新</p>"}],
        }
    )
    del document["modules"][0]
    revisions = Revision.objects.count()

    result = policy_import(source=source(document))

    actions = {(o.kind, o.page.slug): o.action for o in result.pages}
    assert actions == {
        ("policy", "svc-2026-09"): "updated",
        ("module", "steps"): "updated",
        ("module", "new"): "created",
        ("quiz", "quiz"): "unchanged",
    }
    assert Revision.objects.count() == revisions + 3
    policy = PolicyPage.objects.get(code="SVC-2026-09")
    assert policy.live and policy.title == "首问负责制"  # the live content stays
    assert policy.has_unpublished_changes
    assert policy.get_latest_revision_as_object().title == "首问负责制（修订）"
    steps = ModulePage.objects.get(slug="steps")
    assert steps.live and steps.title == "四个环节"
    assert steps.get_latest_revision_as_object().title == "四个环节（修订）"
    new = ModulePage.objects.get(slug="new")
    assert not new.live and new.get_parent().pk == policy.pk
    assert ModulePage.objects.get(slug="what").live  # left alone
    assert result.warnings == [
        'module "什么是首问负责制" (what) is not in the document: it is left as it is'
    ]
    lines = "\n".join(result.summary_lines())
    assert "Nothing was published" in lines
    assert "module new 新模块: created as a draft" in lines


def test_importing_the_same_document_twice_changes_nothing(course):
    document = policy_export(policy=course).document
    document["summary"] = "改过的摘要"
    policy_import(source=source(document))
    before = counts()
    result = policy_import(source=source(document))
    assert counts() == before
    assert not result.changed
    assert {outcome.action for outcome in result.pages} == {"unchanged"}


def test_dry_run_reports_and_changes_nothing(course):
    document = policy_export(policy=course).document
    document["code"] = "SVC-2026-10"
    document["slug"] = "svc-2026-10"
    before = counts()
    result = policy_import(source=source(document), dry_run=True)
    assert counts() == before
    assert result.dry_run and result.changed
    assert result.summary_lines()[0].startswith("Dry run")


def test_import_goes_under_the_catalogue_asked_for(course, cat):
    other = catalogue("其他")
    document = policy_export(policy=course).document
    document.update(code="SVC-2026-11", slug="svc-2026-11")
    policy_import(source=source(document), catalogue=other)
    assert PolicyPage.objects.get(code="SVC-2026-11").get_parent().pk == other.pk
    assert catalogue_find(other.slug).pk == other.pk
    with pytest.raises(TransferError, match="no catalogue with the slug 'nope'"):
        catalogue_find("nope")


# --- A document written by hand ----------------------------------------------------

HAND_WRITTEN = {
    "format": "rollout-policy/1",
    "code": "SVC-2026-20",
    "title": "话费争议处理",
    "summary": "用户对话费有疑问时，认真核查、及时答复。",
    "questions_per_attempt": 2,
    "modules": [
        {
            "title": "五道关口",
            "slug": "checkpoints",
            "body": [
                {"type": "text", "value": "<p>采集、过滤、分析、稽核、质检。</p>"},
                {
                    "type": "key_points",
                    "value": {"title": "要点", "points": ["把问题解决在内部"]},
                },
                {
                    "type": "procedure",
                    "value": {
                        "title": "处理步骤",
                        "steps": [
                            {"title": "受理", "text": "记录号码和账期。"},
                            {"title": "核查"},
                        ],
                    },
                },
            ],
        }
    ],
    "quiz": {
        "title": "测验",
        "questions": [
            {
                "type": "single",
                "value": {
                    "text": "以什么为中心集中管理计费账务？",
                    "options": [
                        {"text": "本地网", "correct": True},
                        {"text": "营业厅", "correct": False},
                    ],
                },
            },
            {
                "type": "true_false",
                "value": {"text": "电脑计费不会出错。", "correct": "false"},
            },
        ],
    },
}


def test_a_hand_written_document_is_imported_with_defaults(cat):
    result = policy_import(source=source(HAND_WRITTEN))
    policy = PolicyPage.objects.get(code="SVC-2026-20")
    assert result.policy.pk == policy.pk
    assert (policy.slug, policy.pass_mark, policy.days_allowed) == (
        "svc-2026-20",
        80,
        30,
    )
    assert policy.threshold_level == "county" and policy.body == ""
    module = ModulePage.objects.get(slug="checkpoints")
    assert module.minutes == 5
    assert [block.block_type for block in module.body] == [
        "text",
        "key_points",
        "procedure",
    ]
    assert list(module.body[1].value["points"]) == ["把问题解决在内部"]
    assert module.body[2].value["steps"][1]["title"] == "核查"
    quiz = QuizPage.objects.get()
    assert quiz.slug == "quiz" and quiz.pool_size() == 2
    assert quiz.questions[0].value["weight"] == 1
    assert not policy.live and not module.live and not quiz.live


# --- Refused documents ----------------------------------------------------------------


def refused(document_or_bytes, **kwargs) -> list[str]:
    before = counts()
    with pytest.raises(TransferError) as error:
        if isinstance(document_or_bytes, bytes):
            policy_import(source=source_read(document_or_bytes, **kwargs))
        else:
            policy_import(source=source(document_or_bytes))
    assert counts() == before, "a refused document changed something"
    assert "nothing was changed" in str(error.value)
    return [str(problem) for problem in error.value.problems]


def changed(**changes) -> dict[str, Any]:
    document = copy.deepcopy(HAND_WRITTEN)
    document.update(changes)
    return document


def test_not_json_is_refused(cat):
    assert refused(b"{ not json") == [
        "not JSON: Expecting property name enclosed in double quotes (line 1, column 3)"
    ]


def test_wrong_format_is_refused(cat):
    assert refused(changed(format="rollout-policy/2")) == [
        "format: expected 'rollout-policy/1', found 'rollout-policy/2'"
    ]
    document = changed()
    del document["format"]
    assert refused(document) == ["format: expected 'rollout-policy/1', found nothing"]


def test_missing_and_wrong_fields_are_each_listed(cat):
    document = changed(
        pass_mark=150, review_answers="never", extra=1, days_allowed="30"
    )
    del document["summary"]
    del document["quiz"]
    document["modules"][0]["minutes"] = 0
    problems = refused(document)
    assert "summary: Field required" in problems
    assert "quiz: Field required" in problems
    assert "extra: Extra inputs are not permitted" in problems
    assert "days_allowed: Input should be a valid integer" in problems
    assert len(problems) == 5
    document = changed(pass_mark=150, review_answers="never")
    document["modules"][0]["minutes"] = 0
    problems = refused(document)
    assert "pass_mark: Ensure this value is less than or equal to 100." in problems
    assert "review_answers: Value 'never' is not a valid choice." in problems
    assert "modules[0].minutes: Ensure this value is greater than or equal to 1." in (
        problems
    )


def test_a_question_with_one_option_is_refused(cat):
    document = changed()
    document["quiz"]["questions"][0]["value"]["options"] = [
        {"text": "本地网", "correct": True}
    ]
    document["questions_per_attempt"] = 1
    assert refused(document) == [
        "quiz.questions[0].value.options: The minimum number of items is 2"
    ]


def test_a_single_choice_question_with_two_correct_answers_is_refused(cat):
    document = changed()
    for option in document["quiz"]["questions"][0]["value"]["options"]:
        option["correct"] = True
    assert refused(document) == [
        "quiz.questions[0].value: A single-choice question has exactly one correct "
        "option."
    ]


def test_every_block_problem_is_listed_with_its_path(cat):
    document = changed()
    body = document["modules"][0]["body"]
    body[1]["value"]["points"] = []
    body[2]["value"]["steps"][0]["title"] = ""
    document["quiz"]["questions"][1]["value"]["correct"] = "maybe"
    problems = refused(document)
    assert problems == [
        "modules[0].body[1].value.points: The minimum number of items is 1",
        "modules[0].body[2].value.steps[0].title: This field is required.",
        "quiz.questions[1].value.correct: Select a valid choice. maybe is not one of "
        "the available choices.",
    ]


def test_unknown_blocks_fields_and_wrong_types_are_refused(cat):
    document = changed()
    body = document["modules"][0]["body"]
    body.append({"type": "poll", "value": {}})
    body[1]["value"]["colour"] = "red"
    document["quiz"]["questions"][0]["value"]["weight"] = "heavy"
    problems = refused(document)
    assert problems[0].startswith(
        "modules[0].body[1].value.colour: unknown field; expected one of: title, points"
    )
    assert problems[1].startswith(
        "modules[0].body[3].type: unknown block type 'poll'; expected one of: text, "
    )
    assert "quiz.questions[0].value.weight: expected a whole number" in problems


def test_too_small_a_pool_is_refused(cat):
    assert refused(changed(questions_per_attempt=5)) == [
        "quiz.questions: the policy draws 5 questions per attempt but the pool has "
        "only 2"
    ]


def test_ids_instead_of_file_references_are_refused(cat, image):
    document = changed()
    document["modules"][0]["body"].append(
        {
            "type": "image",
            "value": {"image": {"image": image.pk, "alt_text": "x"}, "caption": ""},
        }
    )
    document["body"] = f'<embed embedtype="image" id="{image.pk}" format="left"/>'
    problems = refused(document)
    assert problems[0].startswith("body: rich text refers to image")
    assert problems[1].startswith(
        "modules[0].body[3].value.image.image: expected a file reference such as "
        '{"file"'
    )
    assert len(problems) == 2


def test_rich_text_outside_the_editor_features_is_refused(cat):
    document = changed()
    document["modules"][0]["body"][0]["value"] = "<p>好</p><script>alert(1)</script>"
    problems = refused(document)
    assert problems == [
        "modules[0].body[0].value: rich text: <script> is not allowed here "
        "(<script>alert(1)</script>)"
    ]


@pytest.mark.parametrize(
    "href",
    [
        "javascript:alert(1)",
        " JaVaScRiPt:alert(1)",
        "data:text/html,x",
        "//evil.example/",
    ],
)
def test_a_link_the_editor_would_drop_is_refused(cat, href):
    document = changed()
    document["modules"][0]["body"][0]["value"] = f'<p><a href="{href}">点这里</a></p>'
    problems = refused(document)
    assert len(problems) == 1
    assert problems[0].startswith("modules[0].body[0].value: rich text: the link")
    assert "is not allowed" in problems[0]


@pytest.mark.parametrize(
    "href",
    ["https://www.example.cn/", "mailto:a@b.cn", "tel:10000", "/measures/", "#a"],
)
def test_links_to_the_web_mail_phones_and_this_site_are_kept(cat, href):
    document = changed()
    document["modules"][0]["body"][0]["value"] = f'<p><a href="{href}">点这里</a></p>'
    result = policy_import(source=source(document))
    module = next(outcome for outcome in result.pages if outcome.kind == "module")
    assert f'href=\\"{href}\\"' in module.revision.content["body"]


def test_a_broken_zip_is_refused(cat):
    assert refused(b"PK\x03\x04 broken", name="p.zip")[0].startswith(
        "not a readable ZIP file"
    )
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w") as archive:
        archive.writestr("other.json", "{}")
    assert refused(stream.getvalue()) == ["the ZIP file has no policy.json"]
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("policy.json", json.dumps(HAND_WRITTEN))
    damaged = stream.getvalue().replace(b'"SVC-2026-20"', b'"SVC-2026-21"')
    assert refused(damaged)[0].startswith(
        "policy.json: cannot read it from the ZIP: Bad CRC-32"
    )


def test_a_zip_file_that_is_not_the_one_referred_to_is_refused(course):
    export = policy_export(policy=course)
    stream = io.BytesIO()
    export.write_zip(stream)
    wipe(course)
    data = stream.getvalue()
    broken = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as old, zipfile.ZipFile(broken, "w") as new:
        for name in old.namelist():
            content = old.read(name)
            if name == "images/counter.png":
                content = b"not an image"
            new.writestr(name, content)
    problems = refused(broken.getvalue())
    assert any(
        "images/counter.png in the ZIP does not match its sha1 checksum" in p
        for p in problems
    )


def test_a_slug_taken_by_a_page_of_another_type_is_refused(course, cat):
    document = changed(slug=course.slug, code="SVC-2026-21")
    assert refused(document) == [
        "slug: 'svc-2026-09' is already the slug of policy \"首问负责制\" under the "
        "catalogue: choose another slug"
    ]
    document = policy_export(policy=course).document
    document["modules"][0]["slug"] = "quiz"
    problems = refused(document)
    assert "modules[0].slug: 'quiz' is also the slug of modules[0]" not in problems
    assert "quiz.slug: 'quiz' is also the slug of modules[0]" in problems
    assert "modules[0].slug: 'quiz' is the slug of quiz \"测验\" of this policy" in (
        problems
    )


def test_no_catalogue_is_refused(db):
    assert refused(changed()) == [
        "there is no catalogue page: create one under the home page first"
    ]
