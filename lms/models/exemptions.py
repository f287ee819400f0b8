"""Exemptions: an employee excused from a policy for a while (long leave, a
secondment), proposed by a manager and decided by a manager of a unit above
or an administrator (``lms.services.exemptions``). An approved exemption
takes the employee out of "assigned" from its first to its last day
(DESIGN.md, "Readiness rule"), within the policy's cap per unit."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Exemption(models.Model):
    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        ENDED = "ended", _("Ended early")

    employee = models.ForeignKey(
        "lms.Employee",
        on_delete=models.CASCADE,
        related_name="exemptions",
        verbose_name=_("employee"),
    )
    policy = models.ForeignKey(
        "cms.PolicyPage",
        on_delete=models.CASCADE,
        related_name="exemptions",
        verbose_name=_("measure"),
    )
    reason = models.TextField(_("reason"))
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("proposed by"),
    )
    proposed_at = models.DateTimeField(_("proposed"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    class Meta:
        verbose_name = _("exemption")
        verbose_name_plural = _("exemptions")
        ordering = ["-proposed_at", "-pk"]
        indexes = [models.Index(fields=["policy", "status", "ends_on"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="exemption_ends_after_it_starts",
            )
        ]

    def __str__(self) -> str:
        return f"{self.employee} · {self.policy_id} · {self.starts_on}–{self.ends_on}"
