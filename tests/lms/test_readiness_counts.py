"""Stored readiness counts (``lms.services.readiness_counts``): trusted only
while exact — every write that changes a count untrusts its unit in the
writer's transaction (database triggers), the clock untrusts it at the next
expiry, exemption date, end of grace or renewal deadline, a new version of
the policy untrusts them all — and ``readiness --verify`` catches a stored
count that is wrong."""

from __future__ import annotations

import datetime
import threading
import time
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone

from certificates.models import Certificate
from cms.models import MaterialChange, PolicyPage, PolicyVersion
from lms.models import Assignment, Employee, Exemption, OrgUnit, ReadinessCount
from lms.schedules import SCHEDULES
from lms.selectors.readiness import readiness_for
from lms.services import readiness_counts
from lms.services.readiness_counts import readiness_refresh, stored_differences
from tests.conftest import POSTGRES
from tests.factories import EmployeeFactory
from tests.lms.test_launches import _in_thread, _race
from tests.lms.test_readiness import figures, readiness_course, staff
from tests.lms.test_training import certify

pytestmark = pytest.mark.django_db


@pytest.fixture
def policy(tree, positions):
    return readiness_course()


def row(policy, unit) -> ReadinessCount | None:
    # PostgreSQL untrusts at commit; inside the test's transaction, now.
    readiness_counts.own_writes_untrusted()
    return ReadinessCount.objects.filter(policy=policy, unit=unit).first()


def trusted(policy, unit) -> bool:
    stored = row(policy, unit)
    return stored is not None and stored.counted_generation == stored.generation


def count(policy, tree, code="HQ", **kwargs):
    return readiness_for(policy=policy, scope=tree[code], depth=3, **kwargs)


# --- Writes -------------------------------------------------------------------------


def _pass(people, policy, tree):
    certify(people[2], policy)


def _revoke(people, policy, tree):
    Certificate.objects.filter(employee=people[0]).update(revoked_at=timezone.now())


def _shorten(people, policy, tree):
    Certificate.objects.filter(employee=people[0]).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )


def _leave_audience(people, policy, tree):
    Assignment.objects.filter(employee=people[2]).update(is_active=False)


def _deactivate(people, policy, tree):
    Employee.objects.filter(pk=people[2].pk).update(is_active=False)


def _new_position(people, policy, tree):
    from lms.models import Position

    other = Position.objects.exclude(pk=people[2].position_id).first()
    Employee.objects.filter(pk=people[2].pk).update(position=other)


def _exempt(people, policy, tree):
    today = timezone.localdate()
    Exemption.objects.create(
        employee=people[2],
        policy=policy,
        reason="病假",
        starts_on=today,
        ends_on=today + datetime.timedelta(days=30),
        status=Exemption.Status.APPROVED,
        proposed_by=people[2].user,
        proposed_at=timezone.now(),
    )


def _delete_assignment(people, policy, tree):
    Assignment.objects.filter(employee=people[2]).delete()


@pytest.mark.parametrize(
    "write",
    [
        _pass,
        _revoke,
        _shorten,
        _leave_audience,
        _deactivate,
        _new_position,
        _exempt,
        _delete_assignment,
    ],
)
def test_every_write_that_changes_a_count_untrusts_its_unit(policy, tree, write):
    people = staff(policy, tree["GZ-TH"], 3, certified=2)
    staff(policy, tree["BJ-DC"], 2, certified=1)
    before = count(policy, tree)
    assert trusted(policy, tree["GZ-TH"]) and trusted(policy, tree["BJ-DC"])

    write(people, policy, tree)
    assert not trusted(policy, tree["GZ-TH"])
    assert trusted(policy, tree["BJ-DC"])  # another unit keeps its counts
    after = count(policy, tree)
    assert trusted(policy, tree["GZ-TH"])
    assert after != before or write is _new_position
    assert stored_differences(policy=policy, scope=tree["HQ"]) == []
    call_command("readiness", policy.code, "--verify", stdout=StringIO())


