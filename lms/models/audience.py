"""Who must learn what: a policy's audience, thresholds and assignments."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel
from wagtail.models import Orderable

from lms.admin.widgets import AudienceUnitChooserWidget
from lms.models.org import Employee, OrgUnit, Position


class AudiencePosition(Orderable):
    """A position in a policy's audience (none at all: every position)."""

    policy = ParentalKey(
        "cms.PolicyPage", on_delete=models.CASCADE, related_name="audience_positions"
    )
    position = models.ForeignKey(
        Position,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("position"),
    )

    panels = [FieldPanel("position")]

    class Meta(Orderable.Meta):
        verbose_name = _("audience position")
        verbose_name_plural = _("audience positions")
        unique_together = [("policy", "position")]

    def __str__(self) -> str:
        return str(self.position)


class AudienceUnit(Orderable):
    """A unit whose subtree is in a policy's audience (none: the whole group)."""

    policy = ParentalKey(
        "cms.PolicyPage", on_delete=models.CASCADE, related_name="audience_units"
    )
    unit = models.ForeignKey(
        OrgUnit,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("unit"),
    )

    # A search over the whole tree rather than a <select> of 3,500 units.
    panels = [FieldPanel("unit", widget=AudienceUnitChooserWidget)]

    class Meta(Orderable.Meta):
        verbose_name = _("audience unit")
        verbose_name_plural = _("audience units")
        unique_together = [("policy", "unit")]

    def __str__(self) -> str:
        return str(self.unit)


class PositionThreshold(Orderable):
    """A readiness threshold for one position, on top of the overall ones
    (e.g. 100 % of management)."""

    policy = ParentalKey(
        "cms.PolicyPage", on_delete=models.CASCADE, related_name="position_thresholds"
    )
    position = models.ForeignKey(
        Position,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("position"),
    )
    threshold = models.PositiveSmallIntegerField(
        _("threshold (%)"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )

    panels = [FieldPanel("position"), FieldPanel("threshold")]

    class Meta(Orderable.Meta):
        verbose_name = _("position threshold")
        verbose_name_plural = _("position thresholds")
        unique_together = [("policy", "position")]

    def __str__(self) -> str:
        return f"{self.position}: {self.threshold}%"


class Assignment(models.Model):
    """That an employee is in a policy's audience, with a due date.

    Kept in step with the audience and the staff by ``lms.services.assignments``
    (bulk SQL). Leaving the audience deactivates the row rather than deleting
    it, so history stays and a return reuses it.
    """

    employee = models.ForeignKey(
        Employee,
        on_delete=models.CASCADE,
        related_name="assignments",
        verbose_name=_("employee"),
    )
    policy = models.ForeignKey(
        "cms.PolicyPage",
        on_delete=models.CASCADE,
        related_name="assignments",
        verbose_name=_("policy"),
    )
    assigned_at = models.DateTimeField(_("assigned"))
    due_on = models.DateField(_("due"))
    is_active = models.BooleanField(_("in the audience"), default=True)
    removed_at = models.DateTimeField(_("left the audience"), null=True, blank=True)

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["employee", "policy"], name="assignment_unique"
            )
        ]
        indexes = [
            models.Index(
                fields=["policy", "is_active"], name="assignment_policy_active"
            )
        ]

    def __str__(self) -> str:
        return f"{self.employee} → {self.policy_id}"
