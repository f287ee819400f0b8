"""Admin listings: counts and parent names in the same query; the home summary."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import (
    CharField,
    Count,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Length, Substr

from lms.models import (
    Employee,
    ImportJob,
    OrgUnit,
    Position,
    User,
)
from lms.selectors.scope import (
    employees_in_scope,
    employees_visible_to,
    units_visible_to,
)

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
