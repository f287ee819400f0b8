"""Readiness counts: what readiness is computed from, kept per policy and
unit (``ReadinessCount``) and used only while exact.

Readiness (``lms.selectors.readiness``) needs three numbers per (unit,
position) over a policy's active assignments of active staff whose own unit
it is: everyone, the certified (a certificate that counts, the one rule of
``lms.selectors.certificates``), and the exempt who are not certified.
Counting them from the rows groups millions of assignments at full size
(seconds); reading them stored is a few thousand rows (milliseconds). A
stored count is *trusted* only while nothing it depends on has changed:

- **Writes.** Database triggers (migration 0015) raise the row's
  ``generation`` inside the transaction of every write that can change it —
  an assignment, a certificate or an exemption of the policy, or a transfer,
  change of position, deactivation or arrival date of an employee assigned
  to it — whoever writes (the services, a bulk update, the admin, a shell).
  A count is of the rows at ``counted_generation``; trusted while the two
  are equal. On PostgreSQL the triggers of certificates, exemptions and
  staff are deferred to the commit (the count row is held for the commit
  alone, and the employee's unit is read as of it); a read inside a
  transaction fires its own pending ones first (``own_writes_untrusted``).
- **The clock.** A count also changes without a write: a certificate
  expires, a renewal deadline passes, an exemption starts or ends, a new
  hire's grace ends. A count keeps ``valid_until``, the first such moment
  among its unit's staff and its policy, and is not trusted from then on
  (nor before ``counted_at``).
- **The policy.** Its version, its renewals and its grace make a
  ``signature``; a count taken under another signature is not trusted.

``counts_read`` reads the trusted counts as stored and recounts the others
from the rows in one grouped pass (by unit id when they are few, by the
scope's path when many), then writes them back — only to a row whose
generation is still the one read *before* recounting, under a row lock that
skips rows a writer holds instead of waiting for them (and a 200 ms lock
timeout where it would still wait). So a write that raced
the recount leaves its row untrusted: it is recounted next time, never
trusted wrong. The launch reads the same way but writes nothing back: it
holds the readiness lock, which a writer holding a row may be waiting for.

A schedule (``readiness_refresh``, every minute) recounts what writes and
the clock made untrusted, so reads rarely meet a stale row;
``manage.py readiness --verify`` recounts every trusted count from the rows
and reports each difference.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import DatabaseError, connection, connections, router, transaction
from django.db.models import (
    Count,
    Exists,
    F,
    Min,
    OuterRef,
    Q,
)
from django.utils import timezone

from cms.models import MaterialChange, PolicyPage, PolicyVersion
from lms.models import Assignment, Employee, Exemption, OrgUnit, ReadinessCount
from lms.selectors.certificates import accepted_certificates
from lms.sql import Columns, aliased, column, planned_cursor, table

logger = logging.getLogger(__name__)

# (unit id, position id) → (everyone, certified, exempt and not certified)
Counts = dict[tuple[int, int], tuple[int, int, int]]

# PostgreSQL's deferred triggers (migration 0015): a transaction's writes
# untrust their counts as it commits. A read inside that transaction first
# has them fire (``SET CONSTRAINTS … IMMEDIATE``), so that it never trusts a
# count its own uncommitted writes changed.
DEFERRED_TRIGGERS = (
    "lms_readiness_touch_certificates_certificate_insert_delete",
    "lms_readiness_touch_certificates_certificate_update",
    "lms_readiness_touch_lms_exemption_insert_delete",
    "lms_readiness_touch_lms_exemption_update",
    "lms_readiness_touch_lms_employee_update",
)


def own_writes_untrusted() -> None:
    """Inside a transaction on PostgreSQL: untrust now the counts its own
    writes changed (the deferred triggers fire at once, and at once for
    its later writes)."""
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute(f"SET CONSTRAINTS {', '.join(DEFERRED_TRIGGERS)} IMMEDIATE")


# Stale units recounted by id up to this many (and at most half the scope);
# beyond, the whole scope by its path (one pass over it costs less than a
# long IN list).
BY_ID_AT_MOST = 1000


def exempt_now(policy: PolicyPage, at: datetime.datetime) -> Q:
    """On assignment rows: the employee is exempt from ``policy`` at ``at``
    (an approved exemption covering today, or a new hire's grace)."""
    today = timezone.localdate(at)
    approved = Exemption.objects.filter(
        employee_id=OuterRef("employee_id"),
        policy_id=policy.pk,
        status=Exemption.Status.APPROVED,
        starts_on__lte=today,
        ends_on__gte=today,
    )
    exempt = Q(Exists(approved))
    since = _grace_since(policy, at)
    if since is not None:
        exempt |= Q(employee__created_at__gt=since, employee__created_at__lte=at)
    return exempt


def _grace_since(policy: PolicyPage, at: datetime.datetime):
    """Staff who arrived after this moment are in their grace at ``at``."""
    if not (policy.new_hire_grace_days and policy.first_published_at):
        return None
    return max(
        policy.first_published_at,
        at - datetime.timedelta(days=policy.new_hire_grace_days),
    )


def _staff_in(prefix: str, *, scope: OrgUnit | None, unit_ids) -> Q:
    """The rows of staff (through ``prefix``) in ``unit_ids``, or else in
    ``scope``'s subtree."""
    if unit_ids is not None:
        return Q(**{f"{prefix}unit_id__in": list(unit_ids)})
    return Q(**{f"{prefix}unit__path__startswith": scope.path})


def counted_from_rows(
    policy: PolicyPage,
    at: datetime.datetime,
    *,
    scope: OrgUnit | None = None,
    unit_ids: Iterable[int] | None = None,
) -> Counts:
    """The counts from the rows, for the staff of ``unit_ids`` or of
    ``scope``'s subtree.

    Three grouped queries, each condition in its WHERE clause: there the
    database joins the certificates (and the exemptions) once, as a semi- or
    anti-join; inside ``COUNT(…) FILTER (WHERE EXISTS …)`` PostgreSQL runs the
    subquery once per assignment row (15x slower at 1,000,000 staff,
    docs/benchmarks.md)."""
    certified = Q(
        Exists(
            accepted_certificates(at=at).filter(
                employee_id=OuterRef("employee_id"), policy_id=OuterRef("policy_id")
            )
        )
    )
    rows = Assignment.objects.filter(
        _staff_in("employee__", scope=scope, unit_ids=unit_ids),
        policy=policy,
        is_active=True,
        employee__is_active=True,
    )

    def grouped(queryset) -> dict[tuple[int, int], int]:
        pairs = (
            queryset.values("employee__unit_id", "employee__position_id")
            .annotate(n=Count("id"))
            .order_by()
            .values_list("employee__unit_id", "employee__position_id", "n")
        )
        return {(unit, position): n for unit, position, n in pairs}

    everyone = grouped(rows)
    certified_by = grouped(rows.filter(certified))
    exempt_by = grouped(rows.filter(exempt_now(policy, at) & ~certified))
    return {
        value: (count, certified_by.get(value, 0), exempt_by.get(value, 0))
        for value, count in everyone.items()
    }


def _by_unit(counts: Counts) -> dict[int, dict[str, list[int]]]:
    """``counts`` as stored: by unit, {"<position id>": [the three]}."""
    by_unit: dict[int, dict[str, list[int]]] = {}
    for (unit_id, position_id), values in counts.items():
        by_unit.setdefault(unit_id, {})[str(position_id)] = list(values)
    return by_unit


def _midnight(day: datetime.date) -> datetime.datetime:
    """The start of ``day`` in the current time zone (where dates turn)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _boundaries(
    policy: PolicyPage,
    at: datetime.datetime,
    *,
    scope: OrgUnit | None = None,
    unit_ids: Iterable[int] | None = None,
) -> dict[int, datetime.datetime]:
    """By unit: the first moment after ``at`` when a count may change by the
    clock alone (early is harmless: the count is then only recounted)."""
    ids = None if unit_ids is None else list(unit_ids)
    first: dict[int, datetime.datetime] = {}

    def earliest(unit_id: int, moment) -> None:
        if moment is not None and (unit_id not in first or moment < first[unit_id]):
            first[unit_id] = moment

    expiring = (
        accepted_certificates(at=at)
        .filter(
            _staff_in("employee__", scope=scope, unit_ids=ids),
            policy_id=policy.pk,
            expires_at__isnull=False,
        )
        .values("employee__unit_id")
        .annotate(first=Min("expires_at"))
        .order_by()
        .values_list("employee__unit_id", "first")
    )
    for unit_id, moment in expiring:
        earliest(unit_id, moment)
    today = timezone.localdate(at)
    exemptions = (
        Exemption.objects.filter(
            _staff_in("employee__", scope=scope, unit_ids=ids),
            policy_id=policy.pk,
            status=Exemption.Status.APPROVED,
            ends_on__gte=today,
        )
        .values("employee__unit_id")
        .annotate(
            starts=Min("starts_on", filter=Q(starts_on__gt=today)),
            ends=Min("ends_on"),
        )
        .order_by()
        .values_list("employee__unit_id", "starts", "ends")
    )
    for unit_id, starts, ends in exemptions:
        earliest(unit_id, starts and _midnight(starts))
        earliest(unit_id, _midnight(ends + datetime.timedelta(days=1)))
    since = _grace_since(policy, at)
    if since is not None:
        grace = datetime.timedelta(days=policy.new_hire_grace_days)
        arrivals = (
            Employee.objects.filter(
                _staff_in("", scope=scope, unit_ids=ids), created_at__gt=since
            )
            .values("unit_id")
            .annotate(
                # in their grace now, until it ends
                arrived=Min("created_at", filter=Q(created_at__lte=at)),
                # still to arrive (a count taken at an earlier ``at``)
                arriving=Min("created_at", filter=Q(created_at__gt=at)),
            )
            .order_by()
            .values_list("unit_id", "arrived", "arriving")
        )
        for unit_id, arrived, arriving in arrivals:
            earliest(unit_id, arrived and arrived + grace)
            earliest(unit_id, arriving)
    return first


@dataclass(frozen=True)
class PolicySide:
    """What of the policy the counts depend on."""

    signature: str
    valid_until: datetime.datetime | None  # the next renewal deadline


def policy_side(policy: PolicyPage, at: datetime.datetime) -> PolicySide:
    """The policy's signature and its next renewal deadline (one statement).

    The version is the database's, as the acceptance rule reads it; the
    grace is the one ``exempt_now`` counts with (this object's)."""
    using = router.db_for_read(PolicyVersion)
    with planned_cursor(using) as cursor:
        cursor.execute(_versions_sql(using), [policy.pk])
        versions = [
            (*_VERSION.values(row, 0, using), row[len(_VERSION)])
            for row in cursor.fetchall()
        ]
    version = versions[0][3] if versions else policy.version
    renewals = [
        (number, renew_by)
        for number, renew_by, earlier, _current in versions
        if earlier == MaterialChange.Earlier.RENEW and number <= version
    ]
    data = [
        version,
        policy.first_published_at.isoformat() if policy.first_published_at else None,
        policy.new_hire_grace_days,
        [[number, renew_by and renew_by.isoformat()] for number, renew_by in renewals],
    ]
    signature = hashlib.sha256(json.dumps(data).encode()).hexdigest()[:32]
    today = timezone.localdate(at)
    deadlines = [d for _n, d in renewals if d is not None and d >= today]
    valid_until = (
        _midnight(min(deadlines) + datetime.timedelta(days=1)) if deadlines else None
    )
    return PolicySide(signature, valid_until)


# The two reads of every readiness request, written once (``lms.sql``): the
# policy's versions, and the scope's units with their stored counts.
_VERSION = Columns(
    PolicyVersion, "v", fields=["number", "renew_by", "earlier_certificates"]
)
UNIT_FIELDS = ("id", "path", "depth", "code", "name", "level")
_UNIT = Columns(OrgUnit, "u", fields=UNIT_FIELDS)


@functools.cache
def _versions_sql(using: str) -> str:
    page = column(PolicyPage, "page_ptr", using)
    return (
        f"SELECT {_VERSION.sql(using)}, p.{column(PolicyPage, 'version', using)} "
        f"FROM {table(PolicyVersion, using)} v JOIN {table(PolicyPage, using)} p "
        f"ON p.{page} = v.{column(PolicyVersion, 'policy', using)} "
        f"WHERE v.{column(PolicyVersion, 'policy', using)} = %s "
        f"ORDER BY v.{column(PolicyVersion, 'number', using)}"
    )


@functools.cache
def _scope_sql(using: str) -> str:
    unit = aliased(OrgUnit, "u", using)
    count = aliased(ReadinessCount, "c", using)
    counts = count("counts")
    if connections[using].vendor == "postgresql":
        counts = f"CAST({counts} AS text)"  # jsonb, decoded all at once below
    # Trusted: the rows counted are the rows now (no write since), under
    # this signature, and no moment of the clock has changed them since.
    trusted = (
        f"{count('counted_generation')} = {count('generation')} "
        f"AND {count('signature')} = %s AND {count('counted_at')} <= %s "
        f"AND ({count('valid_until')} IS NULL OR {count('valid_until')} > %s)"
    )
    return (
        f"SELECT {_UNIT.sql(using)}, "
        f"{count('generation')}, ({trusted}), {counts} "
        f"FROM {table(OrgUnit, using)} u LEFT JOIN {table(ReadinessCount, using)} c "
        f"ON {count('unit')} = {unit('id')} AND {count('policy')} = %s "
        f"WHERE {unit('path')} LIKE %s ORDER BY {unit('path')}"
    )


@dataclass
class Stored:
    """A scope's units (``UNIT_FIELDS``, by path) and what is stored of them."""

    units: list[tuple]
    generation: dict[int, int]  # of every unit with a stored row
    trusted: dict[int, str]  # unit id → its trusted counts, as JSON text


def stored_read(
    policy: PolicyPage, scope: OrgUnit, side: PolicySide, at: datetime.datetime
) -> Stored:
    """Every unit of ``scope``'s subtree with its stored counts (one
    statement)."""
    using = router.db_for_read(ReadinessCount)
    moment = connections[using].ops.adapt_datetimefield_value(at)
    end = len(UNIT_FIELDS)
    with planned_cursor(using) as cursor:
        cursor.execute(
            _scope_sql(using),
            [side.signature, moment, moment, policy.pk, f"{scope.path}%"],
        )
        rows = cursor.fetchall()
    stored = Stored([row[:end] for row in rows], {}, {})
    for row in rows:
        generation, trusted, text = row[end:]
        if generation is not None:
            stored.generation[row[0]] = generation
            if trusted:
                stored.trusted[row[0]] = text
    return stored


@dataclass
class Read:
    """The counts of a scope: by the employees' own unit and by position,
    each (everyone, certified, exempt and not certified)."""

    by_unit: dict[int, list[int]]
    by_position: dict[int, list[int]]
    recounted: int  # units recounted from the rows
    written: int  # of them, written back
    units: list[tuple]  # the scope's units (``UNIT_FIELDS``), by path


def _fold(read: Read, pairs) -> None:
    """Add (unit id, {position: counts}) pairs to ``read`` (the hot loop of a
    warm read: a few thousand units)."""
    by_unit, by_position = read.by_unit, {}
    for unit_id, counts in pairs:
        everyone = certified = exempt = 0
        for position, (e, c, x) in counts.items():
            everyone += e
            certified += c
            exempt += x
            total = by_position.get(position)
            if total is None:
                by_position[position] = [e, c, x]
            else:
                total[0] += e
                total[1] += c
                total[2] += x
        by_unit[unit_id] = [everyone, certified, exempt]
    for position, (e, c, x) in by_position.items():
        total = read.by_position.setdefault(int(position), [0, 0, 0])
        total[0] += e
        total[1] += c
        total[2] += x


def counts_read(
    *,
    policy: PolicyPage,
    scope: OrgUnit,
    at: datetime.datetime,
    write_back: bool = True,
) -> Read:
    """The counts of every unit of ``scope``'s subtree: trusted ones as
    stored, the others recounted from the rows (and written back)."""
    own_writes_untrusted()
    side = policy_side(policy, at)
    stored = stored_read(policy, scope, side, at)
    read = Read({}, {}, 0, 0, stored.units)
    trusted = stored.trusted
    _fold(
        read, zip(trusted, json.loads(f"[{','.join(trusted.values())}]"), strict=True)
    )
    stale = [unit[0] for unit in stored.units if unit[0] not in trusted]
    if not stale:
        return read
    if len(stale) <= BY_ID_AT_MOST and 2 * len(stale) <= len(stored.units):
        where = {"unit_ids": stale}
    else:
        where = {"scope": scope}
    recounted = _by_unit(counted_from_rows(policy, at, **where))
    by_unit = {unit_id: recounted.get(unit_id, {}) for unit_id in stale}
    _fold(read, by_unit.items())
    read.recounted = len(stale)
    if write_back:
        generation = stored.generation
        read.written = _write_back(
            policy,
            side,
            at,
            by_unit,
            {u: generation[u] for u in stale if u in generation},
            _boundaries(policy, at, **where),
        )
    return read


def _write_back(policy, side, at, by_unit, read_generation, boundaries) -> int:
    """Store the recounted units' counts (``by_unit``) where no write raced
    the recount (the generation is still the one read before it)."""

    def valid_until(unit_id: int):
        moments = [m for m in (side.valid_until, boundaries.get(unit_id)) if m]
        return min(moments) if moments else None

    def counted(unit_id: int, generation: int) -> ReadinessCount:
        return ReadinessCount(
            policy_id=policy.pk,
            unit_id=unit_id,
            generation=generation,
            counted_generation=generation,
            counts=by_unit[unit_id],
            counted_at=at,
            valid_until=valid_until(unit_id),
            signature=side.signature,
        )

    fields = ["counted_generation", "counts", "counted_at", "valid_until", "signature"]
    outermost = not connection.in_atomic_block
    try:
        with transaction.atomic():
            if outermost and connection.vendor == "postgresql":
                # Never wait long for a writer: inserting a missing row waits
                # for a writer inserting the same one, and a writer may be
                # waiting for a row this transaction locked. Out of time, the
                # counts are simply not stored this once.
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = '200ms'")
            rows = []
            if read_generation:
                # Locked, so their generation holds until the commit (SQLite:
                # the transaction holds the database); a row a writer holds
                # is skipped, not waited for.
                locked = (
                    ReadinessCount.objects.select_for_update(skip_locked=True)
                    .filter(policy_id=policy.pk, unit_id__in=list(read_generation))
                    .values_list("unit_id", "generation")
                )
                rows = [
                    counted(unit_id, generation)
                    for unit_id, generation in locked
                    if generation == read_generation[unit_id]
                ]
                # One upsert statement per batch (every row exists: only the
                # update applies), where bulk_update would build a CASE per
                # field and row (seconds for a whole tree).
                ReadinessCount.objects.bulk_create(
                    rows,
                    update_conflicts=True,
                    unique_fields=["policy", "unit"],
                    update_fields=fields,
                    batch_size=1000,
                )
            new = [
                counted(unit_id, 1)
                for unit_id in by_unit
                if unit_id not in read_generation
            ]
            # A writer's row inserted meanwhile wins (its generation is not
            # the one counted): left untrusted.
            ReadinessCount.objects.bulk_create(
                new, ignore_conflicts=True, batch_size=1000
            )
    except DatabaseError:
        logger.warning(
            "Readiness counts of policy %s not written back (busy): recounted "
            "next time.",
            policy.pk,
            exc_info=True,
        )
        return 0
    return len(rows) + len(new)


def readiness_refresh(*, at: datetime.datetime | None = None) -> dict[str, int]:
    """Recount what writes and the clock made untrusted, for every live
    policy over the whole tree, and drop the counts of deleted units and
    policies (the
    schedule; ``manage.py readiness_refresh`` from cron). Safe to run twice:
    a second run finds everything trusted."""
    at = at or timezone.now()
    roots = list(OrgUnit.get_root_nodes())
    recounted = written = 0
    for policy in PolicyPage.objects.live().specific().order_by("pk"):
        for root in roots:
            read = counts_read(policy=policy, scope=root, at=at)
            recounted += read.recounted
            written += read.written
    dropped, _ = ReadinessCount.objects.filter(
        ~Q(unit_id__in=OrgUnit.objects.values("pk"))
        | ~Q(policy_id__in=PolicyPage.objects.values("pk"))
    ).delete()
    return {"recounted": recounted, "written": written, "dropped": dropped}


def readiness_rebuild() -> dict[str, int]:
    """Untrust every stored count and recount them all (``readiness_refresh
    --rebuild``, after ``readiness --verify`` found a difference). Every
    generation is raised, so a recount that read one before the rebuild
    cannot store its counts; rows are never deleted, so a generation only
    ever rises."""
    ReadinessCount.objects.update(
        counted_generation=None, generation=F("generation") + 1
    )
    return readiness_refresh()


def stored_differences(
    *, policy: PolicyPage, scope: OrgUnit, at: datetime.datetime | None = None
) -> list[str]:
    """Every trusted stored count of ``scope``'s subtree that differs from a
    recount from the rows (``readiness --verify``)."""
    at = at or timezone.now()
    own_writes_untrusted()
    stored = stored_read(policy, scope, policy_side(policy, at), at)
    if not stored.trusted:
        return []
    recount = _by_unit(counted_from_rows(policy, at, scope=scope))
    differences = []
    for unit_id, code, name in ((u[0], u[3], u[4]) for u in stored.units):
        if unit_id in stored.trusted:
            counts = json.loads(stored.trusted[unit_id])
            if counts != recount.get(unit_id, {}):
                differences.append(
                    f"{code} {name}: stored counts {counts}, "
                    f"recounted {recount.get(unit_id, {})}"
                )
    return differences
