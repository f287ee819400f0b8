"""Readiness (``lms.selectors.readiness``): assigned and certified down the
tree, the thresholds and their blockers, equal to a naive recount whatever
happens to the rows (DESIGN.md invariant 2)."""

from __future__ import annotations

import datetime
import json
import random
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from certificates.models import Certificate
from cms.models import PolicyPage
from lms.models import Assignment, Employee, Exemption, PositionThreshold
from lms.selectors.readiness import people_missing, readiness_for
from lms.selectors.readiness_check import readiness_differences, readiness_naive
from tests.conftest import POSTGRES
from tests.factories import EmployeeFactory
from tests.lms.test_attempts import build_course, enrol, pool
from tests.lms.test_training import certify

pytestmark = pytest.mark.django_db


def readiness_course():
    """A course with readiness thresholds: 80 % overall, 50 % per county."""
    return build_course(
        questions=pool(2),
        threshold_overall=80,
        threshold_unit=50,
        threshold_level="county",
    )


@pytest.fixture
def policy(tree, positions):
    return readiness_course()


def staff(policy, unit, n, *, certified=0, position=None):
    people = []
    for i in range(n):
        extra = {"position": position} if position else {}
        employee = enrol(policy, employee=EmployeeFactory(unit=unit, **extra))
        if i < certified:
            certify(employee, policy)
        people.append(employee)
    return people


def figures(readiness, code):
    row = next(r for r in readiness.units if r.unit.code == code)
    return (row.figures.certified, row.figures.assigned)


def test_counts_roll_up_the_tree(policy, tree):
    staff(policy, tree["GZ-TH"], 4, certified=3)
    staff(policy, tree["GZ-YX"], 2, certified=1)
    staff(policy, tree["BJ-DC"], 5, certified=5)
    whole = readiness_for(policy=policy, scope=tree["HQ"], depth=3)
    assert figures(whole, "HQ") == (9, 11)
    assert figures(whole, "GD") == (4, 6)
    assert figures(whole, "GZ") == (4, 6)
    assert figures(whole, "SZ-NS") == (0, 0)
    assert figures(whole, "BJ") == (5, 5)
    province = readiness_for(policy=policy, scope=tree["GD"], depth=1)
    assert [r.unit.code for r in province.units] == ["GD", "GZ", "SZ"]


def test_each_threshold_blocks_with_the_people_it_still_needs(policy, tree, positions):
    staff(policy, tree["GZ-TH"], 10, certified=9)
    staff(policy, tree["GZ-YX"], 10, certified=4)  # county below 50 %
    managers = staff(
        policy, tree["GZ-YX"], 2, certified=1, position=positions["management"]
    )
    PositionThreshold.objects.create(
        policy=policy, position=positions["management"], threshold=100
    )
    readiness = readiness_for(policy=policy, scope=tree["GD"])
    assert not readiness.ready
    by_kind = {(b.kind, b.code): b for b in readiness.blockers}
    overall = by_kind[("overall", "GD")]
    assert (overall.figures.certified, overall.figures.assigned) == (14, 22)
    assert overall.missing == 4  # 18 of 22 reach 80 %
    county = by_kind[("unit", "GZ-YX")]
    assert (county.figures.certified, county.figures.assigned, county.missing) == (
        5,
        12,
        1,
    )
    manager = by_kind[("position", "management")]
    assert (manager.figures.certified, manager.figures.assigned) == (1, 2)
    assert manager.missing == 1
    assert ("unit", "GZ-TH") not in by_kind
    assert [b.missing for b in readiness.blockers] == sorted(
        (b.missing for b in readiness.blockers), reverse=True
    )
    assert managers  # the fixture's managers count in their county too


def test_exactly_at_the_threshold_is_ready(policy, tree):
    staff(policy, tree["GZ-TH"], 10, certified=8)
    readiness = readiness_for(policy=policy, scope=tree["GZ-TH"])
    assert readiness.ready and readiness.blockers == []


def test_nobody_assigned_is_nothing_to_train_not_ready(policy, tree):
    readiness = readiness_for(policy=policy, scope=tree["SZ"])
    assert readiness.nothing_to_train and not readiness.ready


