"""Readiness counts kept per policy and unit, so that readiness over the
whole tree reads a few thousand rows instead of millions
(``lms.services.readiness_counts`` says how they are kept exact)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReadinessCount(models.Model):
    """The counts of one policy over the staff whose own unit is ``unit``.

    ``generation`` is raised by database triggers (migration 0014) in the
    transaction of every write that can change these counts: an assignment,
    a certificate or an exemption of the policy, or a transfer, change of
    position, deactivation or arrival date of an employee assigned to it.
    The counts are those of the rows at ``counted_generation``; they hold
    while the two are equal, the policy's ``signature`` (its version, its
    renewals, its grace) is unchanged and the clock is before
    ``valid_until`` (the next expiry, renewal deadline, exemption date or end
    of a new hire's grace among these staff).
    """

    # No database foreign keys: the triggers insert rows in the writers'
    # transactions, and a deleted policy or unit must not fail them. Rows of
    # a deleted unit are removed by the sweep.
    policy = models.ForeignKey(
        "cms.PolicyPage",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        verbose_name=_("policy"),
    )
    unit = models.ForeignKey(
        "lms.OrgUnit",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        verbose_name=_("unit"),
    )
    generation = models.BigIntegerField(_("generation"), db_default=1)
    counted_generation = models.BigIntegerField(
        _("counted generation"), null=True, blank=True
    )
    # {"<position id>": [everyone, certified, exempt and not certified]}
    counts = models.JSONField(_("counts"), null=True, blank=True)
    counted_at = models.DateTimeField(_("counted"), null=True, blank=True)
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)
    signature = models.CharField(_("policy signature"), max_length=64, db_default="")

    class Meta:
        verbose_name = _("readiness count")
        verbose_name_plural = _("readiness counts")
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "unit"], name="readiness_count_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.policy_id}/{self.unit_id}@{self.generation}"
