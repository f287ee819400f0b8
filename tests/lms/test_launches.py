"""Launches (``lms.services.launches``): a record exists only when, inside
the transaction that writes it, the scope met every threshold (DESIGN.md
invariant 1); records are never changed or deleted; where a measure is
launched; the ``launch`` command."""

from __future__ import annotations

import datetime
import threading
import time
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from certificates.models import Certificate
from certificates.services import certificate_revoke
from cms.models import PolicyPage
from lms.models import ImmutableRecord, Launch, PositionThreshold
from lms.roles import LAUNCH_OFFICER, MANAGER
from lms.selectors.launches import launch_status, launched_scopes
from lms.services.launches import LaunchRefused, launch_record, launch_withdraw
from tests.conftest import POSTGRES
from tests.factories import ManagerScopeFactory, UserFactory
from tests.lms.test_attempts import build_course, pool
from tests.lms.test_readiness import staff

pytestmark = pytest.mark.django_db


def gate_policy():
    """A published policy: 80 % overall, 50 % in every county."""
    return build_course(
        questions=pool(2),
        threshold_overall=80,
        threshold_unit=50,
        threshold_level="county",
    )


@pytest.fixture
def policy(tree, positions):
    return gate_policy()


def officer(*units, username=None):
    user = UserFactory(
        roles=[LAUNCH_OFFICER], **({"username": username} if username else {})
    )
    for unit in units:
        ManagerScopeFactory(user=user, unit=unit)
    return user


@pytest.fixture
def ready_gz(policy, tree):
    """广州市 ready: 9/10 and 8/10 certified (80 % overall and 50 % per county)."""
    staff(policy, tree["GZ-TH"], 10, certified=9)
    staff(policy, tree["GZ-YX"], 10, certified=8)
    return tree["GZ"]


def test_a_ready_scope_is_launched_with_its_snapshot(policy, tree, ready_gz):
    user = officer(tree["GD"])
    record = launch_record(policy=policy, unit=ready_gz, user=user, note="首批")
    assert Launch.objects.count() == 1
    assert (record.kind, record.version, record.unit_code) == ("launch", 1, "GZ")
    assert record.note == "首批" and record.by == user
    assert record.thresholds == {
        "overall": 80,
        "unit": 50,
        "unit_level": "county",
        "exemption_cap": 5,
        "positions": {},
        "not_before": None,
    }
    assert record.snapshot["scope"]["certified"] == 17
    assert record.snapshot["scope"]["assigned"] == 20
    assert [
        (u["code"], u["certified"], u["assigned"]) for u in record.snapshot["units"]
    ] == [
        ("GZ-TH", 9, 10),
        ("GZ-YX", 8, 10),
    ]
    assert len(record.reference) == 12


def test_each_threshold_refuses_with_its_blockers_and_writes_nothing(
    policy,
    tree,
    positions,
):
    staff(policy, tree["GZ-TH"], 10, certified=9)
    staff(policy, tree["GZ-YX"], 10, certified=4)  # the county misses 50 %
    staff(policy, tree["GZ-YX"], 2, certified=1, position=positions["management"])
    PositionThreshold.objects.create(
        policy=policy, position=positions["management"], threshold=100
    )
    with pytest.raises(LaunchRefused) as refused:
        launch_record(policy=policy, unit=tree["GZ"], user=officer(tree["GD"]))
    blockers = {(b.kind, b.code): b.missing for b in refused.value.readiness.blockers}
    # 14 of 22: 18 reach 80 %; 越秀区 5 of 12 needs 1 more; management 1 of 2.
    assert blockers == {
        ("overall", "GZ"): 4,
        ("unit", "GZ-YX"): 1,
        ("position", "management"): 1,
    }
    assert "not ready" in str(refused.value)
    assert Launch.objects.count() == 0


def test_exactly_at_the_threshold_launches(policy, tree):
    staff(policy, tree["GZ-TH"], 10, certified=8)  # 80 % overall, county 80 %
    record = launch_record(policy=policy, unit=tree["GZ-TH"], user=officer(tree["GZ"]))
    assert record.snapshot["scope"]["percent"] == 80.0


def test_nobody_assigned_is_refused_as_nothing_to_train(policy, tree):
    with pytest.raises(LaunchRefused) as refused:
        launch_record(policy=policy, unit=tree["SZ"], user=officer(tree["GD"]))
    assert "nothing to train" in str(refused.value)
    assert Launch.objects.count() == 0


