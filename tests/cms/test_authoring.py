"""Trainers author courses through the admin; approvers review and publish."""

import re

import pytest
from wagtail.models import Page, WorkflowState
from wagtail.test.utils.form_data import (
    inline_formset,
    nested_form_data,
    rich_text,
    streamfield,
)

from cms.models import ModulePage, PolicyPage, PolicyVersion, QuizPage
from lms import roles
from tests.factories import UserFactory, catalogue, course, question

pytestmark = pytest.mark.django_db


@pytest.fixture
def cat(db):
    return catalogue()


@pytest.fixture
def trainer(client):
    return UserFactory(username="trainer", roles=[roles.TRAINER])


@pytest.fixture
def approver(client):
    return UserFactory(username="approver", roles=[roles.APPROVER])


def policy_form(**overrides):
    data = {
        "title": "首问负责制",
        "slug": "first-inquiry",
        "code": "SVC-2026-07",
        "summary": "Whoever is asked first owns the request.",
        "body": rich_text("<p>Accept, handle, reply, follow up.</p>"),
        "days_allowed": 30,
        "pass_mark": 80,
        "max_attempts": 3,
        "attempt_wait_minutes": 0,
        "time_limit_minutes": "",
        "questions_per_attempt": 2,
        "review_answers": "submit",
        "certificate_validity_months": 24,
        "threshold_overall": 95,
        "threshold_unit": 90,
        "threshold_level": "county",
        "exemption_cap_percent": 5,
        "new_hire_grace_days": 0,
        "launch_target_date": "2027-01-15",
        "audience_positions": inline_formset([]),
        "audience_units": inline_formset([]),
        "position_thresholds": inline_formset([]),
        "comments": inline_formset([]),
        # Shown to approvers with these defaults; trainers' forms ignore them.
        "earlier_certificates": "renew",
        "renewal_grace_days": 30,
    }
    data.update(overrides)
    return nested_form_data(data)


def edit_form(policy, **overrides):
    """The editor's form data for an existing policy."""
    return policy_form(
        code=policy.code,
        slug=policy.slug,
        title=overrides.pop("title", policy.title),
        questions_per_attempt=overrides.pop(
            "questions_per_attempt", policy.questions_per_attempt
        ),
        **overrides,
    )


def form_errors(response) -> str:
    form = response.context["form"]
    return str(form.errors.as_data())


def quiz_form(questions, **overrides):
    data = {
        "title": "测验",
        "slug": "quiz",
        "intro": "",
        "questions": streamfield([(q["type"], q["value"]) for q in questions]),
        "comments": inline_formset([]),
    }
    data.update(overrides)
    return nested_form_data(data)


def choice(text, options, kind="single"):
    return {
        "type": kind,
        "value": {
            "text": text,
            "explanation": "",
            "weight": 1,
            "options": streamfield_list(options),
        },
    }


def streamfield_list(options):
    """A ListBlock's form data: items as {type: item, value: ...}."""
    return streamfield([("item", {"text": t, "correct": c}) for t, c in options])


def add_url(model, parent):
    return f"/admin/pages/add/cms/{model._meta.model_name}/{parent.pk}/"


def test_trainer_creates_a_policy_draft_through_the_admin(client, cat, trainer):
    client.force_login(trainer)
    response = client.post(add_url(PolicyPage, cat), policy_form())
    assert response.status_code == 302, response.content.decode()[:2000]
    policy = PolicyPage.objects.get(code="SVC-2026-07")
    assert not policy.live
    assert policy.get_parent().pk == cat.pk
    assert policy.get_latest_revision() is not None


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("pass_mark", 0, "greater than or equal to 1"),
        ("pass_mark", 101, "less than or equal to 100"),
        ("threshold_overall", 101, "less than or equal to 100"),
        ("questions_per_attempt", 0, "greater than or equal to 1"),
        ("code", "svc 7", "capital letters"),
    ],
)
def test_policy_fields_are_validated_with_clear_messages(
    client, cat, trainer, field, value, message
):
    client.force_login(trainer)
    response = client.post(add_url(PolicyPage, cat), policy_form(**{field: value}))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not PolicyPage.objects.exists()


