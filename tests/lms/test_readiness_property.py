"""Readiness as a property (hypothesis): after any sequence of imports,
transfers, deactivations, passes, revocations, expiries, exemptions,
material changes and threshold changes, every unit's figures equal a naive
recount in Python, and ``readiness --verify`` finds no stored count that
differs from the rows (DESIGN.md invariant 2)."""

from __future__ import annotations

import csv
import datetime
import tempfile
from pathlib import Path

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from certificates.models import Certificate
from cms.models import MaterialChange, PolicyPage, PolicyVersion
from lms.models import Employee, Exemption
from lms.selectors.readiness_check import readiness_differences
from lms.services.assignments import assignments_sync_staff
from lms.services.imports import staff_import
from lms.services.readiness_counts import stored_differences
from tests.factories import EmployeeFactory
from tests.lms.test_attempts import enrol
from tests.lms.test_readiness import readiness_course
from tests.lms.test_training import certify

pytestmark = pytest.mark.django_db

COUNTIES = ("GZ-TH", "GZ-YX", "SZ-NS", "BJ-DC")
ACTIONS = (
    "later",
    "pass",
    "revoke",
    "expire",
    "transfer",
    "leave",
    "back",
    "import",
    "exempt",
    "unexempt",
    "change",
    "cap",
    "grace",
    "threshold",
    "later",
)
STEPS = st.lists(
    st.tuples(
        st.sampled_from(ACTIONS),
        st.integers(0, 7),  # whom
        st.integers(0, 3),  # a county, a choice
    ),
    min_size=1,
    max_size=10,
)


def _import(tree, people, whom, county) -> None:
    """The HR feed through the import service: everyone still there, one
    moved to another county, one new hire."""
    moved = people[whom]
    rows = [
        [
            e.employee_no,
            e.name,
            COUNTIES[county] if e.pk == moved.pk else e.unit.code,
            e.position.code,
            "",
        ]
        for e in Employee.objects.filter(is_active=True).select_related(
            "unit", "position"
        )
    ]
    # Staff are never deleted: their count is a number nobody holds yet (the
    # active rows' count was not, once someone had left).
    number = f"N{Employee.objects.count():06d}"
    rows.append([number, "新员工", COUNTIES[county], "counter", ""])
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "staff.csv"
        with path.open("w", encoding="utf-8", newline="") as stream:
            writer = csv.writer(stream)
            writer.writerow(["employee_no", "name", "unit_code", "position", "email"])
            writer.writerows(rows)
        report = staff_import(path=path)
    assert not report.errors, report.errors
    assignments_sync_staff()


def _step(action, policy, tree, people, whom, choice, clock) -> PolicyPage:
    person = people[whom]
    current = Certificate.objects.filter(
        employee=person, revoked_at=None, superseded_at=None
    )
    today = timezone.localdate(clock[0])
    if action == "pass" and not current.filter(version=policy.version).exists():
        certify(person, policy, number=Certificate.objects.count() + 1)
    elif action == "revoke":
        current.update(revoked_at=timezone.now())
    elif action == "expire":
        current.update(expires_at=clock[0] + datetime.timedelta(hours=choice))
    elif action == "transfer":
        Employee.objects.filter(pk=person.pk).update(unit=tree[COUNTIES[choice]])
    elif action == "leave":
        Employee.objects.filter(pk=person.pk).update(is_active=False)
    elif action == "back":
        Employee.objects.filter(pk=person.pk).update(is_active=True)
    elif action == "import":
        _import(tree, people, whom, choice)
    elif action == "exempt":
        start = today + datetime.timedelta(days=(-3, 0, 1, 2)[choice])
        Exemption.objects.create(
            employee=person,
            policy=policy,
            reason="property",
            starts_on=start,
            ends_on=start + datetime.timedelta(days=(0, 1, 3, 30)[choice]),
            status=Exemption.Status.APPROVED,
            proposed_by=person.user,
            proposed_at=timezone.now(),
        )
    elif action == "unexempt":
        Exemption.objects.filter(employee=person).update(status=Exemption.Status.ENDED)
    elif action == "change":
        PolicyVersion.objects.create(
            policy=policy,
            number=policy.version + 1,
            published_at=timezone.now(),
            earlier_certificates=(
                MaterialChange.Earlier.RENEW if choice % 2 else "valid"
            ),
            renew_by=today + datetime.timedelta(days=(-1, 1, 2, 5)[choice]),
        )
        PolicyPage.objects.filter(pk=policy.pk).update(version=policy.version + 1)
    elif action == "cap":
        PolicyPage.objects.filter(pk=policy.pk).update(
            exemption_cap_percent=(0, 5, 20, 50)[choice]
        )
    elif action == "grace":
        PolicyPage.objects.filter(pk=policy.pk).update(
            new_hire_grace_days=(0, 1, 2, 30)[choice]
        )
    elif action == "threshold":
        PolicyPage.objects.filter(pk=policy.pk).update(
            threshold_overall=(50, 80, 90, 100)[choice],
            threshold_unit=(0, 50, 80, 100)[choice],
        )
    elif action == "later":  # the clock moves on: expiries, exemptions, grace
        clock[0] += datetime.timedelta(hours=(1, 13, 25, 24 * 7)[choice])
    return PolicyPage.objects.get(pk=policy.pk)


@pytest.fixture
def course(tree, positions):
    return readiness_course()


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=STEPS)
def test_readiness_equals_a_naive_recount_whatever_happens(course, tree, steps):
    # Each example in its own transaction, rolled back: the fixtures' tree
    # and course are shared, the staff and everything after are not.
    with transaction.atomic():
        PolicyPage.objects.filter(pk=course.pk).update(
            first_published_at=timezone.now() - datetime.timedelta(days=1)
        )
        policy = PolicyPage.objects.get(pk=course.pk)
        people = [
            enrol(policy, employee=EmployeeFactory(unit=tree[COUNTIES[i % 4]]))
            for i in range(8)
        ]
        for person in people[:5]:  # most certified; some soon expiring
            certify(person, policy)
        Certificate.objects.filter(employee__in=people[:2]).update(
            expires_at=timezone.now() + datetime.timedelta(hours=2)
        )
        clock = [timezone.now()]
        for number, (action, whom, choice) in enumerate(steps):
            policy = _step(action, policy, tree, people, whom, choice, clock)
            at = max(clock[0], timezone.now())
            clock[0] = at
            where = (number, action, whom, choice)
            assert (
                readiness_differences(policy=policy, scope=tree["HQ"], at=at) == []
            ), where
            assert stored_differences(policy=policy, scope=tree["HQ"], at=at) == [], (
                where
            )
        transaction.set_rollback(True)
