"""Reads that cross relations: scoping by org subtree, unit paths."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import (
    CharField,
    Count,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Length, Substr

from cms.models import PolicyPage
from lms.models import (
    AudiencePosition,
    AudienceUnit,
    Employee,
    ImportJob,
    ManagerScope,
    OrgUnit,
    Position,
    User,
)

FULL_VIEW_PERMISSION = "lms.change_employee"


def scope_paths_for(*, user: User) -> list[str] | None:
    """Tree paths of the subtrees ``user`` may see; ``None`` means everything."""
    if not user.is_authenticated or not user.is_active:
        return []
    if user.is_superuser or user.has_perm(FULL_VIEW_PERMISSION):
        return None
    paths = sorted(
        ManagerScope.objects.filter(user=user).values_list("unit__path", flat=True)
    )
    # Drop scopes nested inside another scope of the same user.
    kept: list[str] = []
    for path in paths:
        if not any(path.startswith(outer) for outer in kept):
            kept.append(path)
    return kept


def _subtree_filter(paths: list[str], field: str) -> Q:
    query = Q(pk__in=[])
    for path in paths:
        query |= Q(**{f"{field}__startswith": path})
    return query


def units_visible_to(*, user: User) -> QuerySet[OrgUnit]:
    return units_in_scope(paths=scope_paths_for(user=user))


def employees_visible_to(*, user: User) -> QuerySet[Employee]:
    """Employees in the user's scopes (all of them for administrators)."""
    return employees_in_scope(paths=scope_paths_for(user=user))


def units_in_scope(*, paths: list[str] | None) -> QuerySet[OrgUnit]:
    """Units in the subtrees of ``paths`` (from ``scope_paths_for``; ``None``: all)."""
    units = OrgUnit.objects.all()
    return units if paths is None else units.filter(_subtree_filter(paths, "path"))


def employees_in_scope(*, paths: list[str] | None) -> QuerySet[Employee]:
    """Employees in the subtrees of ``paths`` (``None``: all of them)."""
    employees = Employee.objects.select_related("unit", "position")
    if paths is None:
        return employees
    return employees.filter(_subtree_filter(paths, "unit__path"))


def employees_in_subtree(*, unit: OrgUnit) -> QuerySet[Employee]:
    return Employee.objects.filter(unit__path__startswith=unit.path)


def audience_queryset(*, policy: PolicyPage) -> QuerySet[Employee]:
    """The employees in ``policy``'s audience: active, holding one of its
    positions (none listed: any position), in the subtree of one of its units
    (none listed: the whole group).

    The audience rows read are those in the database, i.e. the live version of
    the page (a draft's audience lives in its revision). Two small queries read
    the positions and unit paths; the queryset then filters on them with
    ``position_id IN (...)`` and the path index of the units, whatever the
    number of staff.
    """
    position_ids = list(
        AudiencePosition.objects.filter(policy_id=policy.pk)
        .order_by()
        .values_list("position_id", flat=True)
    )
    paths = sorted(
        AudienceUnit.objects.filter(policy_id=policy.pk)
        .order_by()
        .values_list("unit__path", flat=True)
    )
    employees = Employee.objects.filter(is_active=True)
    if position_ids:
        employees = employees.filter(position_id__in=position_ids)
    if paths:
        # Nested units add nothing to their ancestor's subtree.
        outermost: list[str] = []
        for path in paths:
            if not any(path.startswith(outer) for outer in outermost):
                outermost.append(path)
        units = OrgUnit.objects.filter(_subtree_filter(outermost, "path"))
        employees = employees.filter(unit_id__in=units.values("pk"))
    return employees


def unit_lineage(*, unit: OrgUnit) -> list[OrgUnit]:
    """The unit's ancestors from HQ down, then the unit itself (one query)."""
    return [*unit.get_ancestors(), unit]


# --- Listings of the admin: counts and parent names in the same query ---------


def _parent_path(outer_path_field: str) -> Substr:
    """The parent's path of the unit whose path is ``outer_path_field``."""
    return Substr(
        OuterRef(outer_path_field),
        1,
        Length(OuterRef(outer_path_field)) - OrgUnit.steplen,
    )


def _count(queryset: QuerySet) -> Coalesce:
    """A correlated ``COUNT(*)`` of ``queryset``, 0 when empty."""
    counted = (
        queryset.order_by()
        .annotate(_one=Value(1, output_field=IntegerField()))
        .values("_one")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def units_annotate_for_listing(units: QuerySet[OrgUnit]) -> QuerySet[OrgUnit]:
    """Add ``parent_name`` and ``active_staff`` (active employees in the subtree).

    Both are correlated subqueries of the listing's own query: a page of units
    costs one query whatever its size (the staff count follows the path index
    of each unit's subtree).
    """
    active_staff = Employee.objects.filter(
        is_active=True, unit__path__startswith=OuterRef("path")
    )
    return units.annotate(
        parent_name=units_parent_name(), active_staff=_count(active_staff)
    )


def units_parent_name(path_field: str = "path") -> Subquery:
    """Annotation: the name of the parent of the unit at ``path_field``."""
    parent = OrgUnit.objects.filter(path=_parent_path(path_field)).values("name")
    return Subquery(parent[:1], output_field=CharField())


def employees_annotate_for_listing(
    employees: QuerySet[Employee],
) -> QuerySet[Employee]:
    """Join unit and position, and add ``unit_parent_name`` (one query per page)."""
    return employees.select_related("unit", "position").annotate(
        unit_parent_name=units_parent_name("unit__path")
    )


def positions_annotate_for_listing(
    positions: QuerySet[Position], *, paths: list[str] | None = None
) -> QuerySet[Position]:
    """Add ``active_staff``: active employees holding each position, in the
    subtrees of ``paths`` (``None``: everywhere)."""
    active_staff = employees_in_scope(paths=paths).filter(
        is_active=True, position=OuterRef("pk")
    )
    return positions.annotate(active_staff=_count(active_staff))


def unit_parent(*, unit: OrgUnit) -> OrgUnit | None:
    if unit.depth <= 1:
        return None
    return OrgUnit.objects.filter(path=unit.path[: -OrgUnit.steplen]).first()


@dataclass(frozen=True)
class AdminSummary:
    units: int
    active_staff: int
    last_import: ImportJob | None


def admin_summary(*, user: User) -> AdminSummary:
    """What the admin's home page shows: units and active staff in the user's
    scope, and the latest HR import for those who may run imports."""
    units = units_visible_to(user=user)
    staff = employees_visible_to(user=user).filter(is_active=True)
    last_import = None
    if user.has_perm("lms.run_import"):
        last_import = (
            ImportJob.objects.select_related("created_by").order_by("-pk").first()
        )
    return AdminSummary(
        units=units.count(),
        active_staff=staff.select_related(None).count(),
        last_import=last_import,
    )