def test_out_of_scope_and_without_the_role_is_denied(policy, tree, ready_gz):
    with pytest.raises(PermissionDenied):
        launch_record(policy=policy, unit=ready_gz, user=officer(tree["BJ"]))
    # Above the officer's scope: a 广州市 officer cannot launch 广东省.
    with pytest.raises(PermissionDenied):
        launch_record(policy=policy, unit=tree["GD"], user=officer(tree["GZ"]))
    manager = UserFactory(roles=[MANAGER])
    ManagerScopeFactory(user=manager, unit=tree["GD"])
    with pytest.raises(PermissionDenied):
        launch_record(policy=policy, unit=ready_gz, user=manager)
    assert Launch.objects.count() == 0


def test_the_earliest_launch_date_refuses_like_a_threshold(policy, tree, ready_gz):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    PolicyPage.objects.filter(pk=policy.pk).update(launch_not_before=tomorrow)
    user = officer(tree["GD"])
    with pytest.raises(LaunchRefused) as refused:
        launch_record(policy=policy, unit=ready_gz, user=user)
    assert tomorrow.isoformat() in str(refused.value)
    assert refused.value.readiness.ready  # the staff are ready, the date is not
    later = timezone.now() + datetime.timedelta(days=2)
    record = launch_record(policy=policy, unit=ready_gz, user=user, at=later)
    assert record.thresholds["not_before"] == tomorrow.isoformat()


def test_the_policy_is_read_as_committed_inside_the_launch(policy, tree, ready_gz):
    """A caller's stale page object cannot carry old thresholds into the check."""
    stale = PolicyPage.objects.get(pk=policy.pk)
    PolicyPage.objects.filter(pk=policy.pk).update(threshold_overall=90)
    with pytest.raises(LaunchRefused):
        launch_record(policy=stale, unit=ready_gz, user=officer(tree["GD"]))


def test_an_unpublished_policy_is_not_launched(policy, tree, ready_gz):
    policy.unpublish()
    with pytest.raises(LaunchRefused) as refused:
        launch_record(policy=policy, unit=ready_gz, user=officer(tree["GD"]))
    assert "not published" in str(refused.value)


def test_a_scope_already_launched_is_refused_a_wider_one_is_recorded(
    policy,
    tree,
    ready_gz,
):
    user = officer(tree["HQ"])
    first = launch_record(policy=policy, unit=ready_gz, user=user)
    with pytest.raises(LaunchRefused) as again:
        launch_record(policy=policy, unit=ready_gz, user=user)
    assert again.value.conflict == first
    with pytest.raises(LaunchRefused):  # inside a launched scope
        launch_record(policy=policy, unit=tree["GZ-TH"], user=user)
    wider = launch_record(policy=policy, unit=tree["GD"], user=user)
    assert Launch.objects.count() == 2
    status = launch_status(policy=policy, unit=tree["GZ-TH"])
    assert (
        status.launched and status.record == first and status.records == [first, wider]
    )
    assert status.through_unit_above


def test_where_launched_follows_the_tree_and_withdrawals(policy, tree, ready_gz):
    user = officer(tree["GD"])
    assert not launch_status(policy=policy, unit=tree["GZ-TH"]).launched
    record = launch_record(policy=policy, unit=ready_gz, user=user)
    assert launch_status(policy=policy, unit=tree["GZ-YX"]).record == record
    assert not launch_status(policy=policy, unit=tree["SZ-NS"]).launched
    assert not launch_status(policy=policy, unit=tree["GD"]).launched
    with pytest.raises(LaunchRefused) as below:
        launch_withdraw(policy=policy, unit=tree["GZ-TH"], user=user, reason="x")
    assert "withdraw it there" in str(below.value)
    with pytest.raises(ValidationError):
        launch_withdraw(policy=policy, unit=ready_gz, user=user, reason=" ")
    withdrawal = launch_withdraw(
        policy=policy, unit=ready_gz, user=user, reason="发现故障"
    )
    assert withdrawal.withdraws == record and withdrawal.kind == "withdrawal"
    assert not launch_status(policy=policy, unit=tree["GZ-YX"]).launched
    with pytest.raises(LaunchRefused):
        launch_withdraw(policy=policy, unit=ready_gz, user=user, reason="again")
    relaunch = launch_record(policy=policy, unit=ready_gz, user=user)
    assert launch_status(policy=policy, unit=tree["GZ-YX"]).record == relaunch
    assert Launch.objects.count() == 3


