"""Readiness of a policy in a unit and every unit below it (DESIGN.md,
"Readiness rule").

assigned(u): active assignments of active staff in u's subtree who are not
exempt today. certified(u): those of them holding a certificate that counts
now (``lms.selectors.certificates.certificate_accepted``: the one rule).

Exempt today (``exempt_now``): an approved exemption covering today, or a new
hire's grace (joined — first appeared in the HR feed — after the policy was
first published, fewer than its grace days ago). A certified employee is never
exempt (exempting them could only lower the share). Exemptions are capped per
unit at the policy's threshold level: at most ``exemption_cap_percent`` % of
the unit's staff before exemptions (rounded down); exempt staff over the cap
count as assigned and not certified in that unit and the units above it, so
exemptions cannot carry a unit over its threshold. Position figures take out
every exempt employee (the cap is a unit's).

A scope is ready when certified/assigned over the whole scope reaches the
policy's overall threshold, every unit at the policy's threshold level
inside the scope (e.g. every county) with anyone assigned reaches the
per-unit threshold, and every position with a threshold reaches it over the
scope. A scope with nobody assigned is "nothing to train", not ready. A
not-ready answer lists each blocking item with the people it still needs,
worst first.

A fixed number of queries whatever the size of the tree: the units of the
scope, the counts (everyone, certified, exempt) by the employees' unit and
position — stored per unit where still exact, recounted from the rows in
grouped queries where not (``lms.services.readiness_counts``) — summed by
unit, then rolled up bottom-up to every ancestor in Python, the cap applied
on the way, and summed by position; the position thresholds and names.
"""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass, field

from django.db import router
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cms.models import PolicyPage
from lms.models import OrgUnit, Position, PositionThreshold
from lms.services.readiness_counts import counts_read
from lms.sql import Columns, aliased, planned_cursor, table

LEVEL_ORDER = {"hq": 0, "province": 1, "city": 2, "county": 3}


def people_missing(*, certified: int, assigned: int, threshold: int) -> int:
    """The fewest more certified people that bring ``certified``/``assigned``
    to ``threshold`` % (integers only: no rounding surprise)."""
    needed = (threshold * assigned + 99) // 100
    return max(needed - certified, 0)


@dataclass(frozen=True)
class Figures:
    """Certified of assigned, for a unit's subtree or a position."""

    assigned: int = 0
    certified: int = 0
    exempt: int = 0  # left out of ``assigned`` (within the cap)

    @property
    def percent(self) -> float | None:
        if not self.assigned:
            return None
        return round(self.certified * 100 / self.assigned, 1)

    def meets(self, threshold: int) -> bool:
        return self.certified * 100 >= threshold * self.assigned

    def missing(self, threshold: int) -> int:
        return people_missing(
            certified=self.certified, assigned=self.assigned, threshold=threshold
        )


@dataclass(frozen=True, slots=True)
class UnitRow:
    """What readiness shows of a unit (read as plain values: a model
    instance per unit costs more than the counts of the whole tree)."""

    pk: int
    path: str
    depth: int
    code: str
    name: str
    level: str

    @property
    def id(self) -> int:
        return self.pk

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


@dataclass(frozen=True)
class UnitReadiness:
    unit: UnitRow
    figures: Figures
    level_below: int  # levels below the scope's unit (0: the scope itself)


@dataclass(frozen=True)
class PositionReadiness:
    position: Position
    figures: Figures
    threshold: int | None


@dataclass(frozen=True)
class Blocker:
    """What holds the scope back, and how many more certified people clear it."""

    kind: str  # "overall", "unit", "position"
    code: str
    name: str
    figures: Figures
    threshold: int

    @property
    def missing(self) -> int:
        return self.figures.missing(self.threshold)

    @property
    def label(self) -> str:
        return str(BLOCKER_LABELS[self.kind])


