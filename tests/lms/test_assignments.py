"""Assignments follow the published audiences and the staff, in bulk SQL
(``lms.services.assignments``, triggered by ``lms.signals`` and the staff
services)."""

from __future__ import annotations

import csv
import datetime
import random
import threading
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.models import GroupPagePermission

from cms.models import PolicyPage
from lms.models import Assignment, AudiencePosition, AudienceUnit, Employee, OrgUnit
from lms.selectors import audience_queryset
from lms.services.assignments import (
    SyncResult,
    assignments_sync,
    assignments_sync_staff,
)
from lms.services.imports import staff_import
from lms.services.org import employee_create, employee_update, unit_update
from tests import factories
from tests.conftest import POSTGRES
from tests.factories import EmployeeFactory, UserFactory

pytestmark = pytest.mark.django_db

# Statements of one sync, whatever the number of staff: savepoint, policy,
# audience positions, audience unit paths, INSERT … SELECT, reactivating
# UPDATE, deactivating UPDATE, count, release (+ the advisory lock on
# PostgreSQL).
SYNC_MAX_QUERIES = 10


# --- Helpers --------------------------------------------------------------------


@pytest.fixture
def catalogue(db):
    return factories.catalogue()


@pytest.fixture
def publish(catalogue, django_capture_on_commit_callbacks):
    """``publish(code=..., positions=[...], units=[...])``: a live policy with
    that audience, published as an editor would (modules and quiz first), its
    on-commit tasks run."""

    def make(*, code: str = "SVC-2026-01", positions=(), units=(), **fields):
        policy = factories.course(catalogue, code=code, publish=False, **fields)
        for child in policy.get_children():
            child.specific.save_revision().publish()
        return republish(
            policy,
            positions=positions,
            units=units,
            capture=django_capture_on_commit_callbacks,
        )

    return make


def republish(policy, *, positions=(), units=(), capture, **fields) -> PolicyPage:
    """Publish a revision of ``policy`` with this audience and ``fields``
    (tasks run)."""
    policy = PolicyPage.objects.get(pk=policy.pk)
    for name, value in fields.items():
        setattr(policy, name, value)
    policy.audience_positions = [AudiencePosition(position=p) for p in positions]
    policy.audience_units = [AudienceUnit(unit=u) for u in units]
    with capture(execute=True):
        policy.save_revision().publish()
    return PolicyPage.objects.get(pk=policy.pk)


def assigned(policy) -> set[int]:
    """Employees with an active assignment to ``policy``."""
    return set(
        Assignment.objects.filter(policy=policy, is_active=True).values_list(
            "employee_id", flat=True
        )
    )


def naive_audience(policy) -> set[int]:
    """The audience recounted in Python, one employee at a time."""
    policy = PolicyPage.objects.get(pk=policy.pk)
    if not policy.live:
        return set()
    positions = {
        row.position_id for row in AudiencePosition.objects.filter(policy=policy)
    }
    paths = [row.unit.path for row in AudienceUnit.objects.filter(policy=policy)]
    members = set()
    for employee in Employee.objects.select_related("unit"):
        if not employee.is_active:
            continue
        if positions and employee.position_id not in positions:
            continue
        if paths and not any(employee.unit.path.startswith(p) for p in paths):
            continue
        members.add(employee.pk)
    return members


