"""Scoping by org subtree: who may see which units and staff; audiences."""

from __future__ import annotations

import functools

from django.db import router
from django.db.models import (
    Q,
    QuerySet,
)

from cms.models import PolicyPage
from lms.auth import active_employee
from lms.models import (
    AudiencePosition,
    AudienceUnit,
    Employee,
    ManagerScope,
    OrgUnit,
    User,
)
from lms.sql import Columns, column, planned_cursor, table

FULL_VIEW_PERMISSION = "lms.change_employee"


def scope_paths_for(*, user: User) -> list[str] | None:
    """Tree paths of the subtrees ``user`` may see; ``None`` means everything."""
    if not user.is_authenticated or not user.is_active:
        return []
    if user.is_superuser or user.has_perm(FULL_VIEW_PERMISSION):
        return None
    using = router.db_for_read(ManagerScope)
    with planned_cursor(using) as cursor:
        cursor.execute(_scope_paths_sql(using), [user.pk])
        paths = sorted(path for (path,) in cursor.fetchall())
    # Drop scopes nested inside another scope of the same user.
    kept: list[str] = []
    for path in paths:
        if not any(path.startswith(outer) for outer in kept):
            kept.append(path)
    return kept


@functools.cache
def _scope_paths_sql(using: str) -> str:
    """The tree paths of a user's manager scopes (one planned statement:
    every page and API call of a manager asks)."""
    return (
        f"SELECT u.{column(OrgUnit, 'path', using)} "
        f"FROM {table(ManagerScope, using)} s "
        f"JOIN {table(OrgUnit, using)} u ON u.{column(OrgUnit, 'id', using)} "
        f"= s.{column(ManagerScope, 'unit', using)} "
        f"WHERE s.{column(ManagerScope, 'user', using)} = %s"
    )


_UNIT = Columns(OrgUnit, "u")


@functools.cache
def _unit_sql(using: str) -> str:
    return (
        f"SELECT {_UNIT.sql(using)} FROM {table(OrgUnit, using)} u "
        f"WHERE u.{column(OrgUnit, 'code', using)} = %s"
    )


def unit_with_code(code: str) -> OrgUnit | None:
    """The unit ``code`` (one planned statement: the API's every call names
    one)."""
    using = router.db_for_read(OrgUnit)
    with planned_cursor(using) as cursor:
        cursor.execute(_unit_sql(using), [code])
        row = cursor.fetchone()
    return None if row is None else _UNIT.build(row, 0, using)


def subtree_filter(paths: list[str], field: str) -> Q:
    """``field`` (a tree path) inside one of the subtrees of ``paths``."""
    query = Q(pk__in=[])
    for path in paths:
        query |= Q(**{f"{field}__startswith": path})
    return query


def unit_visible_to(*, user: User, unit: OrgUnit) -> bool:
    """Whether ``unit`` lies in one of ``user``'s subtrees (no query for
    administrators, one for everyone else)."""
    paths = scope_paths_for(user=user)
    return paths is None or any(unit.path.startswith(path) for path in paths)


def units_visible_to(*, user: User) -> QuerySet[OrgUnit]:
    return units_in_scope(paths=scope_paths_for(user=user))


def employees_visible_to(*, user: User) -> QuerySet[Employee]:
    """Employees in the user's scopes (all of them for administrators)."""
    return employees_in_scope(paths=scope_paths_for(user=user))


def units_in_scope(*, paths: list[str] | None) -> QuerySet[OrgUnit]:
    """Units in the subtrees of ``paths`` (from ``scope_paths_for``; ``None``: all)."""
    units = OrgUnit.objects.all()
    return units if paths is None else units.filter(subtree_filter(paths, "path"))


def employees_in_scope(*, paths: list[str] | None) -> QuerySet[Employee]:
    """Employees in the subtrees of ``paths`` (``None``: all of them)."""
    employees = Employee.objects.select_related("unit", "position")
    if paths is None:
        return employees
    return employees.filter(subtree_filter(paths, "unit__path"))


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
        units = OrgUnit.objects.filter(subtree_filter(outermost, "path"))
        employees = employees.filter(unit_id__in=units.values("pk"))
    return employees


def unit_lineage(*, unit: OrgUnit) -> list[OrgUnit]:
    """The unit's ancestors from HQ down, then the unit itself (one query)."""
    return [*unit.get_ancestors(), unit]


def employee_for(*, user: User) -> Employee | None:
    """The active employee record of a login (``None`` for e.g. an
    administrator): loaded with the user by ``lms.auth.EmployeeBackend``."""
    return active_employee(user)