def test_a_launched_scope_that_falls_below_is_flagged(policy, tree, ready_gz):
    record = launch_record(policy=policy, unit=ready_gz, user=officer(tree["GD"]))
    [scope] = launched_scopes(policy=policy)
    assert scope.record == record and not scope.below_threshold
    certificate = Certificate.objects.filter(employee__unit=tree["GZ-YX"]).first()
    certificate_revoke(certificate=certificate, user=None, reason="作弊")
    certificate = Certificate.objects.filter(
        employee__unit=tree["GZ-YX"], revoked_at__isnull=True
    ).first()
    certificate_revoke(certificate=certificate, user=None, reason="作弊")
    [scope] = launched_scopes(policy=policy)
    assert scope.below_threshold
    assert [b.code for b in scope.readiness.blockers] == ["GZ"]  # 15/20 < 80 %


class TestRecordsAreImmutable:
    def test_the_model_and_its_querysets_refuse(self, policy, tree, ready_gz):
        record = launch_record(policy=policy, unit=ready_gz, user=officer(tree["GD"]))
        record.note = "changed"
        with pytest.raises(ImmutableRecord):
            record.save()
        with pytest.raises(ImmutableRecord):
            record.delete()
        with pytest.raises(ImmutableRecord):
            Launch.objects.filter(pk=record.pk).update(note="changed")
        with pytest.raises(ImmutableRecord):
            Launch.objects.all().delete()
        assert Launch.objects.get().note == ""

    def test_the_database_refuses_underneath(self, policy, tree, ready_gz):
        record = launch_record(policy=policy, unit=ready_gz, user=officer(tree["GD"]))
        table = Launch._meta.db_table
        for statement in (
            f"UPDATE {table} SET note = 'forged' WHERE id = %s",
            f"DELETE FROM {table} WHERE id = %s",
        ):
            with pytest.raises(IntegrityError, match="never changed or deleted"):
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute(statement, [record.pk])
        assert Launch.objects.get().note == ""

    def test_there_is_no_change_or_delete_permission(self):
        from django.contrib.auth.models import Permission

        codenames = set(
            Permission.objects.filter(
                content_type__app_label="lms", codename__endswith="_launch"
            ).values_list("codename", flat=True)
        )
        assert codenames == {"add_launch", "view_launch"}


class TestCommand:
    def run(self, *args):
        out, err = StringIO(), StringIO()
        call_command("launch", *args, stdout=out, stderr=err)
        return out.getvalue(), err.getvalue()

    def test_launch_and_withdraw(self, policy, tree, ready_gz):
        officer(tree["GD"], username="gd-launch")
        out, _ = self.run(
            policy.code, "--unit", "GZ", "--as", "gd-launch", "--note", "首批"
        )
        record = Launch.objects.get()
        assert f"record {record.reference}" in out and "Launched" in out
        out, _ = self.run(
            policy.code,
            "--unit",
            "GZ",
            "--as",
            "gd-launch",
            "--withdraw",
            "--note",
            "故障",
        )
        assert "Withdrawn" in out and Launch.objects.count() == 2

    def test_refusals_exit_1_with_the_blockers(self, policy, tree):
        staff(policy, tree["GZ-YX"], 10, certified=4)
        officer(tree["GD"], username="gd-launch")
        with pytest.raises(CommandError) as error:
            self.run(policy.code, "--unit", "GZ", "--as", "gd-launch")
        assert error.value.returncode == 1
        assert "nothing was recorded" in str(error.value)
        officer(tree["BJ"], username="bj-launch")
        with pytest.raises(CommandError, match="may not launch"):
            self.run(policy.code, "--unit", "GZ", "--as", "bj-launch")
        with pytest.raises(CommandError, match="no unit"):
            self.run(policy.code, "--unit", "XX", "--as", "gd-launch")
        assert Launch.objects.count() == 0

    def test_blockers_go_to_stderr(self, policy, tree):
        staff(policy, tree["GZ-YX"], 10, certified=4)
        officer(tree["GD"], username="gd-launch")
        err = StringIO()
        with pytest.raises(CommandError):
            call_command(
                "launch", policy.code, "--unit", "GZ", "--as", "gd-launch", stderr=err
            )
        assert (
            "BLOCKER unit GZ-YX 越秀区: 4/10 < 50 %, 1 more to certify"
            in err.getvalue()
        )


# --- Races (PostgreSQL: its locks are real) ---------------------------------------


def _in_thread(target, errors):
    def run():
        try:
            target()
        except BaseException as error:  # noqa: BLE001 - reported by the test
            errors.append(error)
        finally:
            connection.close()

    return threading.Thread(target=run)


@pytest.fixture
def at_threshold(policy, tree):
    """天河区 exactly at 80 %: one revocation makes it fail."""
    staff(policy, tree["GZ-TH"], 10, certified=8)
    return tree["GZ-TH"]


def _race(first, second, errors):
    threads = [_in_thread(first, errors), _in_thread(second, errors)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)