def due_in(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def write_staff(path: Path, rows: list[tuple]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(("employee_no", "name", "unit_code", "position", "active"))
        writer.writerows(rows)
    return path


def update(employee: Employee, **changes) -> Employee:
    """``employee_update`` with the employee's current values, except ``changes``."""
    employee = Employee.objects.get(pk=employee.pk)
    values = {
        "employee_no": employee.employee_no,
        "name": employee.name,
        "unit": employee.unit,
        "position": employee.position,
        "email": employee.email,
        "is_active": employee.is_active,
    }
    return employee_update(employee=employee, **{**values, **changes})


@pytest.fixture
def staff(tree, positions):
    """Staff over the whole tree, one per (county or city, position) pair for
    three positions, and an inactive counter clerk in 天河区."""
    people = {}
    for code in ("GZ-TH", "GZ-YX", "SZ-NS", "BJ-DC", "GZ"):
        for position in ("counter", "billing", "management"):
            people[code, position] = EmployeeFactory(
                unit=tree[code], position=positions[position]
            )
    people["inactive"] = EmployeeFactory(
        unit=tree["GZ-TH"], position=positions["counter"], is_active=False
    )
    return people


def ids(staff, *keys) -> set[int]:
    return {staff[key].pk for key in keys}


# --- Publishing ------------------------------------------------------------------


def test_publishing_assigns_exactly_the_audience_with_its_due_date(
    tree, positions, staff, publish
):
    policy = publish(
        positions=[positions["counter"], positions["billing"]],
        units=[tree["GZ"], tree["BJ-DC"]],
        days_allowed=21,
    )

    expected = ids(
        staff,
        ("GZ-TH", "counter"),
        ("GZ-TH", "billing"),
        ("GZ-YX", "counter"),
        ("GZ-YX", "billing"),
        ("GZ", "counter"),
        ("GZ", "billing"),
        ("BJ-DC", "counter"),
        ("BJ-DC", "billing"),
    )
    assert assigned(policy) == expected
    assert Assignment.objects.count() == 8  # no row for anyone else
    rows = Assignment.objects.filter(policy=policy)
    assert {row.due_on for row in rows} == {due_in(21)}
    assert all(row.is_active and row.removed_at is None for row in rows)
    assert set(audience_queryset(policy=policy).values_list("pk", flat=True)) == (
        expected
    )


def test_an_empty_audience_is_every_active_employee_of_the_group(staff, publish):
    policy = publish()

    everyone = {e.pk for e in Employee.objects.filter(is_active=True)}
    assert len(everyone) == 15
    assert assigned(policy) == everyone
    assert staff["inactive"].pk not in assigned(policy)


def test_positions_only_or_units_only_leave_the_other_dimension_open(
    tree, positions, staff, publish
):
    management = publish(code="MGT-01", positions=[positions["management"]])
    shenzhen = publish(code="SZ-01", units=[tree["SZ"]])

    assert assigned(management) == {
        staff[code, "management"].pk
        for code in ("GZ-TH", "GZ-YX", "SZ-NS", "BJ-DC", "GZ")
    }
    assert assigned(shenzhen) == ids(
        staff, ("SZ-NS", "counter"), ("SZ-NS", "billing"), ("SZ-NS", "management")
    )


def test_nested_audience_units_count_each_employee_once(
    tree, positions, staff, publish
):
    policy = publish(
        positions=[positions["counter"]], units=[tree["GD"], tree["GZ"], tree["GZ-TH"]]
    )

    assert assigned(policy) == ids(
        staff,
        ("GZ-TH", "counter"),
        ("GZ-YX", "counter"),
        ("SZ-NS", "counter"),
        ("GZ", "counter"),
    )
    assert Assignment.objects.filter(policy=policy).count() == 4


def test_republishing_another_audience_adds_and_deactivates_rows(
    tree, positions, staff, publish, django_capture_on_commit_callbacks
):
    policy = publish(positions=[positions["counter"]], units=[tree["GZ"]])
    before = {row.employee_id: row for row in Assignment.objects.all()}

    policy = republish(
        policy,
        positions=[positions["counter"]],
        units=[tree["GZ-TH"], tree["BJ"]],
        capture=django_capture_on_commit_callbacks,
    )

    assert assigned(policy) == ids(staff, ("GZ-TH", "counter"), ("BJ-DC", "counter"))
    left = Assignment.objects.get(employee=staff["GZ-YX", "counter"])
    assert not left.is_active
    assert left.removed_at is not None
    stayed = Assignment.objects.get(employee=staff["GZ-TH", "counter"])
    assert stayed.assigned_at == before[stayed.employee_id].assigned_at
    assert Assignment.objects.count() == 4  # 3 from the first audience, 1 new


def test_returning_to_the_audience_reactivates_the_row_with_a_new_due_date(
    tree, positions, staff, publish, django_capture_on_commit_callbacks
):
    policy = publish(positions=[positions["billing"]], days_allowed=10)
    employee = staff["SZ-NS", "billing"]
    policy = republish(
        policy,
        positions=[positions["counter"]],
        capture=django_capture_on_commit_callbacks,
    )
    assert employee.pk not in assigned(policy)

    policy = republish(
        policy,
        positions=[positions["billing"]],
        capture=django_capture_on_commit_callbacks,
        days_allowed=45,
    )

    row = Assignment.objects.get(employee=employee, policy=policy)
    assert row.is_active
    assert row.removed_at is None
    assert row.due_on == due_in(45)
    assert Assignment.objects.filter(employee=employee).count() == 1


def test_a_draft_audience_changes_nothing_until_it_is_published(
    tree, positions, staff, publish, django_capture_on_commit_callbacks
):
    policy = publish(positions=[positions["counter"]])
    before = assigned(policy)

    draft = PolicyPage.objects.get(pk=policy.pk)
    draft.audience_positions = [AudiencePosition(position=positions["billing"])]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        draft.save_revision()

    assert callbacks == []
    assert assigned(policy) == before
    # Even a sync now reads the live audience, not the draft.
    assert assignments_sync(policy_id=policy.pk).changed == 0
    assert assigned(policy) == before


def test_unpublishing_deactivates_every_assignment_and_republishing_restores_them(
    staff, publish, django_capture_on_commit_callbacks
):
    policy = publish()
    everyone = assigned(policy)

    with django_capture_on_commit_callbacks(execute=True):
        policy.unpublish()

    assert assigned(policy) == set()
    assert Assignment.objects.filter(policy=policy, is_active=False).count() == 15
    assert not Assignment.objects.filter(policy=policy, removed_at=None).exists()

    with django_capture_on_commit_callbacks(execute=True):
        PolicyPage.objects.get(pk=policy.pk).save_revision().publish()
    assert assigned(policy) == everyone
    assert Assignment.objects.count() == 15


def test_sync_counts_and_idempotence(tree, positions, staff, publish):
    policy = publish(positions=[positions["counter"]], units=[tree["GD"]])
    Assignment.objects.all().delete()

    first = assignments_sync(policy_id=policy.pk)
    rows = list(Assignment.objects.order_by("pk").values())
    second = assignments_sync(policy_id=policy.pk)

    assert first == SyncResult(created=4, reactivated=0, deactivated=0, unchanged=0)
    assert second == SyncResult(created=0, reactivated=0, deactivated=0, unchanged=4)
    assert list(Assignment.objects.order_by("pk").values()) == rows

    Employee.objects.filter(pk=staff["GZ", "counter"].pk).update(is_active=False)
    assert assignments_sync(policy_id=policy.pk) == SyncResult(
        deactivated=1, unchanged=3
    )
    Employee.objects.filter(pk=staff["GZ", "counter"].pk).update(is_active=True)
    assert assignments_sync(policy_id=policy.pk) == SyncResult(
        reactivated=1, unchanged=3
    )
    assert assignments_sync(policy_id=policy.pk) == SyncResult(unchanged=4)


def test_employee_ids_narrow_the_sync_to_those_employees(
    tree, positions, staff, publish
):
    policy = publish(positions=[positions["counter"]])
    moved, untouched = staff["GZ-TH", "counter"], staff["BJ-DC", "counter"]
    Employee.objects.filter(pk__in=[moved.pk, untouched.pk]).update(
        position=positions["billing"]
    )

    result = assignments_sync(policy_id=policy.pk, employee_ids=[moved.pk])

    assert result == SyncResult(deactivated=1)
    assert moved.pk not in assigned(policy)
    assert untouched.pk in assigned(policy)  # not in the narrowed sync
    assert assignments_sync(policy_id=policy.pk, employee_ids=[]) == SyncResult()


def test_a_policy_that_is_not_live_gets_no_assignment(staff, catalogue):
    policy = factories.course(catalogue, code="DRAFT-01", publish=False)

    assert assignments_sync(policy_id=policy.pk) == SyncResult()
    assert not Assignment.objects.exists()


@pytest.mark.parametrize("staff_count", [10, 200])
def test_the_queries_of_a_sync_do_not_grow_with_the_staff(
    tree, positions, publish, staff_count, django_assert_max_num_queries
):
    units = [tree[code] for code in ("GZ-TH", "GZ-YX", "SZ-NS", "BJ-DC")]
    for n in range(staff_count):
        EmployeeFactory(
            unit=units[n % 4],
            position=positions["counter" if n % 3 else "billing"],
            is_active=n % 7 != 0,
        )
    policy = publish(positions=[positions["counter"]], units=[tree["GD"]])
    Assignment.objects.all().delete()
    first_members = len(naive_audience(policy))

    with django_assert_max_num_queries(SYNC_MAX_QUERIES):
        first = assignments_sync(policy_id=policy.pk)
    Employee.objects.filter(unit=tree["GZ-TH"]).update(position=positions["billing"])
    Employee.objects.filter(unit=tree["BJ-DC"]).update(position=positions["counter"])
    with django_assert_max_num_queries(SYNC_MAX_QUERIES):
        second = assignments_sync(policy_id=policy.pk)
    with CaptureQueriesContext(connection) as queries:
        assignments_sync(policy_id=policy.pk)

    assert first.created == first_members > 0
    assert second.deactivated > 0
    assert len(queries) <= SYNC_MAX_QUERIES
    assert assigned(policy) == naive_audience(policy)


# --- Staff changes ---------------------------------------------------------------


def test_staff_imports_keep_the_assignments_in_step(
    tree, positions, publish, tmp_path, django_capture_on_commit_callbacks
):
    counter_gd = publish(
        code="CNT-GD", positions=[positions["counter"]], units=[tree["GD"]]
    )
    everyone = publish(code="ALL-01")
    rows = [
        ("E1", "张一", "GZ-TH", "counter", "1"),
        ("E2", "李二", "SZ-NS", "counter", "1"),
        ("E3", "王三", "BJ-DC", "counter", "1"),
        ("E4", "赵四", "GZ-YX", "billing", "1"),
        ("E5", "钱五", "GZ-YX", "counter", "0"),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        report = staff_import(path=write_staff(tmp_path / "first.csv", rows))
    assert report.ok and report.created == 5
    number = dict(Employee.objects.values_list("employee_no", "pk"))

    def of(*numbers):
        return {number[n] for n in numbers}

    assert assigned(counter_gd) == of("E1", "E2")
    assert assigned(everyone) == of("E1", "E2", "E3", "E4")

    rows = [
        ("E1", "张一", "BJ-DC", "counter", "1"),  # transferred out of GD
        ("E2", "李二", "SZ-NS", "billing", "1"),  # another position
        ("E3", "王三", "GZ", "counter", "1"),  # transferred into GD
        ("E4", "赵四", "GZ-YX", "billing", "0"),  # deactivated
        ("E5", "钱五", "GZ-YX", "counter", "1"),  # reactivated
        ("E6", "孙六", "SZ-NS", "counter", "1"),  # new
    ]
    with django_capture_on_commit_callbacks(execute=True):
        report = staff_import(path=write_staff(tmp_path / "second.csv", rows))
    assert report.ok
    assert (report.transferred, report.position_changed) == (2, 1)
    assert (report.deactivated, report.reactivated, report.created) == (1, 1, 1)
    number = dict(Employee.objects.values_list("employee_no", "pk"))

    assert assigned(counter_gd) == of("E3", "E5", "E6")
    assert assigned(everyone) == of("E1", "E2", "E3", "E5", "E6")
    left = Assignment.objects.get(policy=everyone, employee_id=number["E4"])
    assert not left.is_active

    # Missing from the next file, with --deactivate-missing: deactivated.
    with django_capture_on_commit_callbacks(execute=True):
        report = staff_import(
            path=write_staff(tmp_path / "third.csv", rows[:3]),
            deactivate_missing=True,
        )
    assert report.ok and report.deactivated == 2
    assert assigned(counter_gd) == of("E3")
    assert assigned(everyone) == of("E1", "E2", "E3")
    for policy in (counter_gd, everyone):
        assert assigned(policy) == naive_audience(policy)


def test_only_an_applied_import_that_changes_an_audience_enqueues_a_sync(
    tree, positions, staff, publish, tmp_path, django_capture_on_commit_callbacks
):
    policy = publish()
    assert assigned(policy)
    Assignment.objects.all().delete()
    rows = [("E9", "周九", "GZ-TH", "counter", "1")]

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        report = staff_import(path=write_staff(tmp_path / "a.csv", rows), dry_run=True)
    assert report.ok and report.created == 1
    assert callbacks == []
    assert not Assignment.objects.exists()

    employee = staff["GZ-TH", "counter"]
    renamed = [(employee.employee_no, "新名字", "GZ-TH", "counter", "1")]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        report = staff_import(path=write_staff(tmp_path / "b.csv", renamed))
    assert report.ok and report.updated == 1
    assert callbacks == []  # a new name changes no audience

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        report = staff_import(path=write_staff(tmp_path / "c.csv", rows))
    assert len(callbacks) == 1
    assert assigned(policy) == naive_audience(policy)  # everyone, all at once


def test_editing_an_employee_syncs_that_employee(
    tree, positions, staff, publish, django_capture_on_commit_callbacks
):
    policy = publish(positions=[positions["counter"]], units=[tree["GD"]])
    # Created behind the services' back: only a full sync would see them.
    stray = EmployeeFactory(unit=tree["SZ-NS"], position=positions["counter"])

    with django_capture_on_commit_callbacks(execute=True):
        moved = update(staff["GZ-TH", "counter"], unit=tree["BJ-DC"])
    with django_capture_on_commit_callbacks(execute=True):
        promoted = update(staff["SZ-NS", "billing"], position=positions["counter"])
    with django_capture_on_commit_callbacks(execute=True):
        left = update(staff["GZ-YX", "counter"], is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        hired = employee_create(
            employee_no="N0001",
            name="新员工",
            unit=tree["GZ"],
            position=positions["counter"],
        )
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        update(staff["GZ", "counter"], name="改名", email="new@example.cn")

    assert callbacks == []  # nothing an audience depends on
    members = assigned(policy)
    assert moved.pk not in members and left.pk not in members
    assert {promoted.pk, hired.pk, staff["GZ", "counter"].pk} <= members
    assert stray.pk not in members  # the syncs were narrowed to the edits
    assert Assignment.objects.get(employee=left).removed_at is not None


def test_moving_a_unit_to_another_parent_resyncs_its_staff(
    tree, positions, staff, publish, django_capture_on_commit_callbacks
):
    policy = publish(positions=[positions["billing"]], units=[tree["GZ"]])
    yuexiu = staff["GZ-YX", "billing"]
    assert yuexiu.pk in assigned(policy)

    with django_capture_on_commit_callbacks(execute=True):
        unit_update(
            unit=tree["GZ-YX"],
            code="GZ-YX",
            name="越秀区",
            level="county",
            is_active=True,
            parent=tree["SZ"],
        )

    assert yuexiu.pk not in assigned(policy)
    assert assigned(policy) == naive_audience(policy)


def test_moving_a_unit_by_org_import_resyncs_its_staff(
    tree, positions, staff, publish, tmp_path, django_capture_on_commit_callbacks
):
    from lms.services.imports import org_import

    policy = publish(positions=[positions["billing"]], units=[tree["GZ"]])
    yuexiu = staff["GZ-YX", "billing"]
    assert yuexiu.pk in assigned(policy)
    feed = tmp_path / "org.csv"
    feed.write_text("code,name,parent_code,level\nGZ-YX,越秀区,SZ,county\n")

    with django_capture_on_commit_callbacks(execute=True):
        report = org_import(path=feed)

    assert report.ok and report.moved == 1
    assert yuexiu.pk not in assigned(policy)
    assert assigned(policy) == naive_audience(policy)


def test_the_staff_sync_also_clears_a_policy_unpublished_behind_its_back(
    staff, publish
):
    policy = publish()
    PolicyPage.objects.filter(pk=policy.pk).update(live=False)  # no signal

    results = assignments_sync_staff()

    assert results[policy.pk].deactivated == 15
    assert assigned(policy) == set()


# --- The foundation of readiness (DESIGN invariant 2) ------------------------------


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_assignments_equal_a_naive_recount_after_random_changes(
    seed, tree, positions, staff, publish, tmp_path, django_capture_on_commit_callbacks
):
    rng = random.Random(seed)
    capture = django_capture_on_commit_callbacks
    units = list(OrgUnit.objects.all())
    all_positions = list(positions.values())
    policies = [
        publish(code="ALL-00"),
        publish(
            code="CNT-GD",
            positions=[positions["counter"], positions["billing"]],
            units=[tree["GD"]],
        ),
        publish(
            code="MGT-01",
            positions=[positions["management"]],
            units=[tree["GZ"], tree["BJ-DC"]],
        ),
        publish(code="SZ-01", units=[tree["SZ-NS"]]),
    ]

    def random_employee() -> Employee:
        return rng.choice(list(Employee.objects.order_by("pk")))

    def transfer():
        with capture(execute=True):
            update(random_employee(), unit=rng.choice(units))

    def change_position():
        with capture(execute=True):
            update(random_employee(), position=rng.choice(all_positions))

    def toggle_active():
        employee = random_employee()
        with capture(execute=True):
            update(employee, is_active=not employee.is_active)

    def hire():
        with capture(execute=True):
            employee_create(
                employee_no=f"H{rng.randrange(10**6):06d}",
                name="新员工",
                unit=rng.choice(units),
                position=rng.choice(all_positions),
                is_active=rng.random() < 0.8,
            )

    def import_file():
        rows = []
        for employee in Employee.objects.select_related("unit", "position"):
            unit, position = employee.unit.code, employee.position.code
            active = employee.is_active
            if rng.random() < 0.3:
                unit = rng.choice(units).code
            if rng.random() < 0.2:
                position = rng.choice(all_positions).code
            if rng.random() < 0.2:
                active = not active
            rows.append((employee.employee_no, employee.name, unit, position, active))
        rows = [(*row[:4], "1" if row[4] else "0") for row in rows]
        path = write_staff(tmp_path / f"staff-{rng.randrange(10**9)}.csv", rows)
        with capture(execute=True):
            assert staff_import(path=path).ok

    def new_audience():
        index = rng.randrange(len(policies))
        policies[index] = republish(
            policies[index],
            positions=rng.sample(all_positions, rng.randrange(3)),
            units=rng.sample(units, rng.randrange(3)),
            capture=capture,
        )

    def unpublish_or_republish():
        policy = PolicyPage.objects.get(pk=rng.choice(policies).pk)
        with capture(execute=True):
            if policy.live:
                policy.unpublish()
            else:
                policy.save_revision().publish()

    steps = [
        transfer,
        change_position,
        toggle_active,
        hire,
        import_file,
        new_audience,
        unpublish_or_republish,
    ]
    for _step in range(30):
        rng.choice(steps)()
        for policy in policies:
            expected = naive_audience(policy)
            assert assigned(policy) == expected
            assert Assignment.objects.filter(
                policy=policy, is_active=True
            ).count() == len(expected)
    # Every row is unique per (employee, policy), and a full sync finds nothing
    # left to do.
    assert all(result.changed == 0 for result in assignments_sync_staff().values())


# --- Two syncs at once (PostgreSQL) -----------------------------------------------


@pytest.mark.postgres
@pytest.mark.skipif(
    not POSTGRES, reason="needs PostgreSQL (DATABASE_URL=postgres://...)"
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_syncs_of_the_same_policy_at_once_create_each_row_once(
    tree, positions, publish
):
    units = [tree[code] for code in ("GZ-TH", "GZ-YX", "SZ-NS", "BJ-DC")]
    for n in range(300):
        EmployeeFactory(unit=units[n % 4], position=positions["counter"])
    policy = publish()  # committed: its own sync ran already
    Assignment.objects.all().delete()

    barrier = threading.Barrier(2)
    results: list[SyncResult] = []
    errors: list[BaseException] = []

    def sync():
        try:
            barrier.wait(timeout=10)
            results.append(assignments_sync(policy_id=policy.pk))
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=sync) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sorted(result.created for result in results) == [0, 300]
    assert Assignment.objects.filter(policy=policy).count() == 300
    assert assigned(policy) == naive_audience(policy)


# --- Choosing the audience's units in the page editor ------------------------------


@pytest.fixture
def author(catalogue):
    """Someone who may author policies (the Django permissions and the page
    permissions on the catalogue), with no manager scope."""
    group = Group.objects.create(name="Policy authors (test)")
    group.permissions.set(
        Permission.objects.filter(
            content_type__app_label__in=["wagtailadmin", "cms"],
            codename__in=["access_admin", "add_policypage", "change_policypage"],
        )
    )
    for codename in ("add_page", "change_page", "publish_page"):
        GroupPagePermission.objects.create(
            group=group,
            page=catalogue,
            permission=Permission.objects.get(
                content_type__app_label="wagtailcore", codename=codename
            ),
        )
    user = UserFactory(username="author")
    user.groups.add(group)
    return user


def test_the_policy_editor_chooses_audience_units_with_the_unit_chooser(
    client, tree, positions, publish, author
):
    policy = publish(units=[tree["BJ-DC"]])
    client.force_login(author)

    response = client.get(f"/admin/pages/{policy.pk}/edit/")

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_audience_units-0-unit-chooser"' in html
    assert 'data-chooser-url="/admin/org_unit_chooser/"' in html
    assert "东城区 (BJ-DC)" in html  # the chosen unit, by name
    assert '<select name="audience_units-0-unit"' not in html


def test_policy_authors_choose_from_the_whole_tree(client, tree, author):
    client.force_login(author)

    results = client.get("/admin/org_unit_chooser/results/", {"q": "东城"})
    chosen = client.get(f"/admin/org_unit_chooser/chosen/{tree['BJ-DC'].pk}/")

    assert results.status_code == 200
    assert "东城区 (BJ-DC)" in results.content.decode()
    assert chosen.status_code == 200
    assert chosen.json()["result"]["title"] == "东城区 (BJ-DC)"


def test_managers_still_choose_only_in_their_scopes(client, tree):
    manager = UserFactory(username="gd-manager", roles=["Managers"])
    factories.ManagerScopeFactory(user=manager, unit=tree["GD"])
    client.force_login(manager)

    results = client.get("/admin/org_unit_chooser/results/", {"q": "区"})
    chosen = client.get(f"/admin/org_unit_chooser/chosen/{tree['BJ-DC'].pk}/")

    html = results.content.decode()
    assert "天河区 (GZ-TH)" in html
    assert "东城区 (BJ-DC)" not in html
    assert chosen.status_code == 404