BLOCKER_LABELS = {
    "overall": _("The whole scope"),
    "unit": _("Unit"),
    "position": _("Position"),
}


@dataclass(frozen=True)
class Readiness:
    policy: PolicyPage
    scope: OrgUnit
    at: datetime.datetime
    overall: Figures
    units: list[UnitReadiness]  # the scope, then its units down to ``depth``
    positions: list[PositionReadiness]
    blockers: list[Blocker] = field(default_factory=list)
    # Every unit of the scope at the policy's threshold level with anyone
    # assigned, at any depth (what the per-unit threshold is applied to).
    at_level: list[UnitReadiness] = field(default_factory=list)

    @property
    def nothing_to_train(self) -> bool:
        return self.overall.assigned == 0

    @property
    def ready(self) -> bool:
        return not self.nothing_to_train and not self.blockers

    @property
    def thresholds(self) -> dict:
        return thresholds_of(
            self.policy,
            {
                p.position.code: p.threshold
                for p in self.positions
                if p.threshold is not None
            },
        )


def thresholds_of(policy: PolicyPage, positions: dict[str, int]) -> dict:
    """A policy's thresholds as plain data (``positions``: code → %)."""
    return {
        "overall": policy.threshold_overall,
        "unit": policy.threshold_unit,
        "unit_level": policy.threshold_level,
        "exemption_cap": policy.exemption_cap_percent,
        "positions": positions,
    }


_POSITION = Columns(Position, "p")


@functools.cache
def _positions_sql(using: str) -> str:
    threshold = aliased(PositionThreshold, "t", using)
    position = aliased(Position, "p", using)
    return (
        f"SELECT {_POSITION.sql(using)}, {threshold('threshold')} "
        f"FROM {table(Position, using)} p "
        f"LEFT JOIN {table(PositionThreshold, using)} t "
        f"ON {threshold('position')} = {position('id')} "
        f"AND {threshold('policy')} = %s ORDER BY {position('code')}"
    )


def _positions(
    policy: PolicyPage, by_position: dict[int, list[int]]
) -> list[PositionReadiness]:
    """The positions counted or with a threshold, each with its threshold
    (one statement over the positions: a few dozen rows)."""
    grouped = {
        position_id: Figures(everyone - exempt, certified, exempt)
        for position_id, (everyone, certified, exempt) in by_position.items()
    }
    using = router.db_for_read(Position)
    with planned_cursor(using) as cursor:
        cursor.execute(_positions_sql(using), [policy.pk])
        rows = cursor.fetchall()
    end = len(_POSITION)
    return [
        PositionReadiness(
            position=_POSITION.build(row, 0, using),
            figures=grouped.get(row[0], Figures()),
            threshold=row[end],
        )
        for row in rows
        if row[0] in grouped or row[end] is not None
    ]


def readiness_for(
    *,
    policy: PolicyPage,
    scope: OrgUnit,
    depth: int = 1,
    at: datetime.datetime | None = None,
    write_back: bool = True,
) -> Readiness:
    """The readiness of ``policy`` in ``scope`` (a unit and everything below
    it): figures for the scope and its units ``depth`` levels down, per
    position, and the blockers (every unit at the threshold level, at any
    depth, counts towards them). ``write_back=False`` stores no recounted
    counts (the launch, which holds the readiness lock)."""
    at = at or timezone.now()
    counts = counts_read(policy=policy, scope=scope, at=at, write_back=write_back)
    units = [UnitRow(*values) for values in counts.units]
    subtree = _rolled_up(policy, scope, units, counts.by_unit)
    overall = subtree[scope.path]
    shown = [
        UnitReadiness(u, subtree[u.path], u.depth - scope.depth)
        for u in units
        if u.depth - scope.depth <= depth
    ]
    positions = _positions(policy, counts.by_position)
    blockers = _blockers(policy, scope, units, subtree, overall, positions)
    at_level = [
        UnitReadiness(u, subtree[u.path], u.depth - scope.depth)
        for u in units
        if u.level == policy.threshold_level and subtree[u.path].assigned
    ]
    return Readiness(policy, scope, at, overall, shown, positions, blockers, at_level)


