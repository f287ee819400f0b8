"""Public verification of a certificate: what anyone holding its serial (the
QR code on the PDF) may learn, and nothing more.

A verification says whether the certificate is valid, expired, revoked,
superseded (by a reissue or a renewal: with the serial that replaced it) or
no longer accepted (an earlier version of a measure whose renewal period has
ended), for whom — the name partly masked (张*明), the province and city —,
which measure and version, and the dates. Never the employee number, the
score, the email or the county.

Whether a certificate still counts is the organisation's rule
(``settings.CERTIFICATE_ACCEPTED``, ``lms.selectors.standing``), read here by
its dotted path so that ``certificates`` imports nothing of ``lms``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings
from django.core.cache import cache
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from certificates.models import Certificate, valid_at


class Status(StrEnum):
    VALID = "valid"
    EXPIRED = "expired"
    REVOKED = "revoked"
    SUPERSEDED = "superseded"
    NOT_ACCEPTED = "not_accepted"


STATUS_LABELS = {
    Status.VALID: _("Valid"),
    Status.EXPIRED: _("Expired"),
    Status.REVOKED: _("Revoked"),
    Status.SUPERSEDED: _("Superseded"),
    Status.NOT_ACCEPTED: _("No longer accepted"),
}


@dataclass(frozen=True)
class Verification:
    """What the public may read of one certificate."""

    serial: str
    status: Status
    holder: str  # masked
    region: str  # province and city
    policy_code: str
    policy_title: str
    version: int
    issued_on: datetime.date
    expires_on: datetime.date | None
    revoked_on: datetime.date | None = None
    superseded_by: str | None = None  # the serial that replaced it

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @property
    def is_valid(self) -> bool:
        return self.status == Status.VALID


def mask_name(name: str) -> str:
    """A name with its middle hidden: 张小明 → 张*明, 王明 → 王*, 欧阳小明 →
    欧**明; the first and last character are kept from three characters on."""
    name = (name or "").strip()
    if len(name) <= 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def accepted_rule(at: datetime.datetime) -> Q:
    """The condition that a certificate counts at ``at``."""
    dotted = getattr(settings, "CERTIFICATE_ACCEPTED", None)
    return import_string(dotted)(at=at) if dotted else valid_at(at)


def with_accepted(queryset, *, at: datetime.datetime):
    """``queryset`` of certificates annotated with ``accepted`` at ``at``."""
    return queryset.annotate(
        accepted=ExpressionWrapper(accepted_rule(at), output_field=BooleanField())
    )


def certificate_status(certificate: Certificate, *, at: datetime.datetime) -> Status:
    """How ``certificate`` (annotated by :func:`with_accepted`) stands at
    ``at``."""
    if certificate.revoked_at is not None:
        return Status.REVOKED
    if certificate.superseded_by_id is not None:
        return Status.SUPERSEDED
    if certificate.expires_at is not None and certificate.expires_at <= at:
        return Status.EXPIRED
    if not certificate.accepted:
        return Status.NOT_ACCEPTED
    return Status.VALID


def certificate_verification(
    *, serial: str, at: datetime.datetime | None = None
) -> Verification | None:
    """The verification of the certificate ``serial`` (in its printed form,
    ``certificates.serials.serial_normalise``), or ``None`` when there is
    none. One query."""
    at = at or timezone.now()
    certificate = (
        with_accepted(Certificate.objects.all(), at=at)
        .select_related("superseded_by")
        .only(
            "serial",
            "holder_name",
            "holder_region",
            "policy_code",
            "policy_title",
            "version",
            "issued_at",
            "expires_at",
            "revoked_at",
            "superseded_at",
            "superseded_by__serial",
        )
        .filter(serial=serial)
        .first()
    )
    if certificate is None:
        return None
    successor = certificate.superseded_by
    return Verification(
        serial=certificate.serial,
        status=certificate_status(certificate, at=at),
        holder=mask_name(certificate.holder_name),
        region=certificate.holder_region,
        policy_code=certificate.policy_code,
        policy_title=certificate.policy_title,
        version=certificate.version,
        issued_on=certificate.issued_on,
        expires_on=certificate.expires_on,
        revoked_on=certificate.revoked_on,
        superseded_by=successor.serial if successor else None,
    )


# --- Against enumeration: misses per client address --------------------------------


def client_address(request: HttpRequest) -> str:
    """The client's address: ``REMOTE_ADDR``, or behind ``NUM_PROXIES``
    trusted proxies the address the outermost of them saw (each appends to
    ``X-Forwarded-For``; what the client itself wrote there is not trusted).
    Behind a proxy, ``REMOTE_ADDR`` is the proxy's: every client would share
    one allowance of misses."""
    proxies = getattr(settings, "NUM_PROXIES", 0)
    if proxies:
        hops = [
            hop.strip()
            for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if hop.strip()
        ]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR", "")


def _miss_key(request: HttpRequest) -> str:
    return f"certificates:verify-misses:{client_address(request)}"


def misses_exhausted(request: HttpRequest) -> bool:
    """This client has looked up too many serials that do not exist lately."""
    return cache.get(_miss_key(request), 0) >= settings.CERTIFICATE_VERIFY_MISSES


def miss_record(request: HttpRequest) -> None:
    """Count a lookup of a serial that does not exist (or is mistyped)."""
    key = _miss_key(request)
    if not cache.add(key, 1, settings.CERTIFICATE_VERIFY_WINDOW):
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, settings.CERTIFICATE_VERIFY_WINDOW)
