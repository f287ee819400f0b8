"""Reads that cross relations: scoping by org subtree, unit paths."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from lms.models import Employee, ManagerScope, OrgUnit, User

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
    paths = scope_paths_for(user=user)
    units = OrgUnit.objects.all()
    return units if paths is None else units.filter(_subtree_filter(paths, "path"))


def employees_visible_to(*, user: User) -> QuerySet[Employee]:
    """Employees in the user's scopes (all of them for administrators)."""
    paths = scope_paths_for(user=user)
    employees = Employee.objects.select_related("unit", "position")
    if paths is None:
        return employees
    return employees.filter(_subtree_filter(paths, "unit__path"))


def employees_in_subtree(*, unit: OrgUnit) -> QuerySet[Employee]:
    return Employee.objects.filter(unit__path__startswith=unit.path)


def unit_lineage(*, unit: OrgUnit) -> list[OrgUnit]:
    """The unit's ancestors from HQ down, then the unit itself (one query)."""
    return [*unit.get_ancestors(), unit]
