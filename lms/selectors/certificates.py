"""Certificates as people may see them: an employee their own (the wallet),
managers those of the staff in their scopes, approvers those of the measures
they publish, administrators all."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone
from wagtail.permission_policies.pages import PagePermissionPolicy

from certificates.models import Certificate
from certificates.verification import (
    STATUS_LABELS,
    Status,
    certificate_status,
    with_accepted,
)
from cms.models import PolicyPage
from lms.models import Employee, User
from lms.selectors.scope import scope_paths_for

REVOKE_PERMISSION = "certificates.revoke_certificate"


@dataclass(frozen=True)
class HeldCertificate:
    """A certificate with how it stands now."""

    certificate: Certificate
    status: Status

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])


def _with_status(queryset: QuerySet, at: datetime.datetime) -> list[HeldCertificate]:
    return [
        HeldCertificate(certificate=c, status=certificate_status(c, at=at))
        for c in with_accepted(queryset, at=at)
    ]


def certificates_of(
    *, employee: Employee, at: datetime.datetime | None = None
) -> list[HeldCertificate]:
    """Every certificate of ``employee``, current and past, newest first (one
    query)."""
    at = at or timezone.now()
    queryset = Certificate.objects.filter(employee=employee).select_related(
        "superseded_by"
    )
    return _with_status(queryset.order_by("-issued_at", "-pk"), at)


def _publishable_policies(user: User) -> QuerySet[PolicyPage]:
    pages = PagePermissionPolicy().instances_user_has_any_permission_for(
        user, ["publish"]
    )
    return PolicyPage.objects.filter(pk__in=pages.values("pk"))


def certificates_visible_to(*, user: User) -> QuerySet[Certificate]:
    """The certificates ``user`` may see in the administration: of staff in
    their scopes (everyone's for administrators), and, for those who may
    revoke (approvers), of the measures they may publish."""
    certificates = Certificate.objects.all()
    paths = scope_paths_for(user=user)
    if paths is None:
        return certificates
    visible = Q(pk__in=[])
    for path in paths:
        visible |= Q(employee__unit__path__startswith=path)
    if user.has_perm(REVOKE_PERMISSION):
        visible |= Q(policy__in=_publishable_policies(user))
    return certificates.filter(visible)


def certificate_can_revoke(*, user: User, certificate: Certificate) -> bool:
    """Administrators may revoke and reissue any certificate; approvers those
    of the measures they may publish."""
    if not user.has_perm(REVOKE_PERMISSION):
        return False
    if scope_paths_for(user=user) is None:
        return True
    return _publishable_policies(user).filter(pk=certificate.policy_id).exists()