def test_a_transfer_untrusts_both_units_and_the_figures_follow(policy, tree):
    people = staff(policy, tree["GZ-TH"], 2, certified=2)
    count(policy, tree)
    Employee.objects.filter(pk=people[0].pk).update(unit=tree["BJ-DC"])
    assert not trusted(policy, tree["GZ-TH"]) and not trusted(policy, tree["BJ-DC"])
    whole = count(policy, tree)
    assert figures(whole, "GZ-TH") == (1, 1) and figures(whole, "BJ-DC") == (1, 1)


def test_writes_that_change_no_count_leave_the_counts_trusted(policy, tree):
    people = staff(policy, tree["GZ-TH"], 2, certified=1)
    count(policy, tree)
    certificate = Certificate.objects.get(employee=people[0])
    certificate.holder_name = "王小明"
    certificate.save()  # every column written, none that counts changed
    Employee.objects.filter(pk=people[1].pk).update(name="李四", email="li@example.cn")
    assert trusted(policy, tree["GZ-TH"])


def test_a_write_racing_the_recount_leaves_its_unit_untrusted(
    policy, tree, monkeypatch
):
    people = staff(policy, tree["GZ-TH"], 3, certified=1)
    real = readiness_counts.counted_from_rows

    def recount_then_a_pass(*args, **kwargs):
        counted = real(*args, **kwargs)
        certify(people[1], policy)  # after the rows were counted
        return counted

    monkeypatch.setattr(readiness_counts, "counted_from_rows", recount_then_a_pass)
    assert figures(count(policy, tree), "GZ-TH") == (1, 3)
    monkeypatch.setattr(readiness_counts, "counted_from_rows", real)
    assert not trusted(policy, tree["GZ-TH"])
    assert figures(count(policy, tree), "GZ-TH") == (2, 3)


# --- The clock and the policy ------------------------------------------------------


def test_an_expiry_untrusts_the_count_when_it_comes(policy, tree):
    now = timezone.now()
    staff(policy, tree["GZ-TH"], 2, certified=1)
    Certificate.objects.update(expires_at=now + datetime.timedelta(hours=1))
    assert figures(count(policy, tree, at=now), "GZ-TH") == (1, 2)
    stored = row(policy, tree["GZ-TH"])
    assert stored.valid_until == now + datetime.timedelta(hours=1)
    later = now + datetime.timedelta(hours=2)
    assert figures(count(policy, tree, at=later), "GZ-TH") == (0, 2)


def test_an_exemption_counts_from_its_first_day_to_its_last(policy, tree):
    today = timezone.localdate()
    people = staff(policy, tree["GZ-TH"], 4, certified=2)
    Exemption.objects.create(
        employee=people[3],
        policy=policy,
        reason="借调",
        starts_on=today + datetime.timedelta(days=2),
        ends_on=today + datetime.timedelta(days=4),
        status=Exemption.Status.APPROVED,
        proposed_by=people[3].user,
        proposed_at=timezone.now(),
    )
    policy.exemption_cap_percent = 50
    policy.save(update_fields=["exemption_cap_percent"])

    def on(days):
        at = timezone.now() + datetime.timedelta(days=days)
        return figures(count(policy, tree, at=at), "GZ-TH")

    assert on(0) == (2, 4)
    assert on(3) == (2, 3)  # exempt: out of assigned
    assert on(6) == (2, 4)  # the exemption is over


def test_a_new_hire_grace_ends_without_a_write(policy, tree):
    policy.new_hire_grace_days = 10
    policy.exemption_cap_percent = 50
    policy.first_published_at = timezone.now() - datetime.timedelta(days=100)
    policy.save(
        update_fields=[
            "new_hire_grace_days",
            "exemption_cap_percent",
            "first_published_at",
        ]
    )
    staff(policy, tree["GZ-TH"], 2, certified=1)  # joined today
    assert figures(count(policy, tree), "GZ-TH") == (1, 1)
    later = timezone.now() + datetime.timedelta(days=11)
    assert figures(count(policy, tree, at=later), "GZ-TH") == (1, 2)


