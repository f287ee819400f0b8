"""Writes of the ``certificates`` app.

``certificates`` imports no Python module of ``lms`` (nor of ``cms``): callers
pass model instances and plain values, and the relations are declared by
string in :mod:`certificates.models`.
"""

from __future__ import annotations

import calendar
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from certificates.models import Certificate
from certificates.pdf import CertificateData, certificate_pdf
from certificates.signals import certificate_revoking
from certificates.signing import pdf_sign


def add_months(moment: datetime, months: int) -> datetime:
    """``moment`` plus calendar months, on the local calendar (TIME_ZONE): the
    31st of a month ends on the last day of a shorter one."""
    local = timezone.localtime(moment)
    index = local.month - 1 + months
    year, month = local.year + index // 12, index % 12 + 1
    day = min(local.day, calendar.monthrange(year, month)[1])
    naive = local.replace(tzinfo=None).replace(year=year, month=month, day=day)
    return timezone.make_aware(naive, local.tzinfo)


def certificate_new(
    *,
    employee: Any,
    policy: Any,
    attempt: Any,
    score: Decimal,
    issued_at: datetime | None = None,
) -> Certificate:
    """The certificate of a passed attempt (``lms.QuizAttempt``) of ``policy``
    (``cms.PolicyPage``, or any object with its ``pk``, ``code``, ``title``
    and ``certificate_validity_months``) for ``employee`` (``lms.Employee``),
    not yet saved (``lms.services.attempts.attempt_submit`` writes it in the
    statement or transaction that grades the attempt, so a pass and its
    certificate commit together): a new serial, the expiry from the policy's
    validity, and copies of the holder's name and number and the policy's
    code and title, so that the certificate shows what was certified after a
    rename."""
    issued_at = issued_at or timezone.now()
    months = policy.certificate_validity_months
    return Certificate(
        employee_id=employee.pk,
        policy_id=policy.pk,
        version=attempt.version,
        attempt_id=attempt.pk,
        score=score,
        issued_at=issued_at,
        expires_at=add_months(issued_at, months) if months else None,
        holder_name=employee.name,
        employee_no=employee.employee_no,
        policy_code=policy.code,
        policy_title=policy.title,
    )


# --- The PDF -----------------------------------------------------------------------


def verify_url(serial: str) -> str:
    """The public verification page of ``serial``: the QR code's target."""
    return settings.SITE_URL + reverse("certificate_verify", args=[serial])


def certificate_pdf_data(certificate: Certificate) -> CertificateData:
    """What the PDF of ``certificate`` shows, from the row alone."""
    return CertificateData(
        serial=certificate.serial,
        holder_name=certificate.holder_name,
        holder_unit=certificate.holder_unit,
        policy_code=certificate.policy_code,
        policy_title=certificate.policy_title,
        version=certificate.version,
        issued_on=certificate.issued_on,
        expires_on=certificate.expires_on,
        verify_url=verify_url(certificate.serial),
        issuer=settings.CERTIFICATE_ISSUER,
    )


def certificate_render(
    *,
    certificate_id: int,
    holder_units: list[str] | None = None,
    skip_locked: bool = False,
) -> Certificate | None:
    """Render and store the PDF of a certificate, once: a certificate already
    rendered is returned as it is, so an issued PDF never changes (a later
    change of the template, the policy's title or the holder's unit does not
    reach it). ``holder_units``: the names of the holder's units from the
    province down, copied onto the certificate with its first rendering (the
    caller, ``lms``, knows the organisation).

    The PDF is drawn (and signed) before the row is locked, so workers render
    in parallel even on SQLite, whose write lock is the database's; the lock
    is held only to store it. Safe to run twice at once: whoever stores first
    wins, the other finds the certificate rendered and drops its copy (with
    ``skip_locked``, a row being stored by another run is left to it:
    ``None``).
    """
    certificate = Certificate.objects.filter(pk=certificate_id).first()
    if certificate is None or certificate.rendered_at is not None:
        return certificate
    if holder_units and not certificate.holder_unit:
        certificate.holder_unit = " › ".join(holder_units)[:255]
        certificate.holder_region = " ".join(holder_units[:2])[:100]
    data = pdf_sign(
        certificate_pdf(
            certificate_pdf_data(certificate), font_path=settings.CERTIFICATE_FONT
        ),
        reason=f"{certificate.policy_code} v{certificate.version}: "
        f"{certificate.serial}",
    )
    with transaction.atomic():
        locked = (
            Certificate.objects.select_for_update(skip_locked=skip_locked)
            .filter(pk=certificate_id)
            .first()
        )
        if locked is None or locked.rendered_at is not None:
            return locked
        name = f"{certificate.serial}.pdf"
        stored = certificate.pdf.field.generate_filename(certificate, name)
        storage = certificate.pdf.storage
        if storage.exists(stored):  # a run that died after writing the file
            storage.delete(stored)
        certificate.pdf.save(name, ContentFile(data), save=False)
        certificate.rendered_at = timezone.now()
        certificate.save(
            update_fields=["holder_unit", "holder_region", "pdf", "rendered_at"]
        )
        _link_renewed(certificate)
    return certificate