@pytest.mark.postgres
@pytest.mark.skipif(
    not POSTGRES, reason="needs PostgreSQL (DATABASE_URL=postgres://...)"
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
class TestRaces:
    def test_a_revocation_first_makes_the_waiting_launch_refuse(
        self,
        policy,
        tree,
        at_threshold,
    ):
        user = officer(tree["GZ"])
        certificate = Certificate.objects.filter(employee__unit=at_threshold).first()
        revoked, outcome, errors = threading.Event(), [], []

        def revoke():
            with transaction.atomic():
                certificate_revoke(certificate=certificate, user=None, reason="作弊")
                revoked.set()
                time.sleep(0.5)  # the launch is waiting on the lock meanwhile

        def launch():
            revoked.wait(timeout=10)
            try:
                launch_record(policy=policy, unit=at_threshold, user=user)
                outcome.append("launched")
            except LaunchRefused as refused:
                outcome.append(refused.readiness.overall.certified)

        _race(revoke, launch, errors)
        assert errors == [] and outcome == [7]
        assert Launch.objects.count() == 0

    def test_a_launch_first_is_recorded_before_the_waiting_revocation(
        self,
        policy,
        tree,
        at_threshold,
        monkeypatch,
    ):
        import lms.services.launches as launches

        user = officer(tree["GZ"])
        certificate = Certificate.objects.filter(employee__unit=at_threshold).first()
        evaluated, errors = threading.Event(), []
        evaluate = launches.readiness_for

        def slow_evaluation(**kwargs):
            readiness = evaluate(**kwargs)
            evaluated.set()
            time.sleep(0.5)  # the revocation is waiting on the lock meanwhile
            return readiness

        monkeypatch.setattr(launches, "readiness_for", slow_evaluation)

        done = {}

        def launch():
            launch_record(policy=policy, unit=at_threshold, user=user)
            done["launch"] = time.monotonic()  # committed

        def revoke():
            evaluated.wait(timeout=10)
            certificate_revoke(certificate=certificate, user=None, reason="作弊")
            done["revocation"] = time.monotonic()  # committed

        _race(launch, revoke, errors)
        assert errors == []
        record = Launch.objects.get()
        # The record agrees with the rows: it was decided on 8 of 10, and the
        # revocation that took it to 7 waited and committed after it.
        assert record.snapshot["scope"]["certified"] == 8
        assert done["revocation"] > done["launch"]

    def test_two_launches_of_one_scope_at_once_record_one(
        self,
        policy,
        tree,
        at_threshold,
    ):
        users = [officer(tree["GZ"]), officer(tree["GD"])]
        barrier, outcome, errors = threading.Barrier(2), [], []

        def launch(user):
            def run():
                barrier.wait(timeout=10)
                try:
                    outcome.append(
                        launch_record(policy=policy, unit=at_threshold, user=user)
                    )
                except LaunchRefused as refused:
                    outcome.append(refused)

            return run

        _race(launch(users[0]), launch(users[1]), errors)
        assert errors == []
        records = [o for o in outcome if isinstance(o, Launch)]
        refusals = [o for o in outcome if isinstance(o, LaunchRefused)]
        assert len(records) == 1 and len(refusals) == 1
        assert refusals[0].conflict == records[0]
        assert Launch.objects.count() == 1


def test_launched_scopes_are_those_concerning_the_persons_scopes(policy, tree):
    staff(policy, tree["GZ-TH"], 10, certified=10)
    staff(policy, tree["BJ-DC"], 10, certified=10)
    hq = officer(tree["HQ"])
    gz = launch_record(policy=policy, unit=tree["GZ-TH"], user=hq)
    launch_record(policy=policy, unit=tree["BJ"], user=hq)
    seen = launched_scopes(policy=policy, user=officer(tree["GD"]))
    assert [scope.record for scope in seen] == [gz]
    assert len(launched_scopes(policy=policy)) == 2


def test_the_launch_query_count_does_not_grow_with_the_tree(policy, tree):
    """The same statements for 4 counties and for 24 (units are read once,
    counted in grouped queries, the snapshot built in Python)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import unit_add

    user = officer(tree["HQ"])

    def launch_queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            record = launch_record(policy=policy, unit=tree["GD"], user=user)
        launch_withdraw(policy=policy, unit=tree["GD"], user=user, reason="again")
        assert record.snapshot["units"]
        return len(captured)

    staff(policy, tree["GZ-TH"], 10, certified=10)
    launch_queries()  # content types and permissions cached from here on
    few = launch_queries()
    for n in range(20):
        county = unit_add(
            code=f"GZ-X{n}", name=f"县{n}", level="county", parent=tree["GZ"]
        )
        staff(policy, county, 2, certified=2)
    assert launch_queries() == few
