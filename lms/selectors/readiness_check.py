"""``readiness --verify``: the readiness figures recounted naively from the
rows, one unit at a time, with the acceptance rule applied in Python — an
independent computation whose only purpose is to catch the aggregate (or,
later, its summary tables) going wrong."""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.utils import timezone

from certificates.models import Certificate
from cms.models import MaterialChange, PolicyPage, PolicyVersion
from lms.models import Assignment, OrgUnit
from lms.selectors.readiness import Figures, readiness_for


def _counts(certificate: Certificate, policy: PolicyPage, versions, at) -> bool:
    """The acceptance rule, restated plainly."""
    if certificate.revoked_at or certificate.superseded_at:
        return False
    if certificate.expires_at is not None and certificate.expires_at <= at:
        return False
    today = timezone.localdate(at)
    for version in versions:
        if (
            certificate.version < version.number <= policy.version
            and version.earlier_certificates == MaterialChange.Earlier.RENEW
            and (version.renew_by is None or version.renew_by < today)
        ):
            return False
    return True


def readiness_naive(
    *, policy: PolicyPage, scope: OrgUnit, at: datetime.datetime
) -> dict[str, Figures]:
    """Figures by unit code for every unit of ``scope``'s subtree."""
    versions = list(PolicyVersion.objects.filter(policy=policy))
    holders = defaultdict(bool)
    for certificate in Certificate.objects.filter(policy=policy):
        if _counts(certificate, policy, versions, at):
            holders[certificate.employee_id] = True
    assignments = list(
        Assignment.objects.filter(policy=policy, is_active=True)
        .select_related("employee__unit")
        .filter(employee__is_active=True)
    )
    figures = {}
    for unit in OrgUnit.objects.filter(path__startswith=scope.path):
        inside = [a for a in assignments if a.employee.unit.path.startswith(unit.path)]
        figures[unit.code] = Figures(
            assigned=len(inside),
            certified=sum(1 for a in inside if holders[a.employee_id]),
        )
    return figures


def readiness_differences(
    *, policy: PolicyPage, scope: OrgUnit, at: datetime.datetime | None = None
) -> list[str]:
    """Every unit whose aggregate figures differ from the naive recount."""
    at = at or timezone.now()
    depth = (
        OrgUnit.objects.filter(path__startswith=scope.path)
        .order_by("-depth")
        .values_list("depth", flat=True)
        .first()
        or scope.depth
    )
    computed = readiness_for(
        policy=policy, scope=scope, depth=depth - scope.depth, at=at
    )
    expected = readiness_naive(policy=policy, scope=scope, at=at)
    differences = []
    for row in computed.units:
        naive = expected.get(row.unit.code, Figures())
        if naive != row.figures:
            differences.append(
                f"{row.unit.code} {row.unit.name}: computed "
                f"{row.figures.certified}/{row.figures.assigned}, recounted "
                f"{naive.certified}/{naive.assigned}"
            )
    return differences
