"""Launch records: that a policy version was launched to the public in a
scope (the whole group or one unit's subtree), or that such a launch was
withdrawn. Records are written once by ``lms.services.launches`` and never
changed or deleted: the model and its querysets refuse it, and a database
trigger (PostgreSQL and SQLite, migration 0006) refuses it underneath them.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# The public reference printed on the evidence PDF and in its QR code: random
# (a record's number would tell how many launches there were), unambiguous.
_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_reference() -> str:
    return "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(12))


class ImmutableRecord(Exception):
    """A launch record was about to be changed or deleted."""


class LaunchQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ImmutableRecord("Launch records are never changed.")

    def delete(self):
        raise ImmutableRecord("Launch records are never deleted.")

    def launches(self):
        return self.filter(kind=Launch.Kind.LAUNCH)


class Launch(models.Model):
    class Kind(models.TextChoices):
        LAUNCH = "launch", _("Launch")
        WITHDRAWAL = "withdrawal", _("Withdrawal")

    reference = models.CharField(
        _("reference"), max_length=12, unique=True, default=new_reference
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    policy = models.ForeignKey(
        "cms.PolicyPage",
        on_delete=models.PROTECT,
        related_name="launches",
        verbose_name=_("policy"),
    )
    policy_code = models.CharField(_("policy code"), max_length=32)
    policy_title = models.CharField(_("policy title"), max_length=255)
    version = models.PositiveIntegerField(_("version"))
    unit = models.ForeignKey(
        "lms.OrgUnit",
        on_delete=models.PROTECT,
        related_name="launches",
        verbose_name=_("scope"),
    )
    unit_code = models.CharField(_("scope code"), max_length=32)
    unit_name = models.CharField(_("scope name"), max_length=100)
    # The unit's tree path when the record was written (the history; "is
    # this unit launched?" follows the tree as it is now, through ``unit``).
    unit_path = models.CharField(max_length=255)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("by"),
    )
    by_name = models.CharField(_("by (name)"), max_length=150)
    at = models.DateTimeField(_("at"), db_index=True)
    note = models.TextField(_("note"), blank=True)
    # A withdrawal names the launch it ends.
    withdraws = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="withdrawal",
        verbose_name=_("withdraws"),
    )
    # What allowed it: the thresholds of the version launched and the
    # readiness of the scope at that moment (lms.services.launches.snapshot).
    thresholds = models.JSONField(_("thresholds"), default=dict)
    snapshot = models.JSONField(_("readiness snapshot"), default=dict)

    objects = LaunchQuerySet.as_manager()

    class Meta:
        verbose_name = _("launch record")
        verbose_name_plural = _("launch records")
        ordering = ["-at", "-pk"]
        default_permissions = ("add", "view")  # never changed nor deleted
        indexes = [models.Index(fields=["policy", "unit", "at"])]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(kind="launch", withdraws__isnull=True)
                    | models.Q(kind="withdrawal", withdraws__isnull=False)
                ),
                name="launch_withdrawal_names_launch",
            )
        ]

    def __str__(self) -> str:
        return (
            f"{self.policy_code} v{self.version} · {self.unit_name} · {self.reference}"
        )

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableRecord("Launch records are never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableRecord("Launch records are never deleted.")

    @property
    def is_withdrawal(self) -> bool:
        return self.kind == self.Kind.WITHDRAWAL


class LaunchShortfall(models.Model):
    """That a launch in force has fallen below its scope's thresholds, since
    when: kept by ``lms.services.webhooks.launches_watch`` (the row goes when
    the scope is back at its thresholds), so each fall is announced once. The
    launch record itself never changes."""

    launch = models.OneToOneField(
        Launch, on_delete=models.CASCADE, related_name="shortfall"
    )
    since = models.DateTimeField()

    class Meta:
        verbose_name = _("launch below threshold")
        verbose_name_plural = _("launches below threshold")

    def __str__(self) -> str:
        return f"{self.launch} below since {self.since:%Y-%m-%d %H:%M}"
