"""The published versions of a policy."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cms.models.policy import PolicyPage
from cms.models.publishing import MaterialChange


class PolicyVersion(models.Model):
    """A published version of a policy: the first publication, then each
    material change."""

    policy = models.ForeignKey(
        PolicyPage,
        on_delete=models.CASCADE,
        related_name="versions",
        verbose_name=_("policy"),
    )
    number = models.PositiveIntegerField(_("version"))
    published_at = models.DateTimeField(_("published"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )
    revision = models.ForeignKey(
        "wagtailcore.Revision",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    earlier_certificates = models.CharField(
        _("certificates of earlier versions"),
        max_length=10,
        choices=MaterialChange.Earlier.choices,
        default=MaterialChange.Earlier.VALID,
    )
    renew_by = models.DateField(
        _("earlier certificates must be renewed by"), null=True, blank=True
    )

    changed_modules = models.JSONField(
        _("modules changed"),
        default=list,
        blank=True,
        help_text=_(
            "Ids of the modules whose material change made this version: holders "
            "of an earlier certificate renew by reading only these (and the quiz)."
        ),
    )

    class Meta:
        verbose_name = _("policy version")
        verbose_name_plural = _("policy versions")
        ordering = ["policy", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "number"], name="policy_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.policy.code} v{self.number}"
