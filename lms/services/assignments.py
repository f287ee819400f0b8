"""Assignments: who must take which policy, kept in step in bulk SQL.

An :class:`~lms.models.Assignment` row says that an employee is in a live
policy's audience (``lms.selectors.audience_queryset``), with a due date. A
sync compares the audience with the rows in a constant number of statements,
whatever the number of staff:

1. ``INSERT … SELECT`` of the members without a row (Django has no
   INSERT…SELECT: the statement is built around the audience queryset's SQL);
2. one ``UPDATE`` reactivating the inactive rows of members (new assignment
   date and due date);
3. one ``UPDATE`` deactivating the active rows of non-members (a policy that is
   no longer live has no members). Rows are never deleted: history stays, and
   a return reuses the row.

Running a sync twice changes nothing the second time. Two syncs of the same
policy at once take turns (the policy's readiness lock, ``lms.services.locks``,
which launches share; SQLite takes its write lock when the transaction
begins), and the insert ignores rows
that exist already (``INSERT OR IGNORE`` / ``ON CONFLICT DO NOTHING``), so the
unique constraint (employee, policy) never fails.

What triggers a sync (each enqueues a django-q2 task after commit):

- publishing or unpublishing a policy (``lms.signals``): that policy;
- a staff import that created, transferred, moved, deactivated or reactivated
  anyone: every live policy, for all staff;
- creating or editing an employee in the admin: every live policy, for that
  employee; moving a unit to another parent: every live policy, for all staff.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta

from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, QuerySet
from django.db.models.constants import OnConflict
from django.utils import timezone
from django_q.tasks import async_task

from cms.models import PolicyPage
from lms.models import Assignment, Employee
from lms.selectors import audience_queryset
from lms.services.locks import readiness_lock

SYNC_POLICY_TASK = "lms.tasks.assignments_sync_policy"
SYNC_STAFF_TASK = "lms.tasks.assignments_sync_staff"


@dataclass(frozen=True)
class SyncResult:
    """What a sync did to the assignment rows."""

    created: int = 0
    reactivated: int = 0
    deactivated: int = 0
    unchanged: int = 0  # active rows that stay active

    def __add__(self, other: SyncResult) -> SyncResult:
        return SyncResult(
            created=self.created + other.created,
            reactivated=self.reactivated + other.reactivated,
            deactivated=self.deactivated + other.deactivated,
            unchanged=self.unchanged + other.unchanged,
        )

    @property
    def changed(self) -> int:
        return self.created + self.reactivated + self.deactivated

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


# --- Syncing --------------------------------------------------------------------


def assignments_sync(
    *, policy_id: int, employee_ids: Iterable[int] | None = None
) -> SyncResult:
    """Bring the assignment rows of one policy in step with its audience.

    ``employee_ids`` narrows every step to those employees (the sync after one
    employee's edit: a few ids, sent as an ``IN`` list); ``None`` syncs the
    whole staff. One transaction, and the same number of SQL statements
    whatever the number of staff.
    """
    ids = None if employee_ids is None else sorted(set(employee_ids))
    if ids == []:
        return SyncResult()
    with transaction.atomic():
        readiness_lock(policy_ids=[policy_id])
        now = timezone.now()
        rows = Assignment.objects.filter(policy_id=policy_id)
        if ids is not None:
            rows = rows.filter(employee_id__in=ids)
        policy = (
            PolicyPage.objects.live()
            .filter(pk=policy_id)
            .order_by()
            .only("pk", "days_allowed")
            .first()
        )
        if policy is None:
            deactivated = rows.filter(is_active=True).update(
                is_active=False, removed_at=now
            )
            return SyncResult(deactivated=deactivated)

        members = audience_queryset(policy=policy).order_by()
        if ids is not None:
            members = members.filter(pk__in=ids)
        due_on = timezone.localdate(now) + timedelta(days=policy.days_allowed)
        is_member = Exists(members.filter(pk=OuterRef("employee_id")))

        created = _insert_missing(
            policy_id=policy_id, members=members, now=now, due_on=due_on
        )
        reactivated = (
            rows.filter(is_active=False)
            .filter(is_member)
            .update(is_active=True, removed_at=None, assigned_at=now, due_on=due_on)
        )
        deactivated = (
            rows.filter(is_active=True)
            .filter(~is_member)
            .update(is_active=False, removed_at=now)
        )
        active = rows.filter(is_active=True).count()
    return SyncResult(
        created=created,
        reactivated=reactivated,
        deactivated=deactivated,
        unchanged=active - created - reactivated,
    )


def assignments_sync_staff(
    *, employee_ids: Iterable[int] | None = None
) -> dict[int, SyncResult]:
    """Sync every live policy (and any unpublished one that still has active
    rows) for ``employee_ids``, or for the whole staff when ``None``.

    One transaction per policy, in policy order; returns each policy's result.
    """
    ids = None if employee_ids is None else sorted(set(employee_ids))
    live = PolicyPage.objects.live().order_by().values_list("pk", flat=True)
    stale = (
        PolicyPage.objects.not_live()
        .filter(
            Exists(Assignment.objects.filter(policy_id=OuterRef("pk"), is_active=True))
        )
        .order_by()
        .values_list("pk", flat=True)
    )
    policy_ids = sorted({*live, *stale})
    return {
        policy_id: assignments_sync(policy_id=policy_id, employee_ids=ids)
        for policy_id in policy_ids
    }


def _insert_missing(
    *,
    policy_id: int,
    members: QuerySet[Employee],
    now: datetime,
    due_on: date,
) -> int:
    """``INSERT … SELECT`` an active row for each member without a row; returns
    the number of rows inserted."""
    assigned = Assignment.objects.filter(
        policy_id=policy_id, employee_id=OuterRef("pk")
    )
    missing = members.filter(~Exists(assigned)).order_by().values(member_id=F("pk"))
    select_sql, select_params = missing.query.sql_with_params()
    meta = Assignment._meta
    quote = connection.ops.quote_name
    # The same value in every row (``removed_at`` is left out: NULL).
    constants = [
        (meta.get_field("policy"), policy_id),
        (meta.get_field("assigned_at"), now),
        (meta.get_field("due_on"), due_on),
        (meta.get_field("is_active"), True),
    ]
    values = [field.get_db_prep_save(value, connection) for field, value in constants]
    fields = [meta.get_field("employee"), *(field for field, _value in constants)]
    columns = ", ".join(quote(field.column) for field in fields)
    placeholders = ", ".join(["%s"] * len(values))
    insert = connection.ops.insert_statement(on_conflict=OnConflict.IGNORE)
    suffix = connection.ops.on_conflict_suffix_sql(
        fields, OnConflict.IGNORE, None, None
    )
    sql = (
        f"{insert} {quote(meta.db_table)} ({columns}) "
        f"SELECT member.{quote('member_id')}, {placeholders} "
        f"FROM ({select_sql}) AS member {suffix}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values, *select_params])
        return max(cursor.rowcount, 0)


# --- Enqueuing (after commit) ---------------------------------------------------


def assignments_sync_enqueue(*, policy_id: int) -> None:
    """Sync ``policy_id`` in a task once the current transaction commits."""
    transaction.on_commit(
        lambda: async_task(
            SYNC_POLICY_TASK,
            policy_id,
            task_name=f"assignments:policy:{policy_id}:{uuid.uuid4().hex[:12]}",
        )
    )


def assignments_sync_staff_enqueue(
    *, employee_ids: Iterable[int] | None = None
) -> None:
    """Sync every live policy for ``employee_ids`` (``None``: all staff) in a
    task once the current transaction commits."""
    ids = None if employee_ids is None else sorted(set(employee_ids))
    who = "all" if ids is None else f"{len(ids)}"
    transaction.on_commit(
        lambda: async_task(
            SYNC_STAFF_TASK,
            ids,
            task_name=f"assignments:staff:{who}:{uuid.uuid4().hex[:12]}",
        )
    )