def test_a_renewal_deadline_and_a_new_version_untrust_every_count(policy, tree):
    staff(policy, tree["GZ-TH"], 2, certified=2)
    staff(policy, tree["BJ-DC"], 1, certified=1)
    count(policy, tree)
    deadline = timezone.localdate() + datetime.timedelta(days=3)
    PolicyVersion.objects.create(
        policy=policy,
        number=policy.version + 1,
        published_at=timezone.now(),
        earlier_certificates=MaterialChange.Earlier.RENEW,
        renew_by=deadline,
    )
    PolicyPage.objects.filter(pk=policy.pk).update(version=policy.version + 1)
    policy = PolicyPage.objects.get(pk=policy.pk)
    assert figures(count(policy, tree), "HQ") == (3, 3)  # until the deadline
    assert all(
        r.signature == readiness_counts.policy_side(policy, timezone.now()).signature
        for r in ReadinessCount.objects.filter(policy=policy)
    )
    after = timezone.now() + datetime.timedelta(days=5)
    assert figures(count(policy, tree, at=after), "HQ") == (0, 3)


# --- Reading, verifying, refreshing -------------------------------------------------


def test_a_wrong_stored_count_is_read_and_verify_reports_it(policy, tree):
    staff(policy, tree["GZ-TH"], 2, certified=1)
    count(policy, tree)
    stored = row(policy, tree["GZ-TH"])
    (position,) = stored.counts
    # Corrupted behind the triggers' back (the counts table has none).
    ReadinessCount.objects.filter(pk=stored.pk).update(counts={position: [2, 2, 0]})
    assert figures(count(policy, tree), "GZ-TH") == (2, 2)  # read as stored

    out = StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("readiness", policy.code, "--verify", stdout=out)
    assert refused.value.returncode == 1
    assert "GZ-TH" in out.getvalue() and "stored counts" in out.getvalue()

    call_command("readiness_refresh", "--rebuild", stdout=StringIO())
    assert figures(count(policy, tree), "GZ-TH") == (1, 2)
    call_command("readiness", policy.code, "--verify", stdout=StringIO())


def test_the_refresh_recounts_what_is_untrusted_once(policy, tree):
    people = staff(policy, tree["GZ-TH"], 2, certified=1)
    first = readiness_refresh()
    assert first["recounted"] == OrgUnit.objects.count()
    assert readiness_refresh()["recounted"] == 0  # twice is harmless
    certify(people[1], policy)
    assert readiness_refresh()["recounted"] == 1
    assert figures(count(policy, tree), "GZ-TH") == (2, 2)


def test_the_refresh_drops_the_counts_of_a_deleted_unit(policy, tree):
    readiness_refresh()
    empty = tree["SZ-NS"]
    assert row(policy, empty) is not None
    empty.delete()
    assert readiness_refresh()["dropped"] == 1
    assert not ReadinessCount.objects.filter(unit_id=empty.pk).exists()


def test_the_refresh_is_scheduled_and_has_a_command():
    tasks = {task: command for task, _m, command in SCHEDULES.values()}
    assert tasks["lms.tasks.readiness_refresh"] == "readiness_refresh"
    out = StringIO()
    call_command("readiness_refresh", stdout=out)
    assert "recounted" in out.getvalue()


def test_without_write_back_nothing_is_stored(policy, tree):
    staff(policy, tree["GZ-TH"], 2, certified=1)
    readiness = count(policy, tree, write_back=False)
    assert figures(readiness, "GZ-TH") == (1, 2)
    assert not ReadinessCount.objects.filter(counted_generation__isnull=False).exists()


# --- PostgreSQL: a writer committing during the recount ------------------------------


