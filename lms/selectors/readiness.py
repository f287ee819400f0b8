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

A fixed number of aggregate queries whatever the size of the tree: the units
of the scope, three counts (everyone, certified, exempt) grouped by the
employees' unit and position (summed by unit, then rolled up to every
ancestor by path prefix in Python, the cap applied on the way; summed by
position), the position thresholds and names.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cms.models import PolicyPage
from lms.models import Assignment, Exemption, OrgUnit, Position, PositionThreshold
from lms.selectors.certificates import accepted_certificates

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


@dataclass(frozen=True)
class UnitReadiness:
    unit: OrgUnit
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


def exempt_now(policy: PolicyPage, at: datetime.datetime) -> Q:
    """On assignment rows: the employee is exempt from ``policy`` at ``at``."""
    today = timezone.localdate(at)
    approved = Exemption.objects.filter(
        employee_id=OuterRef("employee_id"),
        policy_id=policy.pk,
        status=Exemption.Status.APPROVED,
        starts_on__lte=today,
        ends_on__gte=today,
    )
    exempt = Q(Exists(approved))
    if policy.new_hire_grace_days and policy.first_published_at:
        since = max(
            policy.first_published_at,
            at - datetime.timedelta(days=policy.new_hire_grace_days),
        )
        exempt |= Q(employee__created_at__gt=since, employee__created_at__lte=at)
    return exempt


def _counted(
    policy: PolicyPage, at: datetime.datetime, scope: OrgUnit
) -> dict[tuple[int, int], tuple[int, int, int]]:
    """(everyone, certified, exempt and not certified) by (the employees'
    unit, their position) over the policy's active assignments of active
    staff in ``scope``'s subtree: one pass serves the units and the positions.

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
        policy=policy,
        is_active=True,
        employee__is_active=True,
        employee__unit__path__startswith=scope.path,
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


def unit_counts(
    *,
    policy: PolicyPage,
    scope: OrgUnit,
    at: datetime.datetime,
    counts: dict[tuple[int, int], tuple[int, int, int]] | None = None,
) -> dict[int, tuple[int, int, int]]:
    """(everyone, certified, exempt) by the employees' own unit, inside
    ``scope``'s subtree (from ``counts`` when already read)."""
    return _summed(counts or _counted(policy, at, scope), 0)


def _summed(counts, index: int) -> dict[int, tuple[int, int, int]]:
    """``counts`` summed over one side of its (unit, position) keys."""
    totals: dict[int, list[int]] = {}
    for key, values in counts.items():
        total = totals.setdefault(key[index], [0, 0, 0])
        for i, value in enumerate(values):
            total[i] += value
    return {key: tuple(values) for key, values in totals.items()}


def _positions(
    policy: PolicyPage, counts: dict[tuple[int, int], tuple[int, int, int]]
) -> list[PositionReadiness]:
    grouped = {
        position_id: Figures(everyone - exempt, certified, exempt)
        for position_id, (everyone, certified, exempt) in _summed(counts, 1).items()
    }
    thresholds = dict(
        PositionThreshold.objects.filter(policy=policy).values_list(
            "position_id", "threshold"
        )
    )
    positions = Position.objects.filter(pk__in={*grouped, *thresholds}).order_by("code")
    return [
        PositionReadiness(
            position=position,
            figures=grouped.get(position.pk, Figures()),
            threshold=thresholds.get(position.pk),
        )
        for position in positions
    ]


def readiness_for(
    *,
    policy: PolicyPage,
    scope: OrgUnit,
    depth: int = 1,
    at: datetime.datetime | None = None,
) -> Readiness:
    """The readiness of ``policy`` in ``scope`` (a unit and everything below
    it): figures for the scope and its units ``depth`` levels down, per
    position, and the blockers (every unit at the threshold level, at any
    depth, counts towards them)."""
    at = at or timezone.now()
    units = list(
        OrgUnit.objects.filter(path__startswith=scope.path)
        .only("id", "path", "depth", "code", "name", "level")
        .order_by("path")
    )
    counts = _counted(policy, at, scope)
    own = unit_counts(policy=policy, scope=scope, at=at, counts=counts)
    subtree = _rolled_up(policy, scope, units, own)
    overall = subtree[scope.path]
    shown = [
        UnitReadiness(u, subtree[u.path], u.depth - scope.depth)
        for u in units
        if u.depth - scope.depth <= depth
    ]
    positions = _positions(policy, counts)
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
    units: list[OrgUnit],
    own: dict[int, tuple[int, int, int]],
) -> dict[str, Figures]:
    """Every unit's subtree figures (by path) from the counts by own unit,
    with the exemption cap applied at the threshold level."""
    step = OrgUnit.steplen
    totals: dict[str, list[int]] = {unit.path: [0, 0, 0] for unit in units}
    by_id = {unit.pk: unit for unit in units}

    def add(path: str, values) -> None:
        for end in range(len(scope.path), len(path) + 1, step):
            total = totals[path[:end]]
            for i, value in enumerate(values):
                total[i] += value

    for unit_id, values in own.items():
        add(by_id[unit_id].path, values)
    cap = policy.exemption_cap_percent
    for unit in units:
        if unit.level != policy.threshold_level:
            continue
        everyone, _certified, exempt = totals[unit.path]
        over = exempt - cap * everyone // 100
        if over > 0:  # over the cap: counted as assigned, here and above
            add(unit.path, (0, 0, -over))
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