def certificate_pdf_bytes(certificate: Certificate) -> bytes:
    """The stored PDF of a rendered certificate."""
    with certificate.pdf.open("rb") as stored:
        return stored.read()


# --- Superseding, revocation, reissue -------------------------------------------------


def certificate_supersede(
    *,
    certificate: Certificate,
    why: str,
    at: datetime | None = None,
    by: Certificate | None = None,
) -> Certificate:
    """Mark ``certificate`` superseded (a reissue or a renewal), by ``by`` if
    it exists yet. It stops counting at once. Idempotent."""
    at = at or timezone.now()
    Certificate.objects.filter(pk=certificate.pk, superseded_at__isnull=True).update(
        superseded_at=at, superseded_why=why
    )
    if by is not None:
        Certificate.objects.filter(
            pk=certificate.pk, superseded_by__isnull=True
        ).update(superseded_by=by)
    certificate.refresh_from_db()
    return certificate


def _link_renewed(certificate: Certificate) -> None:
    """A new certificate supersedes its holder's earlier ones of the policy: an
    expired one of the same version marked for renewal when the attempt
    started, and any of an earlier version (the holder renewed after a
    material change)."""
    earlier = Certificate.objects.filter(
        employee_id=certificate.employee_id,
        policy_id=certificate.policy_id,
        revoked_at__isnull=True,
        superseded_by__isnull=True,
        issued_at__lt=certificate.issued_at,
    ).exclude(pk=certificate.pk)
    same_version = earlier.filter(
        version=certificate.version,
        superseded_why=Certificate.Superseded.RENEWAL,
    )
    older = earlier.filter(version__lt=certificate.version)
    for previous in [*same_version, *older]:
        certificate_supersede(
            certificate=previous,
            why=previous.superseded_why or Certificate.Superseded.RENEWAL,
            at=certificate.issued_at,
            by=certificate,
        )


def _log(certificate: Certificate, action: str, user: Any, **data: Any) -> None:
    log(instance=certificate, action=action, user=user, data=data)


def certificate_revoke(
    *, certificate: Certificate, user: Any, reason: str
) -> Certificate:
    """Revoke ``certificate`` (obtained by mistake, say): it stops counting at
    once, and its verification page says so from now on. The act is in the
    audit log (who, when, why). Revoking twice changes nothing."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Say why the certificate is revoked."))
    with transaction.atomic():
        certificate_revoking.send(
            sender=Certificate, certificate=certificate, policy_id=certificate.policy_id
        )
        revoked = Certificate.objects.filter(
            pk=certificate.pk, revoked_at__isnull=True
        ).update(revoked_at=timezone.now(), revoked_by=user, revoked_reason=reason)
        certificate.refresh_from_db()
        if revoked:
            _log(certificate, "certificates.revoke", user, reason=reason)
    return certificate


def certificate_reissue(
    *, certificate: Certificate, user: Any, reason: str, holder_name: str
) -> Certificate:
    """Replace ``certificate`` with a new one (after HR corrected the holder's
    name, say): a new serial, the same policy version, issue and expiry
    dates, the corrected name; the old one is superseded and points to the new
    one. Only a certificate that is neither revoked nor superseded can be
    reissued. Audit-logged on both."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Say why the certificate is reissued."))
    with transaction.atomic():
        old = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if old.revoked_at is not None or old.superseded_at is not None:
            raise ValidationError(
                _("Only a current certificate can be reissued: this one is not.")
            )
        now = timezone.now()
        certificate_supersede(
            certificate=old, why=Certificate.Superseded.REISSUE, at=now
        )
        new = Certificate.objects.create(
            employee_id=old.employee_id,
            policy_id=old.policy_id,
            version=old.version,
            attempt=None,
            score=old.score,
            issued_at=old.issued_at,
            expires_at=old.expires_at,
            holder_name=(holder_name or old.holder_name).strip(),
            employee_no=old.employee_no,
            policy_code=old.policy_code,
            policy_title=old.policy_title,
            holder_unit=old.holder_unit,
            holder_region=old.holder_region,
        )
        certificate_supersede(certificate=old, why=old.superseded_why, by=new)
        _log(old, "certificates.reissue", user, reason=reason, replaced_by=new.serial)
        _log(new, "certificates.reissue", user, reason=reason, replaces=old.serial)
    return new
