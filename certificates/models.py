"""Certificates: proof that an employee passed a policy version's quiz."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Crockford's base32: no I, L, O or U, so a serial read aloud or typed from
# paper is not mistaken.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_serial() -> str:
    """An unguessable serial (80 random bits) such as ``RA-7K3M-9QXD-2F8P-W4TN``."""
    chars = "".join(secrets.choice(ALPHABET) for _ in range(16))
    return "RA-" + "-".join(chars[i : i + 4] for i in range(0, 16, 4))


def valid_at(at) -> models.Q:
    """The condition that a certificate is valid at ``at``: not revoked and
    not expired. Whether its policy still accepts its version is the policy's
    side of the rule (``lms.selectors.standing.certificate_accepted``)."""
    return models.Q(revoked_at__isnull=True) & (
        models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=at)
    )


class CertificateQuerySet(models.QuerySet):
    def valid(self, at=None):
        """Not revoked and not expired at ``at`` (now by default)."""
        return self.filter(valid_at(at or timezone.now()))


class Certificate(models.Model):
    """Employee × policy version: issued when an attempt passes.

    Names and titles are copied at issue, so the PDF and the public
    verification page show what was certified even after a rename.
    """

    serial = models.CharField(
        _("serial"), max_length=24, unique=True, default=new_serial, editable=False
    )
    # No index of their own: "certificate_holder" and "certificate_policy"
    # lead with them (every index costs each certificate's INSERT).
    employee = models.ForeignKey(
        "lms.Employee",
        on_delete=models.PROTECT,
        related_name="certificates",
        verbose_name=_("employee"),
        db_index=False,
    )
    policy = models.ForeignKey(
        "cms.PolicyPage",
        on_delete=models.PROTECT,
        related_name="certificates",
        verbose_name=_("policy"),
        db_index=False,
    )
    version = models.PositiveIntegerField(_("policy version"))
    attempt = models.OneToOneField(
        "lms.QuizAttempt",
        on_delete=models.PROTECT,
        related_name="certificate",
        verbose_name=_("attempt"),
    )
    score = models.DecimalField(_("score (%)"), max_digits=5, decimal_places=2)
    issued_at = models.DateTimeField(_("issued"))
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    holder_name = models.CharField(_("holder"), max_length=100)
    employee_no = models.CharField(_("employee number"), max_length=32)
    policy_code = models.CharField(_("policy code"), max_length=32)
    policy_title = models.CharField(_("policy title"), max_length=255)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked by"),
    )
    revoked_reason = models.TextField(_("reason for revocation"), blank=True)

    objects = CertificateQuerySet.as_manager()

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-issued_at"]
        indexes = [
            models.Index(fields=["policy", "version"], name="certificate_policy"),
            models.Index(fields=["employee", "policy"], name="certificate_holder"),
        ]

    def __str__(self) -> str:
        return self.serial
