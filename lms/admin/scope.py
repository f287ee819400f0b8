"""The person's scope, computed once per request for all the admin's querysets."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpRequest

from lms.models import Employee, OrgUnit
from lms.selectors import employees_in_scope, scope_paths_for, units_in_scope

_ATTRIBUTE = "_lms_scope_paths"


def request_scope_paths(request: HttpRequest) -> list[str] | None:
    """``scope_paths_for(request.user)``, remembered on the request."""
    if not hasattr(request, _ATTRIBUTE):
        setattr(request, _ATTRIBUTE, scope_paths_for(user=request.user))
    return getattr(request, _ATTRIBUTE)


def visible_units(request: HttpRequest) -> QuerySet[OrgUnit]:
    return units_in_scope(paths=request_scope_paths(request))


def visible_employees(request: HttpRequest) -> QuerySet[Employee]:
    return employees_in_scope(paths=request_scope_paths(request))
