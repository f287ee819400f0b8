"""HR files uploaded in the admin."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lms.models.org import private_storage


class ImportJob(models.Model):
    """An HR file uploaded in the admin: validated (preview), then applied."""

    class Kind(models.TextChoices):
        ORG = "org", _("Organisation units")
        STAFF = "staff", _("Staff")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be checked")
        VALIDATING = "validating", _("Checking")
        READY = "ready", _("Checked, ready to apply")
        INVALID = "invalid", _("Refused: the file has errors")
        APPLYING = "applying", _("Applying")
        DONE = "done", _("Applied")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    file = models.FileField(
        _("file"), upload_to="imports/%Y/%m/", storage=private_storage, max_length=255
    )
    original_name = models.CharField(_("file name"), max_length=255)
    encoding = models.CharField(_("encoding"), max_length=20, blank=True)
    deactivate_missing = models.BooleanField(
        _("deactivate staff missing from the file"), default=False
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PENDING
    )
    report = models.JSONField(_("report"), default=dict, blank=True)
    # The uploader's language: the check and the apply run in a task, and
    # write the report's refusals in it.
    language = models.CharField(_("language"), max_length=15, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("applied by"),
    )
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("HR import")
        verbose_name_plural = _("HR imports")
        ordering = ["-created_at"]
        permissions = [("run_import", _("Can import organisation and staff files"))]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.original_name}"