def _rolled_up(
    policy: PolicyPage,
    scope: OrgUnit,
    units: list[UnitRow],
    own: dict[int, list[int]],
) -> dict[str, Figures]:
    """Every unit's subtree figures (by path) from the counts by own unit,
    with the exemption cap applied at the threshold level.

    Bottom-up in one pass: in reverse path order every unit comes after all
    of its descendants, so its total is complete when it is reached; a unit
    at the threshold level then gives back the exempt staff over its cap
    (counted as assigned, there and above) before its total joins its
    parent's."""
    step = OrgUnit.steplen
    totals: dict[str, list[int]] = {}
    for unit in units:
        values = own.get(unit.pk)
        totals[unit.path] = list(values) if values else [0, 0, 0]
    cap, level = policy.exemption_cap_percent, policy.threshold_level
    for unit in reversed(units):
        total = totals[unit.path]
        if unit.level == level:
            over = total[2] - cap * total[0] // 100
            if over > 0:
                total[2] -= over
        if len(unit.path) > len(scope.path):
            parent = totals[unit.path[:-step]]
            parent[0] += total[0]
            parent[1] += total[1]
            parent[2] += total[2]
    return {
        path: Figures(everyone - exempt, certified, exempt)
        for path, (everyone, certified, exempt) in totals.items()
    }


def _blockers(policy, scope, units, subtree, overall, positions) -> list[Blocker]:
    blockers = []
    if overall.assigned and not overall.meets(policy.threshold_overall):
        blockers.append(
            Blocker(
                "overall", scope.code, scope.name, overall, policy.threshold_overall
            )
        )
    for unit in units:
        figures = subtree[unit.path]
        if (
            unit.level == policy.threshold_level
            and figures.assigned
            and not figures.meets(policy.threshold_unit)
        ):
            blockers.append(
                Blocker("unit", unit.code, unit.name, figures, policy.threshold_unit)
            )
    for item in positions:
        if (
            item.threshold is not None
            and item.figures.assigned
            and not item.figures.meets(item.threshold)
        ):
            blockers.append(
                Blocker(
                    "position",
                    item.position.code,
                    item.position.name,
                    item.figures,
                    item.threshold,
                )
            )
    return sorted(
        blockers, key=lambda b: (-b.missing, b.figures.percent or 0.0, b.code)
    )


def figures_data(f: Figures) -> dict:
    return {
        "assigned": f.assigned,
        "certified": f.certified,
        "percent": f.percent,
        "exempt": f.exempt,
    }


def blocker_data(b: Blocker) -> dict:
    return {
        "kind": b.kind,
        "code": b.code,
        "name": b.name,
        "threshold": b.threshold,
        "missing": b.missing,
        **figures_data(b.figures),
    }


def readiness_data(readiness: Readiness) -> dict:
    """The readiness as plain JSON data (the command's --json, the API)."""
    return {
        "policy": readiness.policy.code,
        "version": readiness.policy.version,
        "unit": readiness.scope.code,
        "at": readiness.at.isoformat(),
        "ready": readiness.ready,
        "nothing_to_train": readiness.nothing_to_train,
        "thresholds": readiness.thresholds,
        "overall": figures_data(readiness.overall),
        "units": [
            {
                "code": r.unit.code,
                "name": r.unit.name,
                "level": r.unit.level,
                "depth": r.level_below,
                **figures_data(r.figures),
            }
            for r in readiness.units
        ],
        "positions": [
            {
                "code": p.position.code,
                "name": p.position.name,
                "threshold": p.threshold,
                **figures_data(p.figures),
            }
            for p in readiness.positions
        ],
        "blockers": [blocker_data(b) for b in readiness.blockers],
    }