@pytest.mark.parametrize(
    ("questions", "message"),
    [
        ([choice("Q", [("only", True)])], "at least two options"),
        ([choice("Q", [("a", False), ("b", False)])], "at least one option as correct"),
        (
            [choice("Q", [("a", True), ("b", True)])],
            "exactly one correct option",
        ),
    ],
)
def test_questions_are_validated_in_the_editor(
    client, cat, trainer, questions, message
):
    policy = course(cat, publish=False)
    QuizPage.objects.all().delete()
    policy.refresh_from_db()
    client.force_login(trainer)
    response = client.post(add_url(QuizPage, policy), quiz_form(questions))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not QuizPage.objects.exists()


def test_a_valid_question_pool_is_saved(client, cat, trainer):
    policy = course(cat, publish=False)
    QuizPage.objects.all().delete()
    client.force_login(trainer)
    questions = [
        choice("Single", [("a", True), ("b", False)]),
        choice("Multiple", [("a", True), ("b", True), ("c", False)], "multiple"),
        {
            "type": "true_false",
            "value": {
                "text": "True?",
                "explanation": "",
                "weight": 2,
                "correct": "true",
            },
        },
    ]
    response = client.post(add_url(QuizPage, policy), quiz_form(questions))
    assert response.status_code == 302
    quiz = QuizPage.objects.get()
    pool = quiz.get_latest_revision_as_object().questions
    assert [block.block_type for block in pool] == ["single", "multiple", "true_false"]


