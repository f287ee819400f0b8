from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from lms.models import Employee, ManagerScope
from lms.roles import ROLE_LABELS
from lms.selectors import unit_lineage


@login_required
def my_account(request: HttpRequest) -> HttpResponse:
    """The signed-in person's own record: unit, position, roles and scopes."""
    employee = (
        Employee.objects.select_related("unit", "position")
        .filter(user=request.user)
        .first()
    )
    scopes = ManagerScope.objects.filter(user=request.user).select_related("unit")
    roles = [
        ROLE_LABELS.get(name, name)
        for name in request.user.groups.values_list("name", flat=True)
    ]
    return render(
        request,
        "lms/my_account.html",
        {
            "employee": employee,
            "lineage": unit_lineage(unit=employee.unit) if employee else [],
            "scopes": scopes,
            "roles": roles,
            "can_use_admin": request.user.has_perm("wagtailadmin.access_admin"),
        },
    )