@pytest.mark.postgres
@pytest.mark.skipif(
    not POSTGRES, reason="needs PostgreSQL (DATABASE_URL=postgres://...)"
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_pass_committed_during_the_recount_is_not_lost(policy, tree, monkeypatch):
    people = staff(policy, tree["GZ-TH"], 3, certified=1)
    counted, passed, errors = threading.Event(), threading.Event(), []
    real = readiness_counts.counted_from_rows

    def slow_recount(*args, **kwargs):
        result = real(*args, **kwargs)
        counted.set()
        passed.wait(timeout=10)  # the pass commits meanwhile
        return result

    monkeypatch.setattr(readiness_counts, "counted_from_rows", slow_recount)

    def read():
        count(policy, tree)

    def a_pass():
        counted.wait(timeout=10)
        with transaction.atomic():
            certify(people[1], policy)
        passed.set()
        time.sleep(0.1)

    _race(read, a_pass, errors)
    assert errors == []
    monkeypatch.setattr(readiness_counts, "counted_from_rows", real)
    assert not trusted(policy, tree["GZ-TH"])
    assert figures(count(policy, tree), "GZ-TH") == (2, 3)
    assert stored_differences(policy=policy, scope=tree["HQ"]) == []


@pytest.mark.postgres
@pytest.mark.skipif(
    not POSTGRES, reason="needs PostgreSQL (DATABASE_URL=postgres://...)"
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_write_back_skips_a_row_a_writer_holds(policy, tree):
    people = staff(policy, tree["GZ-TH"], 3, certified=1)
    staff(policy, tree["BJ-DC"], 1)
    holding, done, errors = threading.Event(), threading.Event(), []

    def writer():
        with transaction.atomic():
            certify(people[1], policy)  # the trigger holds GZ-TH's row
            holding.set()
            done.wait(timeout=10)

    def read():
        holding.wait(timeout=10)
        try:
            count(policy, tree)  # must not wait for the writer
        finally:
            done.set()

    _race(writer, read, errors)
    assert errors == []
    assert trusted(policy, tree["BJ-DC"])
    assert not trusted(policy, tree["GZ-TH"])
    assert figures(count(policy, tree), "GZ-TH") == (2, 3)


def test_new_staff_in_a_unit_never_counted_are_counted(policy, tree):
    count(policy, tree)
    employee = EmployeeFactory(unit=tree["SZ-NS"])
    from tests.lms.test_attempts import enrol

    enrol(policy, employee=employee)
    assert figures(count(policy, tree), "SZ-NS") == (0, 1)


@pytest.mark.postgres
@pytest.mark.skipif(
    not POSTGRES, reason="needs PostgreSQL (DATABASE_URL=postgres://...)"
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_pass_racing_a_transfer_is_counted_where_its_employee_ends_up(policy, tree):
    """A transfer commits while a pass of the same employee is in flight,
    and a recount of the new unit comes in between: the pass untrusts the
    unit its employee is in when it commits (its trigger runs then), so the
    recount stored in between is not trusted afterwards."""
    (person,) = staff(policy, tree["GZ-TH"], 1)
    count(policy, tree)
    started, inserted, transferred, read = (threading.Event() for _ in range(4))
    errors = []

    def transfer():
        with transaction.atomic():
            Employee.objects.filter(pk=person.pk).update(unit=tree["BJ-DC"])
            started.set()
            inserted.wait(timeout=10)
        transferred.set()

    def a_pass():
        started.wait(timeout=10)
        with transaction.atomic():
            certify(person, policy)
            inserted.set()
            read.wait(timeout=10)  # commits after the recount below

    def recount():
        transferred.wait(timeout=10)
        try:
            assert figures(count(policy, tree), "BJ-DC") == (0, 1)
        finally:
            read.set()

    threads = [_in_thread(f, errors) for f in (transfer, a_pass, recount)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert not trusted(policy, tree["BJ-DC"])
    assert figures(count(policy, tree), "BJ-DC") == (1, 1)
    assert stored_differences(policy=policy, scope=tree["HQ"]) == []


def test_the_deferred_triggers_named_are_the_databases(db):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's deferred triggers")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgname LIKE 'lms_readiness%%' "
            "AND tgdeferrable"
        )
        names = {name for (name,) in cursor.fetchall()}
    assert names == set(readiness_counts.DEFERRED_TRIGGERS)