def test_revocation_and_expiry_count_at_once(policy, tree):
    people = staff(policy, tree["GZ-TH"], 3, certified=3)
    Certificate.objects.filter(employee=people[0]).update(revoked_at=timezone.now())
    Certificate.objects.filter(employee=people[1]).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert figures(readiness_for(policy=policy, scope=tree["GZ-TH"]), "GZ-TH") == (1, 3)


def test_inactive_staff_and_left_assignments_do_not_count(policy, tree):
    people = staff(policy, tree["GZ-TH"], 3, certified=1)
    Employee.objects.filter(pk=people[0].pk).update(is_active=False)
    Assignment.objects.filter(employee=people[1]).update(is_active=False)
    assert figures(readiness_for(policy=policy, scope=tree["GZ-TH"]), "GZ-TH") == (0, 1)


@pytest.mark.parametrize("seed", range(6))
def test_figures_equal_a_naive_recount_after_random_changes(policy, tree, seed):
    """Random passes, revocations, expiries, transfers, deactivations,
    removals from the audience, material changes, exemptions (approved, ended,
    past or future) with a changing cap, and a new-hire grace, in random
    order: after each step every unit's figures equal a recount from the
    rows."""
    rng = random.Random(seed)
    counties = [tree[code] for code in ("GZ-TH", "GZ-YX", "SZ-NS", "BJ-DC")]
    people = [
        enrol(policy, employee=EmployeeFactory(unit=rng.choice(counties)))
        for _ in range(12)
    ]
    number = 1
    for _step in range(25):
        person = rng.choice(people)
        action = rng.choice(
            [
                "pass",
                "pass",
                "revoke",
                "expire",
                "transfer",
                "leave",
                "back",
                "change",
                "exempt",
                "exempt",
                "unexempt",
                "cap",
                "grace",
            ]
        )
        current = Certificate.objects.filter(
            employee=person, revoked_at=None, superseded_at=None
        )
        policy = PolicyPage.objects.get(pk=policy.pk)
        if action == "pass" and not current.filter(version=policy.version).exists():
            number += 1
            certify(person, policy, number=number)
        elif action == "revoke":
            current.update(revoked_at=timezone.now())
        elif action == "expire":
            current.update(expires_at=timezone.now() - datetime.timedelta(days=1))
        elif action == "transfer":
            Employee.objects.filter(pk=person.pk).update(unit=rng.choice(counties))
        elif action == "leave":
            Employee.objects.filter(pk=person.pk).update(is_active=False)
        elif action == "back":
            Employee.objects.filter(pk=person.pk).update(is_active=True)
        elif action == "exempt":
            today = timezone.localdate()
            start = today + datetime.timedelta(days=rng.choice([-10, -1, 0, 2]))
            Exemption.objects.create(
                employee=person,
                policy=policy,
                reason="random",
                starts_on=start,
                ends_on=start + datetime.timedelta(days=rng.choice([0, 1, 30])),
                status=Exemption.Status.APPROVED,
                proposed_by=person.user,
                proposed_at=timezone.now(),
            )
        elif action == "unexempt":
            Exemption.objects.filter(employee=person).update(
                status=Exemption.Status.ENDED
            )
        elif action == "cap":
            PolicyPage.objects.filter(pk=policy.pk).update(
                exemption_cap_percent=rng.choice([0, 5, 20, 50])
            )
        elif action == "grace":
            PolicyPage.objects.filter(pk=policy.pk).update(
                new_hire_grace_days=rng.choice([0, 30])
            )
        elif action == "change":
            from cms.models import PolicyVersion

            renew_in = rng.choice([-1, 5])
            PolicyVersion.objects.create(
                policy=policy,
                number=policy.version + 1,
                published_at=timezone.now(),
                earlier_certificates=rng.choice(["renew", "valid"]),
                renew_by=timezone.localdate() + datetime.timedelta(days=renew_in),
            )
            PolicyPage.objects.filter(pk=policy.pk).update(version=policy.version + 1)
        policy = PolicyPage.objects.get(pk=policy.pk)
        assert readiness_differences(policy=policy, scope=tree["HQ"]) == [], (
            seed,
            _step,
            action,
        )
    naive = readiness_naive(policy=policy, scope=tree["HQ"], at=timezone.now())
    whole = readiness_for(policy=policy, scope=tree["HQ"], depth=3)
    for row in whole.units:
        assert row.figures == naive[row.unit.code]


