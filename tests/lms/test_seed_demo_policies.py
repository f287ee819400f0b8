"""seed_demo's demo measures: three real courses from the source document,
loaded through the policy import and published."""

from __future__ import annotations

import json
import re
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from wagtail.models import Page, Revision, Site

from cms.models import CatalogPage, ModulePage, PolicyPage, PolicyVersion, QuizPage
from lms.demo import seed as seed_module
from lms.demo.policies import CATALOGUE_TITLE, POLICIES_DIR

FAST_TEST_SETTINGS = {
    "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
    "CACHES": {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
}
CJK = re.compile(r"[\u4e00-\u9fff]")
AUDIENCES = {
    "SVC-2026-01": ["counter", "complaints", "billing", "management"],
    "SVC-2026-02": ["billing", "counter", "complaints"],
    "SVC-2026-03": ["key_account", "management"],
}
# What the source document says each measure is about, in its own words.
SOURCE_PHRASES = {
    "SVC-2026-01": ["受理、处理、答复、回访", "推诿扯皮", "思想落实", "一票否决"],
    "SVC-2026-02": ["数据采集、过滤、分析、稽核、质检", "本地网", "话费争议"],
    "SVC-2026-03": ["一点受理", "一站服务", "项目经理负责制", "责任到人、包干到人"],
}


def seed(**options) -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


def page_text(page: Page) -> str:
    """Everything a learner reads on a page, as one string."""
    specific = page.specific
    parts = [
        specific.title,
        getattr(specific, "summary", ""),
        getattr(specific, "body", ""),
    ]
    for name in ("body", "questions"):
        field = getattr(specific, name, None)
        if field is not None and not isinstance(field, str):
            parts.append(json.dumps(field.get_prep_value(), ensure_ascii=False))
    return "".join(str(part) for part in parts)


@pytest.fixture(scope="class")
def seeded(django_db_setup, django_db_blocker):
    """One quick demo for the whole class, rolled back after it."""
    with django_db_blocker.unblock(), override_settings(**FAST_TEST_SETTINGS):
        with transaction.atomic():
            output = seed(staff=60)
            yield output
            transaction.set_rollback(True)


@pytest.mark.django_db
@pytest.mark.usefixtures("seeded")
class TestDemoPolicies:
    def test_summary_counts_three_created_policies(self, seeded):
        assert (
            "Policies: 3 (3 created, 0 updated, 0 unchanged; 14 pages published)"
            in (seeded)
        )

    def test_the_catalogue_is_live_under_the_home_page(self):
        catalogue = CatalogPage.objects.get(title=CATALOGUE_TITLE)
        home = Site.objects.get(is_default_site=True).root_page
        assert catalogue.get_parent().pk == home.pk
        assert catalogue.live

    def test_three_live_policies_with_their_modules_and_quiz(self):
        policies = PolicyPage.objects.order_by("code")
        assert [p.code for p in policies] == list(AUDIENCES)
        for policy in policies:
            assert policy.live and not policy.has_unpublished_changes, policy.code
            assert policy.get_parent().title == CATALOGUE_TITLE
            assert policy.publication_problems() == []
            assert policy.versions.count() == 1 and policy.version == 1
            modules = list(policy.modules())
            assert 2 <= len(modules) <= 3, policy.code
            assert all(m.live and not m.has_unpublished_changes for m in modules)
            quiz = policy.quiz()
            assert quiz is not None and quiz.live
            assert 10 <= quiz.pool_size() <= 14
            assert 8 <= policy.questions_per_attempt <= 10
            assert policy.questions_per_attempt <= quiz.pool_size()

    def test_rules_are_the_demo_ones(self):
        for policy in PolicyPage.objects.all():
            assert policy.pass_mark == 80
            assert policy.max_attempts == 3
            assert policy.certificate_validity_months == 24
            assert (policy.threshold_overall, policy.threshold_unit) == (95, 90)
            assert policy.launch_target_date.year == 2027
            assert policy.launch_target_date.month <= 3

    def test_audiences_are_demo_positions_by_code(self):
        for code, positions in AUDIENCES.items():
            policy = PolicyPage.objects.get(code=code)
            assert [
                row.position.code for row in policy.audience_positions.all()
            ] == positions
            assert not policy.audience_units.exists()  # the whole group
        management = PolicyPage.objects.get(code="SVC-2026-01").position_thresholds
        assert [(t.position.code, t.threshold) for t in management.all()] == [
            ("management", 100)
        ]

    def test_the_demo_employee_is_in_the_audience_of_the_counter_measures(self):
        from lms.models import Employee

        employee = Employee.objects.get(employee_no="D0000001")
        for code, positions in AUDIENCES.items():
            assert (employee.position.code in positions) == (code != "SVC-2026-03")

    def test_every_block_passes_its_own_validation(self):
        for page in [*ModulePage.objects.all(), *QuizPage.objects.all()]:
            field = page.body if isinstance(page, ModulePage) else page.questions
            for child in field:
                child.block.clean(child.value)  # raises if invalid
            field.stream_block.clean(field)

    def test_lessons_use_key_points_procedures_do_dont_and_a_self_check(self):
        for policy in PolicyPage.objects.all():
            used = Counter()
            for module in policy.modules():
                types = [block.block_type for block in module.body]
                assert "self_check" in types, module.slug
                assert "text" in types, module.slug
                used.update(types)
            assert {"key_points", "procedure", "do_dont"} <= set(used), policy.code

    def test_quizzes_mix_question_types_each_with_an_explanation(self):
        for quiz in QuizPage.objects.all():
            kinds = Counter(block.block_type for block in quiz.questions)
            assert set(kinds) == {"single", "multiple", "true_false"}, quiz.slug
            assert min(kinds.values()) >= 3
            for block in quiz.questions:
                assert block.value["explanation"].strip()
                assert CJK.search(block.value["text"])

    def test_content_is_chinese_and_faithful_to_the_source(self):
        for code, phrases in SOURCE_PHRASES.items():
            policy = PolicyPage.objects.get(code=code)
            text = "".join(page_text(page) for page in [policy, *policy.get_children()])
            assert len(CJK.findall(text)) > 1500, code
            for phrase in phrases:
                assert phrase in text, (code, phrase)

    def test_a_second_run_creates_no_page_revision_or_version(self):
        before = (
            Page.objects.count(),
            Revision.objects.count(),
            PolicyVersion.objects.count(),
        )
        output = seed(staff=60)
        assert "Policies: 3 (0 created, 0 updated, 3 unchanged; 0 pages published)" in (
            output
        )
        assert (
            Page.objects.count(),
            Revision.objects.count(),
            PolicyVersion.objects.count(),
        ) == before

    def test_a_changed_demo_page_is_put_back_and_published(self):
        quiz = QuizPage.objects.get(slug="quiz", title="话费争议处理测验")
        quiz.title = "改过的标题"
        quiz.save_revision()
        revisions = Revision.objects.count()
        output = seed(staff=60)
        assert "Policies: 3 (0 created, 0 updated, 3 unchanged; 1 pages published)" in (
            output
        )
        quiz.refresh_from_db()
        assert quiz.title == "话费争议处理测验" and not quiz.has_unpublished_changes
        assert Revision.objects.count() == revisions + 1


def test_policies_come_after_the_accounts_in_the_seed_steps():
    steps = seed_module.SEED_STEPS
    assert steps.index(seed_module.seed_policies) > steps.index(
        seed_module.seed_accounts
    )


def test_the_demo_documents_are_in_the_export_format():
    paths = sorted(POLICIES_DIR.glob("*.json"))
    assert [path.stem for path in paths] == list(AUDIENCES)
    for path in paths:
        document = json.loads(path.read_text(encoding="utf-8"))
        assert document["format"] == "rollout-policy/1"
        assert document["code"] == path.stem
        assert document["audience"]["positions"] == AUDIENCES[path.stem]
