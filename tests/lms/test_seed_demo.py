"""seed_demo and demo_logins: the real tree of China, staff, one account per role."""

from __future__ import annotations

import csv
import re
from collections import Counter
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import override_settings

from certificates.models import Certificate
from cms.models import PolicyPage
from lms import roles
from lms.demo import constants as c
from lms.demo.accounts import DEMO_ACCOUNTS
from lms.demo.names import SURNAMES, names_generate
from lms.demo.org import divisions_load, divisions_quick, staff_generate
from lms.demo.progress import province_shares
from lms.models import (
    Employee,
    ManagerScope,
    ModuleProgress,
    OrgUnit,
    Position,
    QuizAttempt,
    User,
)
from lms.selectors.readiness import readiness_for

STAFF = 200
FAST_TEST_SETTINGS = {
    "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
    "CACHES": {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
}
CHINESE_NAME = re.compile(r"^[\u4e00-\u9fff]{2,4}$")


def seed(**options) -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


def level_counts() -> dict[str, int]:
    return dict(Counter(OrgUnit.objects.values_list("level", flat=True)))


def row_counts() -> dict[str, int]:
    return {
        "units": OrgUnit.objects.count(),
        "employees": Employee.objects.count(),
        "users": User.objects.count(),
        "positions": Position.objects.count(),
        "scopes": ManagerScope.objects.count(),
        "memberships": User.groups.through.objects.count(),
        "module progress": ModuleProgress.objects.count(),
        "attempts": QuizAttempt.objects.count(),
        "certificates": Certificate.objects.count(),
    }


# --- the data file -------------------------------------------------------------


def test_data_file_is_the_tree_of_china_without_taiwan_hong_kong_macao():
    with c.DIVISIONS_CSV.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        assert next(reader) == ["code", "name", "parent_code", "level"]
        rows = list(reader)
    assert len(rows) == 3_509
    assert rows[0] == ["HQ", "中国电信集团公司", "", "hq"]
    codes = [row[0] for row in rows]
    assert len(set(codes)) == len(codes)
    assert Counter(row[3] for row in rows) == {
        "hq": 1,
        "province": 31,
        "city": 344,
        "county": 3_133,
    }
    seen: set[str] = set()
    for code, _name, parent, level in rows:
        assert level == "hq" or parent in seen, f"{code} comes before its parent"
        seen.add(code)
    assert not {"710000", "810000", "820000"} & seen
    names = {row[0]: row[1] for row in rows}
    assert names["440000"] == "广东省"
    assert names["440100"] == "广州市"
    assert names["440106"] == "天河区"
    assert names["650000"] == "新疆维吾尔自治区"


def test_quick_tree_keeps_every_province_and_a_few_hundred_units():
    divisions = divisions_load()
    quick = divisions_quick(divisions)
    levels = Counter(division.level for division in quick)
    assert levels["province"] == 31
    assert 200 <= len(quick) <= 600
    codes = {division.code for division in quick}
    assert all(d.parent_code in codes for d in quick if d.level != "hq")
    assert {c.DEMO_EMPLOYEE_UNIT, c.DEMO_MANAGER_UNIT, c.DEMO_LAUNCH_SCOPE} <= codes
    assert not [d for d in quick if d.is_placeholder]


# --- generated staff -----------------------------------------------------------


def test_names_are_chinese_deterministic_and_follow_surname_frequency():
    names = names_generate(count=5_000, seed=7)
    assert names == names_generate(count=5_000, seed=7)
    assert names != names_generate(count=5_000, seed=8)
    assert all(CHINESE_NAME.match(name) for name in names)
    surnames = Counter(
        name[:2] if name[:2] in SURNAMES else name[0] for name in names
    ).most_common(5)
    assert {surname for surname, _ in surnames[:3]} == {"王", "李", "张"}
    one_character_given = sum(len(name) == 2 for name in names)
    assert 0.08 * len(names) < one_character_given < 0.3 * len(names)


def test_staff_put_most_people_in_counties_with_realistic_positions():
    units = divisions_load()
    rows = staff_generate(units=units, count=20_000, seed=1)
    level_of = {unit.code: unit.level for unit in units}
    placeholders = {unit.code for unit in units if unit.is_placeholder}
    levels = Counter(level_of[row.unit_code] for row in rows)
    assert levels["county"] > 0.7 * len(rows)
    assert levels["city"] > levels["province"] > levels["hq"] > 0
    assert not placeholders & {row.unit_code for row in rows}
    positions = Counter(row.position for row in rows)
    assert set(positions) == set(c.POSITIONS)
    assert positions.most_common(1)[0][0] == "counter"
    assert [row.employee_no for row in rows[:3]] == ["D0000001", "D0000002", "D0000003"]
    assert rows[0].unit_code == c.DEMO_EMPLOYEE_UNIT
    assert rows[0].position == "counter"
    assert rows[1].position == "management"
    with_email = [row for row in rows if row.email]
    assert 0.4 * len(rows) < len(with_email) < 0.8 * len(rows)
    assert all(
        row.email == f"{row.employee_no.lower()}@{c.EMAIL_DOMAIN}" for row in with_email
    )
    # A smaller demo is the beginning of a bigger one with the same seed.
    assert staff_generate(units=units, count=50, seed=1) == rows[:50]


# --- seed_demo -----------------------------------------------------------------


@pytest.fixture(scope="class")
def seeded(django_db_setup, django_db_blocker):
    """One quick demo with 200 staff for the whole class, rolled back after it."""
    with django_db_blocker.unblock(), override_settings(**FAST_TEST_SETTINGS):
        with transaction.atomic():
            output = seed(staff=STAFF)
            yield output
            transaction.set_rollback(True)


@pytest.mark.django_db
@pytest.mark.usefixtures("seeded")
class TestSeededDemo:
    def test_summary_names_units_staff_and_accounts(self, seeded):
        assert f"Staff: {STAFF}" in seeded
        assert "Units: " in seeded
        assert "Accounts: 6 (4 created, 6 given the demo password)" in seeded

    def test_units_are_the_quick_tree(self):
        quick = divisions_quick(divisions_load())
        assert level_counts() == dict(Counter(d.level for d in quick))
        assert set(OrgUnit.objects.values_list("code", flat=True)) == {
            d.code for d in quick
        }

    def test_31_provinces_with_their_real_names_under_hq(self):
        hq = OrgUnit.objects.get(code="HQ")
        provinces = OrgUnit.objects.filter(level="province")
        assert provinces.count() == 31
        assert {p.get_parent().code for p in provinces} == {"HQ"}
        names = set(provinces.values_list("name", flat=True))
        assert {"广东省", "北京市", "新疆维吾尔自治区", "西藏自治区"} <= names
        assert hq.name == "中国电信集团公司"
        guangzhou = OrgUnit.objects.get(code="440100")
        assert guangzhou.name == "广州市"
        assert guangzhou.get_parent().name == "广东省"

    def test_every_employee_is_in_a_unit_of_the_tree_mostly_counties(self):
        assert Employee.objects.count() == STAFF
        assert Employee.objects.filter(unit__isnull=True).count() == 0
        counties = Employee.objects.filter(unit__level="county").count()
        assert counties > STAFF * 0.6
        numbers = list(Employee.objects.values_list("employee_no", flat=True))
        assert numbers == [f"D{n:07d}" for n in range(1, STAFF + 1)]
        assert all(
            CHINESE_NAME.match(name)
            for name in Employee.objects.values_list("name", flat=True)
        )

    def test_positions_are_the_six_demo_positions(self):
        assert dict(Position.objects.values_list("code", "name")) == c.POSITIONS
        used = set(Employee.objects.values_list("position__code", flat=True))
        assert used == set(c.POSITIONS)

    def test_one_account_per_role_with_its_group_and_scope(self):
        for account in DEMO_ACCOUNTS:
            user = User.objects.get(username=account.login)
            assert user.groups.filter(name=account.role).exists(), account.login
            assert user.has_usable_password()
        employee = Employee.objects.select_related("unit", "position").get(
            employee_no="D0000001"
        )
        assert employee.position.code == "counter"
        assert employee.unit.level == "county"
        assert employee.unit.get_ancestors().filter(name="广东省").exists()

        manager = Employee.objects.get(employee_no=c.DEMO_MANAGER_NO)
        assert manager.position.code == "management"
        assert manager.user.groups.filter(name=roles.MANAGER).exists()
        assert [s.unit.name for s in manager.user.scopes.all()] == ["广州市"]

        launch = User.objects.get(username="launch")
        assert [s.unit.name for s in launch.scopes.all()] == ["广东省"]
        assert not hasattr(launch, "employee")

        admin = User.objects.get(username="admin")
        assert admin.is_superuser and admin.is_staff
        assert admin.groups.filter(name=roles.ADMINISTRATOR).exists()
        for login in ("trainer", "approver"):
            assert not User.objects.get(username=login).is_superuser

    def test_every_demo_account_signs_in_with_the_demo_password(self, client):
        for account in DEMO_ACCOUNTS:
            assert client.login(username=account.login, password=c.DEMO_PASSWORD), (
                account.login
            )
            client.logout()

    def test_demo_employee_signs_in_with_employee_number(self, client):
        response = client.post(
            "/accounts/login/", {"username": "D0000001", "password": c.DEMO_PASSWORD}
        )
        assert response.status_code == 302
        assert response["Location"] == "/my/"
        page = client.get("/my/")
        assert page.status_code == 200
        assert "天河区" in page.content.decode()

    def test_manager_sees_guangzhou_in_the_admin(self, client):
        assert client.login(username=c.DEMO_MANAGER_NO, password=c.DEMO_PASSWORD)
        assert client.get("/admin/").status_code == 200

    def test_training_is_under_way_as_the_quiz_would_have_left_it(self, seeded):
        passes = QuizAttempt.objects.filter(passed=True)
        fails = QuizAttempt.objects.filter(passed=False)
        line = f"{passes.count():,} passed, {fails.count():,} failed once"
        assert f"Training progress: {line}" in seeded
        assert passes.count() > 50 and fails.count() > 0
        # A certificate per pass, of its employee, policy and score; none
        # without a pass; every pass after the modules.
        certificates = Certificate.objects.select_related("attempt")
        assert certificates.count() == passes.count()
        for certificate in certificates:
            attempt = certificate.attempt
            assert attempt.passed and attempt.employee_id == certificate.employee_id
            assert attempt.policy_id == certificate.policy_id
            assert certificate.score == attempt.score >= 80
            assert certificate.issued_at == attempt.submitted_at
        assert ModuleProgress.objects.filter(
            employee__in=passes.values("employee")
        ).exists()
        assert all(a.score < 80 for a in fails)
        # The demo accounts' people start from nothing; the third measure has
        # just been published.
        assert not QuizAttempt.objects.filter(
            employee__employee_no__in=[c.DEMO_EMPLOYEE_NO, c.DEMO_MANAGER_NO]
        ).exists()
        assert not QuizAttempt.objects.filter(policy__code="SVC-2026-03").exists()

    def test_some_provinces_are_ready_and_the_launch_officer_s_is_not(self):
        call_command("readiness", "SVC-2026-01", "--verify", stdout=StringIO())
        policy = PolicyPage.objects.get(code="SVC-2026-01")
        provinces = dict(
            OrgUnit.objects.filter(level="province").values_list("code", "pk")
        )
        bands = province_shares(sorted(provinces), c.DEFAULT_SEED)
        assert bands[c.DEMO_LAUNCH_SCOPE] == "close"
        assert Counter(bands.values()) == {"done": 10, "close": 11, "behind": 10}

        def readiness(code: str):
            unit = OrgUnit.objects.get(code=code)
            return readiness_for(policy=policy, scope=unit, depth=0)

        def ready(code: str) -> bool:
            return readiness(code).ready

        done = [
            code
            for code, band in bands.items()
            if band == "done" and readiness(code).units[0].figures.assigned
        ]
        assert len(done) >= 5  # a small demo: some provinces have nobody assigned
        assert all(ready(code) for code in done)
        assert not ready(c.DEMO_LAUNCH_SCOPE)
        assert not ready(c.DEMO_EMPLOYEE_UNIT)  # the demo employee's county

    def test_second_run_changes_nothing(self):
        before = row_counts()
        employees = list(Employee.objects.values_list("employee_no", "name", "unit"))
        output = seed(staff=STAFF)
        assert row_counts() == before
        assert list(Employee.objects.values_list("employee_no", "name", "unit")) == (
            employees
        )
        assert "0 created" in output
        assert "Accounts: 6 (0 created, 0 given the demo password)" in output

    def test_second_run_keeps_a_changed_password_unless_reset(self, client):
        trainer = User.objects.get(username="trainer")
        trainer.set_password("my-own-secret-2026")
        trainer.save()
        seed(staff=STAFF)
        assert client.login(username="trainer", password="my-own-secret-2026")
        seed(staff=STAFF, reset_passwords=True)
        assert client.login(username="trainer", password=c.DEMO_PASSWORD)

    def test_demo_logins_lists_every_account(self):
        out = StringIO()
        call_command("demo_logins", stdout=out)
        text = out.getvalue()
        for account in DEMO_ACCOUNTS:
            assert account.login in text
        assert c.DEMO_PASSWORD in text
        assert "/admin/" in text and "/my/" in text
        assert "Launch officer" in text


@pytest.mark.django_db
def test_demo_logins_without_demo_data_says_to_seed():
    out = StringIO()
    call_command("demo_logins", stdout=out)
    assert "seed_demo" in out.getvalue()
    assert c.DEMO_PASSWORD not in out.getvalue()


@pytest.mark.django_db
def test_full_tree_loads_every_unit_of_china():
    output = seed(staff=300, full_tree=True)
    assert level_counts() == {"hq": 1, "province": 31, "city": 344, "county": 3_133}
    assert OrgUnit.objects.count() == 3_509
    assert "Units: 3,509" in output
    assert Employee.objects.count() == 300
    assert seed(staff=300, full_tree=True) and OrgUnit.objects.count() == 3_509


@pytest.mark.django_db
def test_no_progress_leaves_everyone_untrained():
    output = seed(staff=60, progress=False)
    assert "Training progress: none (--no-progress)" in output
    assert not QuizAttempt.objects.exists() and not Certificate.objects.exists()


@pytest.mark.django_db
def test_a_refused_staff_file_leaves_nothing_behind(monkeypatch):
    from lms.demo import seed as seed_module
    from lms.demo.org import StaffRow

    def bad_staff(**kwargs):
        return [StaffRow("D0000001", "王伟", "999999", "counter", "营业厅柜面", "")]

    monkeypatch.setattr(seed_module, "staff_generate", bad_staff)
    with pytest.raises(CommandError, match="staff file was refused"):
        seed(staff=10)
    assert OrgUnit.objects.count() == 0
    assert Employee.objects.count() == 0
