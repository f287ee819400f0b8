"""Certificates: proof that an employee passed a policy version's quiz."""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from certificates.serials import new_serial

__all__ = ["Certificate", "CertificateQuerySet", "new_serial", "valid_at"]


def valid_at(at) -> models.Q:
    """The condition that a certificate is valid at ``at``: not revoked, not
    superseded (by a reissue or a renewal) and not expired. Whether its
    policy still accepts its version is the policy's side of the rule
    (``lms.selectors.certificates.certificate_accepted``)."""
    return models.Q(revoked_at__isnull=True, superseded_at__isnull=True) & (
        models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=at)
    )


def private_storage():
    """Where certificate PDFs are kept: never a public media URL."""
    return storages["private"]


class CertificateQuerySet(models.QuerySet):
    def valid(self, at=None):
        """Not revoked and not expired at ``at`` (now by default)."""
        return self.filter(valid_at(at or timezone.now()))


class Certificate(models.Model):
    """Employee × policy version: issued when an attempt passes.

    Names and titles are copied at issue (the holder's units when the PDF is
    first rendered, seconds later), so the PDF and the public verification
    page show what was certified even after a rename. Of the certificates of
    one employee, policy and version, at most one is neither revoked nor
    superseded (``certificate_one_current``): a reissue or a renewal
    supersedes the one before.
    """

    class Superseded(models.TextChoices):
        REISSUE = "reissue", _("Reissued")
        RENEWAL = "renewal", _("Renewed")

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
    # The passed attempt; none for a reissue (its predecessor's attempt).
    attempt = models.OneToOneField(
        "lms.QuizAttempt",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
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
    superseded_at = models.DateTimeField(_("superseded"), null=True, blank=True)
    superseded_why = models.CharField(
        _("superseded because"),
        max_length=10,
        choices=Superseded.choices,
        blank=True,
    )
    superseded_by = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="supersedes",
        verbose_name=_("superseded by"),
    )
    holder_unit = models.CharField(
        _("holder's unit"),
        max_length=255,
        blank=True,
        help_text=_("The units from the province down, as at issue."),
    )
    holder_region = models.CharField(
        _("holder's region"),
        max_length=100,
        blank=True,
        help_text=_("Province and city, as at issue: what verification shows."),
    )
    pdf = models.FileField(
        _("PDF"), storage=private_storage, upload_to="certificates/", blank=True
    )
    rendered_at = models.DateTimeField(_("PDF rendered"), null=True, blank=True)

    objects = CertificateQuerySet.as_manager()

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-issued_at"]
        permissions = [
            ("revoke_certificate", _("Can revoke and reissue certificates")),
        ]
        indexes = [
            models.Index(fields=["policy", "version"], name="certificate_policy"),
            models.Index(fields=["employee", "policy"], name="certificate_holder"),
            models.Index(
                fields=["issued_at"],
                condition=models.Q(rendered_at__isnull=True),
                name="certificate_unrendered",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["employee", "policy", "version"],
                condition=models.Q(revoked_at__isnull=True, superseded_at__isnull=True),
                name="certificate_one_current",
            )
        ]

    def __str__(self) -> str:
        return self.serial

    # Dates as printed (the local calendar, TIME_ZONE), or None.
    @property
    def issued_on(self):
        return timezone.localdate(self.issued_at)

    @property
    def expires_on(self):
        return timezone.localdate(self.expires_at) if self.expires_at else None

    @property
    def revoked_on(self):
        return timezone.localdate(self.revoked_at) if self.revoked_at else None
