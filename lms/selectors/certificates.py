"""Certificates: which ones count (the one rule of an accepted certificate),
and which ones people may see — an employee their own (the wallet), managers
those of the staff in their scopes, approvers those of the measures they
publish, administrators all."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from enum import StrEnum

from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.utils import timezone
from wagtail.permission_policies.pages import PagePermissionPolicy

from certificates.models import Certificate, valid_at
from certificates.verification import (
    STATUS_LABELS,
    Status,
    certificate_status,
    with_accepted,
)
from cms.models import MaterialChange, PolicyPage, PolicyVersion
from lms.models import Employee, User
from lms.selectors.scope import scope_paths_for, subtree_filter

REVOKE_PERMISSION = "certificates.revoke_certificate"


# --- The rule: which certificates a policy still accepts -----------------------


def _renewals() -> QuerySet[PolicyVersion]:
    """The versions, later than an (outer) certificate's and up to its policy's
    current one, that were published requiring holders of earlier
    certificates to renew."""
    return PolicyVersion.objects.filter(
        policy_id=OuterRef("policy_id"),
        number__gt=OuterRef("version"),
        number__lte=OuterRef("policy__version"),
        earlier_certificates=MaterialChange.Earlier.RENEW,
    )


def certificate_accepted(*, at: datetime.datetime) -> Q:
    """The condition, on ``Certificate`` rows, that a certificate counts at
    ``at``: valid (not revoked, not expired) and not of a version whose
    renewal deadline has passed (a renewal without a deadline never accepts
    earlier certificates)."""
    today = timezone.localdate(at)
    lapsed = _renewals().filter(Q(renew_by__isnull=True) | Q(renew_by__lt=today))
    return valid_at(at) & ~Exists(lapsed)


def accepted_certificates(*, at: datetime.datetime | None = None) -> QuerySet:
    """Every certificate that counts at ``at`` (now by default)."""
    return Certificate.objects.filter(certificate_accepted(at=at or timezone.now()))


def certificates_annotated(*, at: datetime.datetime) -> QuerySet:
    """Certificates with ``accepted`` (the rule above) and ``renew_by`` (the
    earliest renewal deadline of a later version, if any)."""
    deadline = (
        _renewals()
        .order_by()
        .values("policy_id")
        .annotate(first=Min("renew_by"))
        .values("first")
    )
    return Certificate.objects.annotate(
        accepted=ExpressionWrapper(
            certificate_accepted(at=at), output_field=BooleanField()
        ),
        renew_by=Subquery(deadline),
    )


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
    visible = subtree_filter(paths, "employee__unit__path")
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


class CertificateState(StrEnum):
    """How an employee's best certificate of a policy stands."""

    VALID = "valid"  # counts (current version, or an earlier one still accepted)
    RENEW_BY = "renew_by"  # counts until ``renew_by``: an earlier version to renew
    RENEWAL_LAPSED = "renewal_lapsed"  # earlier version, renewal deadline passed
    EXPIRED = "expired"
    REVOKED = "revoked"
    NONE = "none"


def certificate_state_of(
    certificate: Certificate | None, policy: PolicyPage, now: datetime.datetime
) -> CertificateState:
    """Names how ``certificate`` stands; whether it counts was decided in SQL
    (its ``accepted`` annotation)."""
    if certificate is None:
        return CertificateState.NONE
    if certificate.accepted:
        if certificate.renew_by is not None and certificate.version < policy.version:
            return CertificateState.RENEW_BY
        return CertificateState.VALID
    if certificate.revoked_at is not None:
        return CertificateState.REVOKED
    if certificate.expires_at is not None and certificate.expires_at <= now:
        return CertificateState.EXPIRED
    return CertificateState.RENEWAL_LAPSED
