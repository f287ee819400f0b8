"""Where a measure is launched (DESIGN.md, "Launch").

A launch record is *in force* until a withdrawal record names it. A unit is
launched when a launch in force covers it: its own, or one of a unit above it
(the tree as it is now). "Since" is the earliest of those launches.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from cms.models import PolicyPage
from lms.models import Launch, OrgUnit
from lms.selectors.readiness import Readiness, readiness_for
from lms.selectors.scope import scope_paths_for


def launches_in_force(*, policy: PolicyPage) -> QuerySet[Launch]:
    """The policy's launches that no withdrawal has ended."""
    return (
        Launch.objects.filter(
            policy=policy, kind=Launch.Kind.LAUNCH, withdrawal__isnull=True
        )
        .select_related("unit")
        .order_by("at", "pk")
    )


def _prefixes_of(path: str) -> list[str]:
    step = OrgUnit.steplen
    return [path[:end] for end in range(step, len(path) + 1, step)]


def launches_in_force_over(*, policy: PolicyPage, unit: OrgUnit) -> list[Launch]:
    """The launches in force that cover ``unit``: its own and those of the
    units above it, earliest first (one query)."""
    return list(
        launches_in_force(policy=policy).filter(unit__path__in=_prefixes_of(unit.path))
    )


def launches_concerning(*, paths: list[str]) -> Q:
    """Records whose scope lies inside one of the subtrees ``paths`` or
    above one of them (a group-wide launch concerns every province)."""
    query = Q(pk__in=[])
    for path in paths:
        query |= Q(unit__path__startswith=path) | Q(unit__path__in=_prefixes_of(path))
    return query


def launches_visible_to(*, user) -> QuerySet[Launch]:
    """The records a person may read: those concerning their scopes."""
    records = Launch.objects.select_related("withdraws", "unit", "withdrawal")
    paths = scope_paths_for(user=user)
    return (
        records if paths is None else records.filter(launches_concerning(paths=paths))
    )


def launch_data(record: Launch) -> dict:
    """A record as plain JSON data (the API, the webhooks)."""
    return {
        "reference": record.reference,
        "kind": record.kind,
        "policy": record.policy_code,
        "version": record.version,
        "unit": record.unit_code,
        "unit_name": record.unit_name,
        "at": record.at.isoformat(),
        "by": record.by_name,
        "note": record.note,
        "withdraws": record.withdraws.reference if record.withdraws_id else None,
        "thresholds": record.thresholds,
        "snapshot": record.snapshot,
    }


@dataclass(frozen=True)
class LaunchStatus:
    """Whether ``policy`` is launched in ``unit``, and by which record."""

    policy: PolicyPage
    unit: OrgUnit
    records: list[Launch]  # the launches in force covering the unit

    @property
    def launched(self) -> bool:
        return bool(self.records)

    @property
    def record(self) -> Launch | None:
        """The launch that made the unit public first."""
        return self.records[0] if self.records else None

    @property
    def since(self) -> datetime.datetime | None:
        return self.record.at if self.record else None

    @property
    def through_unit_above(self) -> bool:
        return self.launched and self.record.unit_id != self.unit.pk


def launch_status(*, policy: PolicyPage, unit: OrgUnit) -> LaunchStatus:
    return LaunchStatus(policy, unit, launches_in_force_over(policy=policy, unit=unit))


@dataclass(frozen=True)
class LaunchedScope:
    """A launch in force and how its scope stands now."""

    record: Launch
    readiness: Readiness

    @property
    def below_threshold(self) -> bool:
        """ "Launched, now below threshold": the scope no longer meets the
        thresholds (e.g. revocations, new staff, a lapsed renewal)."""
        return not self.readiness.ready


def launched_scopes(
    *, policy: PolicyPage, user=None, at: datetime.datetime | None = None
) -> list[LaunchedScope]:
    """Every launch in force of ``policy`` (those concerning ``user``'s
    scopes, when given) with its scope's readiness now: one readiness
    evaluation per launched scope, a few dozen at most."""
    at = at or timezone.now()
    records = launches_in_force(policy=policy)
    paths = scope_paths_for(user=user) if user is not None else None
    if paths is not None:
        records = records.filter(launches_concerning(paths=paths))
    return [
        LaunchedScope(
            record, readiness_for(policy=policy, scope=record.unit, depth=0, at=at)
        )
        for record in records
    ]
