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
from lms.models import Assignment, Exemption, OrgUnit
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


def _exempt(employee, policy: PolicyPage, exemptions, at) -> bool:
    """The exemption rule, restated plainly (before the cap)."""
    today = timezone.localdate(at)
    if any(
        e.employee_id == employee.pk and e.starts_on <= today <= e.ends_on
        for e in exemptions
    ):
        return True
    grace = policy.new_hire_grace_days
    return bool(
        grace
        and policy.first_published_at
        and policy.first_published_at < employee.created_at <= at
        and employee.created_at > at - datetime.timedelta(days=grace)
    )


def readiness_naive(
    *, policy: PolicyPage, scope: OrgUnit, at: datetime.datetime
) -> dict[str, Figures]:
    """Figures by unit code for every unit of ``scope``'s subtree."""
    versions = list(PolicyVersion.objects.filter(policy=policy))
    holders = defaultdict(bool)
    for certificate in Certificate.objects.filter(policy=policy):
        if _counts(certificate, policy, versions, at):
            holders[certificate.employee_id] = True
    exemptions = list(
        Exemption.objects.filter(policy=policy, status=Exemption.Status.APPROVED)
    )
    assignments = list(
        Assignment.objects.filter(policy=policy, is_active=True)
        .select_related("employee__unit")
        .filter(employee__is_active=True)
    )
    exempt = {
        a.employee_id
        for a in assignments
        if not holders[a.employee_id] and _exempt(a.employee, policy, exemptions, at)
    }
    units = list(OrgUnit.objects.filter(path__startswith=scope.path))
    # Exempt staff over the cap of a unit at the threshold level count as
    # assigned there and in every unit of the scope above it.
    over: dict[str, int] = {}
    for unit in units:
        if unit.level == policy.threshold_level:
            inside = [
                a for a in assignments if a.employee.unit.path.startswith(unit.path)
            ]
            allowed = policy.exemption_cap_percent * len(inside) // 100
            over[unit.path] = max(
                sum(1 for a in inside if a.employee_id in exempt) - allowed, 0
            )
    figures = {}
    for unit in units:
        inside = [a for a in assignments if a.employee.unit.path.startswith(unit.path)]
        left_out = sum(1 for a in inside if a.employee_id in exempt) - sum(
            n for path, n in over.items() if path.startswith(unit.path)
        )
        figures[unit.code] = Figures(
            assigned=len(inside) - left_out,
            certified=sum(1 for a in inside if holders[a.employee_id]),
            exempt=left_out,
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