def test_publishing_a_policy_without_module_or_quiz_is_refused(client, cat):
    admin = UserFactory(username="boss", is_superuser=True)
    client.force_login(admin)
    response = client.post(
        add_url(PolicyPage, cat), policy_form(**{"action-publish": "publish"})
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "Publish at least one module first." in text
    assert "Publish the quiz with its question pool first." in text
    assert not PolicyPage.objects.filter(live=True).exists()


def test_publishing_is_refused_when_the_pool_is_smaller_than_the_draw(client, cat):
    policy = course(cat, publish=False, questions=3, draw=2)
    ModulePage.objects.get().save_revision().publish()
    QuizPage.objects.get().save_revision().publish()
    admin = UserFactory(username="boss", is_superuser=True)
    client.force_login(admin)
    response = client.post(
        f"/admin/pages/{policy.pk}/edit/",
        edit_form(policy, questions_per_attempt=5, **{"action-publish": "publish"}),
    )
    assert response.status_code == 200
    assert "draws 5 questions but its pool has only 3" in form_errors(response)
    assert not PolicyPage.objects.get().live


def test_a_trainer_cannot_publish_but_submits_for_review(client, cat, trainer):
    policy = course(cat, publish=False)
    for page in (ModulePage.objects.get(), QuizPage.objects.get()):
        page.save_revision().publish()
    client.force_login(trainer)
    edit = f"/admin/pages/{policy.pk}/edit/"
    client.post(edit, edit_form(policy, **{"action-publish": "publish"}))
    assert not PolicyPage.objects.get().live  # no publish permission
    client.post(edit, edit_form(policy, **{"action-submit": "submit"}))
    state = WorkflowState.objects.get(object_id=str(policy.pk))
    assert state.status == "in_progress"
    assert state.current_task_state.task.name == roles.REVIEW_TASK
    assert not PolicyPage.objects.get().live


def test_an_approver_approves_and_the_policy_goes_live(client, cat, trainer, approver):
    policy = course(cat, publish=False)
    for page in (ModulePage.objects.get(), QuizPage.objects.get()):
        page.save_revision().publish()
    client.force_login(trainer)
    client.post(
        f"/admin/pages/{policy.pk}/edit/", policy_form(**{"action-submit": "1"})
    )
    client.force_login(approver)
    response = client.post(
        f"/admin/pages/{policy.pk}/edit/",
        edit_form(
            policy,
            **{"action-workflow-action": "1", "workflow-action-name": "approve"},
        ),
    )
    assert response.status_code == 302, form_errors(response)
    policy = PolicyPage.objects.get()
    assert policy.live
    assert list(policy.versions.values_list("number", flat=True)) == [1]


def test_approver_sees_the_version_tab_and_trainer_does_not(
    client, cat, trainer, approver
):
    policy = course(cat)
    client.force_login(trainer)
    assert (
        "material_change"
        not in client.get(f"/admin/pages/{policy.pk}/edit/").content.decode()
    )
    client.force_login(approver)
    assert (
        'name="material_change"'
        in client.get(f"/admin/pages/{policy.pk}/edit/").content.decode()
    )


def test_a_typo_fix_keeps_the_version(client, cat, approver):
    policy = course(cat)
    client.force_login(approver)
    client.post(
        f"/admin/pages/{policy.pk}/edit/",
        edit_form(policy, title="首问负责制（修订）", **{"action-publish": "1"}),
    )
    policy.refresh_from_db()
    assert policy.title == "首问负责制（修订）"
    assert policy.version == 1
    assert PolicyVersion.objects.count() == 1


def test_a_material_change_raises_the_version_and_sets_a_renewal_date(
    client, cat, approver
):
    policy = course(cat)
    client.force_login(approver)
    response = client.post(
        f"/admin/pages/{policy.pk}/edit/",
        edit_form(
            policy,
            material_change="on",
            earlier_certificates="renew",
            renewal_grace_days=14,
            **{"action-publish": "1"},
        ),
    )
    assert response.status_code == 302, form_errors(response)
    policy.refresh_from_db()
    assert policy.version == 2
    v2 = policy.versions.get(number=2)
    assert v2.earlier_certificates == "renew"
    assert (v2.renew_by - v2.published_at.date()).days in (14, 15)
    # The answer belonged to that publication: the next edit starts unticked.
    assert policy.material_change is False
    assert policy.get_latest_revision_as_object().material_change is False
    # A later non-material publication keeps version 2.
    client.post(
        f"/admin/pages/{policy.pk}/edit/",
        edit_form(policy, **{"action-publish": "1"}),
    )
    policy.refresh_from_db()
    assert policy.version == 2


def test_a_trainer_cannot_sneak_a_material_change(client, cat, trainer):
    policy = course(cat)
    client.force_login(trainer)
    client.post(
        f"/admin/pages/{policy.pk}/edit/",
        edit_form(policy, material_change="on", **{"action-submit": "1"}),
    )
    assert policy.get_latest_revision_as_object().material_change is False


def test_a_material_module_change_raises_its_policys_version(cat):
    policy = course(cat)
    module = ModulePage.objects.get()
    module.material_change = True
    module.earlier_certificates = "valid"
    module.save_revision().publish()
    policy.refresh_from_db()
    assert policy.version == 2
    assert policy.versions.get(number=2).renew_by is None


def test_course_pages_need_a_login(client, cat):
    policy = course(cat)
    response = client.get(policy.url)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_preview_of_a_module_renders_its_blocks(client, cat, trainer):
    course(cat)
    module = ModulePage.objects.get()
    client.force_login(trainer)
    response = client.get(module.url)
    assert response.status_code == 200
    assert "Accept, handle, reply, follow up." in response.content.decode()


def test_quiz_page_shows_no_answers(client, cat, trainer):
    course(cat, questions=3)
    quiz = QuizPage.objects.get()
    client.force_login(trainer)
    # Without the CSRF token, a random string that may hold "Q0" by chance.
    text = re.sub(
        r'name="csrfmiddlewaretoken" value="[^"]+"',
        "",
        client.get(quiz.url).content.decode(),
    )
    assert "Q0" not in text and "correct" not in text


def test_question_factory_builds_valid_blocks():
    assert question("x")["value"]["options"][0]["correct"] is True
    assert Page.objects.exists()


def test_publishing_in_code_is_refused_too(cat):
    from django.core.exceptions import ValidationError

    policy = course(cat, publish=False)
    with pytest.raises(ValidationError, match="Publish at least one module first"):
        policy.save_revision().publish()
    assert not PolicyPage.objects.get().live


def test_a_quiz_smaller_than_its_policys_draw_is_not_published(cat):
    from django.core.exceptions import ValidationError

    course(cat, publish=False, questions=3, draw=5)
    quiz = QuizPage.objects.get()
    with pytest.raises(
        ValidationError,
        match=r"draws 5 questions per attempt: the pool needs at least that many "
        r"\(it has 3\)",
    ):
        quiz.save_revision().publish()
    assert not QuizPage.objects.get().live
    PolicyPage.objects.update(questions_per_attempt=3)
    QuizPage.objects.get().save_revision().publish()
    assert QuizPage.objects.get().live


def test_an_unpublished_policys_latest_revision_sets_the_draw_its_quiz_needs(cat):
    """Autosave writes a new policy's row once; later edits are revisions. The
    quiz's check reads the draft the trainer is writing, not that first row:
    lowering the draw in a revision lets the quiz be published."""
    course(cat, publish=False, questions=3, draw=5)
    policy = PolicyPage.objects.get()
    policy.questions_per_attempt = 3
    policy.save_revision()  # the row still says 5
    assert PolicyPage.objects.get().questions_per_attempt == 5
    QuizPage.objects.get().save_revision().publish()
    assert QuizPage.objects.get().live


def test_approving_from_the_dashboard_an_unpublishable_policy_fails_cleanly(
    client, cat, trainer, approver
):
    policy = course(cat, publish=False)
    client.force_login(trainer)
    client.post(
        f"/admin/pages/{policy.pk}/edit/", edit_form(policy, **{"action-submit": "1"})
    )
    state = WorkflowState.objects.get(object_id=str(policy.pk))
    client.force_login(approver)
    url = (
        f"/admin/pages/workflow/action/{policy.pk}/approve/"
        f"{state.current_task_state.pk}/"
    )
    response = client.post(url, {"comment": ""})
    assert response.status_code in (302, 403)  # "Approve" is not offered
    state.refresh_from_db()
    assert state.status == "in_progress"
    assert not PolicyPage.objects.get().live
    # Once the module and the quiz are live, the approver can approve.
    for page in (ModulePage.objects.get(), QuizPage.objects.get()):
        page.save_revision().publish()
    client.post(url, {"comment": ""})
    assert PolicyPage.objects.get().live


# --- Readable addresses (issue 13) ------------------------------------------------


@pytest.mark.parametrize(
    ("title", "slug", "expected"),
    [
        ("首问负责制", "首问负责制", "svc-2026-07"),  # the editor's unicode slug
        ("首问负责制", "", "svc-2026-07"),
        ("First inquiry owns it", "first-inquiry-owns-it", "svc-2026-07"),
        ("首问负责制", "first-inquiry", "first-inquiry"),  # chosen by the trainer
    ],
)
def test_a_new_policys_address_is_its_code(client, cat, trainer, title, slug, expected):
    client.force_login(trainer)
    response = client.post(
        add_url(PolicyPage, cat), policy_form(title=title, slug=slug)
    )
    assert response.status_code == 302, form_errors(response)
    policy = PolicyPage.objects.get(code="SVC-2026-07")
    assert policy.slug == expected
    assert policy.url_path.endswith(f"/{expected}/")


def test_a_taken_address_gets_a_number(client, cat, trainer):
    cat.add_child(instance=Page(title="Somewhere else", slug="svc-2026-07"))
    client.force_login(trainer)
    response = client.post(add_url(PolicyPage, cat), policy_form(slug="首问负责制"))
    assert response.status_code == 302, form_errors(response)
    assert PolicyPage.objects.get(code="SVC-2026-07").slug == "svc-2026-07-2"


def test_modules_with_chinese_titles_are_numbered(client, cat, trainer):
    policy = course(cat, code="SVC-2026-02")
    client.force_login(trainer)
    data = nested_form_data(
        {
            "title": "第二课：回访",
            "slug": "第二课回访",
            "minutes": 10,
            "body": streamfield([("text", rich_text("<p>回访。</p>"))]),
            "comments": inline_formset([]),
        }
    )
    response = client.post(add_url(ModulePage, policy), data)
    assert response.status_code == 302, form_errors(response)
    module = ModulePage.objects.get(title="第二课：回访")
    assert module.slug == "module-2"  # the course's first module is module-1


# --- The approver's preview (issue 13) --------------------------------------------


def test_the_approver_previews_the_course_in_their_language_with_drafts(
    client, cat, trainer, approver
):
    from wagtail.models import Task, Workflow

    policy = course(cat, code="SVC-2026-03", publish=False)
    policy.save_revision(user=trainer)
    workflow = Workflow.objects.get(name=roles.REVIEW_WORKFLOW)
    workflow.start(policy, trainer)
    task = Task.objects.get(name=roles.REVIEW_TASK)
    client.force_login(approver)
    response = client.get(
        f"/admin/pages/workflow/preview/{policy.pk}/{task.pk}/",
        HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9",
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert '<html lang="zh-hans">' in text
    assert "Module 1" in text and "草稿" in text  # the draft module, marked
    assert "测验" in text  # the quiz section, with its draft
    module = ModulePage.objects.child_of(policy).get()
    assert f"/admin/pages/{module.pk}/view_draft/" in text


def test_a_code_in_use_offers_the_half_written_measure(client, cat, trainer):
    """Wagtail's autosave created the measure when its form became valid; a
    trainer starting again with the same code is led back to it."""
    client.force_login(trainer)
    first = client.post(add_url(PolicyPage, cat), policy_form(title="首问负责制"))
    assert first.status_code == 302
    started = PolicyPage.objects.get(code="SVC-2026-07")
    again = client.post(
        add_url(PolicyPage, cat), policy_form(title="首问负责制（重写）")
    )
    assert again.status_code == 200
    errors = again.context["form"].errors["code"]
    assert len(errors) == 1
    assert "首问负责制" in errors[0] and "(draft)" in errors[0]
    assert f'href="/admin/pages/{started.pk}/edit/"' in again.content.decode()
    assert PolicyPage.objects.filter(code="SVC-2026-07").count() == 1


def test_the_review_workflow_is_named_in_the_readers_language(client, cat, trainer):
    """Stored as its English msgid, shown in each reader's language: the
    editor's submit button reads "提交给课程审核" for a Chinese trainer."""
    from django.utils import translation
    from wagtail.models import Task, Workflow

    with translation.override("zh-hans"):
        workflow = Workflow.objects.get(name=roles.REVIEW_WORKFLOW)
        assert workflow.name == "课程审核"
        assert Task.objects.get(name=roles.REVIEW_TASK).name == "审批人审核"
        workflow.save()  # saved under its Chinese name ...
    stored = Workflow.objects.filter(pk=workflow.pk).values_list("name", flat=True)
    assert list(stored) == ["Course review"]  # ... kept as the msgid
    assert Workflow.objects.get(pk=workflow.pk).name == "Course review"

    policy = course(cat, code="SVC-2026-04", publish=False)
    client.force_login(trainer)
    page = client.get(
        f"/admin/pages/{policy.pk}/edit/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9"
    ).content.decode()
    assert "课程审核" in page and "Course review" not in page

    renamed = Workflow.objects.create(name="省公司审核")  # a name of one's own
    assert Workflow.objects.get(pk=renamed.pk).name == "省公司审核"


def test_an_autosave_of_a_form_not_valid_yet_logs_no_bad_request(
    client, cat, trainer, caplog
):
    """Wagtail's autosave posts the half-written form as JSON: the 400 with
    its errors is the editor's business, not a failing request in the log."""
    import logging

    from lms.logs import QuietAutosave

    client.force_login(trainer)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        autosave = client.post(
            add_url(PolicyPage, cat),
            {**policy_form(), "title": ""},
            HTTP_ACCEPT="application/json",
        )
    assert autosave.status_code == 400, autosave.json()
    assert autosave.json()["success"] is False
    assert not [r for r in caplog.records if r.name == "django.request"]
    assert not PolicyPage.objects.filter(code="SVC-2026-07").exists()

    # The development server's access line, as runserver writes it.
    line = logging.LogRecord(
        "django.server",
        logging.WARNING,
        "",
        0,
        '"%s" %s %s',
        (f"POST {add_url(PolicyPage, cat)} HTTP/1.1", "400", "512"),
        None,
    )
    line.status_code = 400
    assert not QuietAutosave().filter(line)
    line.args = ("POST /my/attempts/3/submit/ HTTP/1.1", "400", "512")
    assert QuietAutosave().filter(line)  # elsewhere a 400 is still logged


def test_a_page_preview_in_the_admin_may_be_framed_by_the_admin(client, cat, trainer):
    """Wagtail renders a preview through an inner request to the page's own
    address, which came back with the site's ``frame-ancestors 'none'``: the
    editor's preview panel stayed blank."""
    course(cat)
    module = ModulePage.objects.get()
    client.force_login(trainer)

    response = client.get(f"/admin/pages/{module.pk}/view_draft/")

    assert response.status_code == 200
    assert "Accept, handle, reply, follow up." in response.content.decode()
    policy = response["Content-Security-Policy"]
    assert "frame-ancestors 'self'" in policy
    assert "'none'" not in policy.split("frame-ancestors")[1].split(";")[0]
    # The preview leads back to the course's draft, not its public address
    # (a 404 while the course is not live).
    assert f'href="/admin/pages/{module.get_parent().pk}/view_draft/"' in (
        response.content.decode()
    )
    # The learner's page itself still refuses to be framed, and links the
    # course's own address.
    page = client.get(module.url)
    assert "frame-ancestors 'none'" in page["Content-Security-Policy"]
    assert "view_draft" not in page.content.decode()


def test_a_course_is_not_published_while_a_new_module_is_sent_back(
    client, cat, trainer, approver
):
    """An approver who approved the course while one of its new modules was
    sent back for changes published the course without that module."""
    from wagtail.models import Task, Workflow

    policy = course(cat, code="SVC-2026-04")
    second = ModulePage(title="Module 2", slug="module-2", live=False)
    policy.add_child(instance=second)
    second.save_revision(user=trainer)
    workflow = Workflow.objects.get(name=roles.REVIEW_WORKFLOW)
    state = workflow.start(second, trainer)
    state.current_task_state.task.specific.on_action(
        state.current_task_state, approver, "reject"
    )
    policy.refresh_from_db()
    policy.summary = "Revised"
    policy.save_revision(user=trainer)
    workflow.start(policy, trainer)

    problems = policy.get_latest_revision_as_object().publication_problems()

    assert problems == [
        "“Module 2” is still in review or sent back for changes: finish its "
        "review first."
    ]
    task = Task.objects.get(name=roles.REVIEW_TASK).specific
    actions = [name for name, *_ in task.get_actions(policy, approver)]
    assert "approve" not in actions and "reject" in actions
    # The approver reads why there is no "Approve" in the editor.
    client.force_login(approver)
    page = client.get(f"/admin/pages/{policy.pk}/edit/").content.decode()
    assert "This course cannot be published yet:" in page
    assert "“Module 2” is still in review" in page


def test_a_new_question_starts_with_the_two_options_it_needs():
    from cms.blocks import SelfCheckBlock, SingleChoiceBlock

    for block in (SelfCheckBlock(), SingleChoiceBlock()):
        assert len(block.get_default()["options"]) == 2


def test_the_review_dialogs_read_in_the_reviewer_s_language(cat, trainer, approver):
    """Wagtail's comment form is translated once, when it is imported (in
    English); the review task's own form is translated for each reader, and
    "Approve and Publish" reads 批准并发布."""
    from django.utils import translation
    from wagtail.models import Task

    task = Task.objects.get(name=roles.REVIEW_TASK).specific
    with translation.override("zh-hans"):
        form = task.get_form_for_action("reject")()
        assert str(form.fields["comment"].label) == "评论"
        assert translation.gettext("%(label)s and Publish") % {"label": "批准"} == (
            "批准并发布"
        )