def test_the_query_count_does_not_grow_with_the_tree(
    policy, tree, django_assert_num_queries, django_assert_max_num_queries
):
    staff(policy, tree["GZ-TH"], 3, certified=2)
    # Counted from the rows and stored: a fixed number of queries.
    with django_assert_max_num_queries(14 + POSTGRES):
        readiness_for(policy=policy, scope=tree["GZ-TH"])
    # Then read as stored: the policy's signature, the units with their
    # counts, the positions with their thresholds (on PostgreSQL inside a
    # transaction, as here, one more: the transaction's own writes
    # untrusted first).
    warm = 3 + POSTGRES
    with django_assert_num_queries(warm):
        readiness_for(policy=policy, scope=tree["GZ-TH"])
    staff(policy, tree["BJ-DC"], 3, certified=1)
    with django_assert_max_num_queries(15 + POSTGRES):
        readiness_for(policy=policy, scope=tree["HQ"], depth=3)
    with django_assert_num_queries(warm):
        readiness_for(policy=policy, scope=tree["HQ"], depth=3)


@pytest.mark.parametrize(
    ("certified", "assigned", "threshold", "missing"),
    [(0, 0, 90, 0), (8, 10, 80, 0), (7, 10, 80, 1), (0, 3, 100, 3), (1, 3, 50, 1)],
)
def test_people_missing(certified, assigned, threshold, missing):
    assert (
        people_missing(certified=certified, assigned=assigned, threshold=threshold)
        == missing
    )


# --- The command ---------------------------------------------------------------------


def test_the_command_prints_the_table_and_the_blockers(policy, tree):
    staff(policy, tree["GZ-YX"], 4, certified=1)
    out = StringIO()
    call_command("readiness", policy.code, "--unit", "GD", stdout=out)
    text = out.getvalue()
    assert "NOT READY" in text and "GZ" in text
    assert "BLOCKER unit GZ-YX" in text and "1 more to certify" in text


def test_the_command_json_has_figures_and_blockers(policy, tree):
    staff(policy, tree["GZ-TH"], 2, certified=2)
    out = StringIO()
    call_command("readiness", policy.code, "--unit", "GZ", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["ready"] is True and data["blockers"] == []
    assert data["overall"] == {
        "assigned": 2,
        "certified": 2,
        "percent": 100.0,
        "exempt": 0,
    }
    assert data["thresholds"]["unit_level"] == "county"


def test_verify_reports_every_difference_and_exits_1(policy, tree, monkeypatch):
    staff(policy, tree["GZ-TH"], 2, certified=1)
    out = StringIO()
    call_command("readiness", policy.code, "--verify", stdout=out)
    assert "match a recount" in out.getvalue()

    # A stored count made wrong behind the triggers' back: the figures read
    # from it differ from the naive recount.
    from lms.models import ReadinessCount

    stored = ReadinessCount.objects.get(policy=policy, unit=tree["GZ-TH"])
    ((position, (everyone, certified, exempt)),) = stored.counts.items()
    ReadinessCount.objects.filter(pk=stored.pk).update(
        counts={position: [everyone, certified + 1, exempt]}
    )
    out = StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("readiness", policy.code, "--verify", stdout=out)
    assert refused.value.returncode == 1
    assert "GZ-TH" in out.getvalue() and "recounted 1/2" in out.getvalue()


def test_an_unknown_policy_or_unit_is_a_clear_refusal(policy):
    with pytest.raises(CommandError, match="no policy with the code NOPE"):
        call_command("readiness", "NOPE")
    with pytest.raises(CommandError, match="no unit with the code XX"):
        call_command("readiness", policy.code, "--unit", "XX")
