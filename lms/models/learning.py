"""How far each employee is: modules read, quiz attempts."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from lms.models.org import Employee


class ModuleProgress(models.Model):
    """That an employee finished reading a module, for one policy version."""

    employee = models.ForeignKey(
        Employee,
        on_delete=models.CASCADE,
        related_name="module_progress",
        verbose_name=_("employee"),
    )
    policy = models.ForeignKey(
        "cms.PolicyPage",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("policy"),
    )
    module = models.ForeignKey(
        "cms.ModulePage",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("module"),
    )
    version = models.PositiveIntegerField(_("policy version"))
    completed_at = models.DateTimeField(_("done"))

    class Meta:
        verbose_name = _("module progress")
        verbose_name_plural = _("module progress")
        constraints = [
            models.UniqueConstraint(
                fields=["employee", "module", "version"], name="progress_unique"
            )
        ]
        indexes = [
            models.Index(
                fields=["employee", "policy", "version"], name="progress_lookup"
            )
        ]

    def __str__(self) -> str:
        return f"{self.employee_id}: {self.module_id} v{self.version}"


class QuizAttempt(models.Model):
    """One attempt at a policy's quiz: what was drawn, answered and scored.

    The draw keeps question ids and the order of their options; the question
    texts and which options are correct are read from the quiz revision the
    attempt was drawn from (``quiz_revision``), so a later edit of the quiz
    changes neither the attempt on screen nor its grading. Grading happens on
    the server only.
    """

    # No index of their own: "attempt_number_unique" and "attempt_policy"
    # lead with them (a submission's UPDATE writes every index of the table).
    employee = models.ForeignKey(
        Employee,
        on_delete=models.PROTECT,
        related_name="attempts",
        verbose_name=_("employee"),
        db_index=False,
    )
    policy = models.ForeignKey(
        "cms.PolicyPage",
        on_delete=models.PROTECT,
        related_name="attempts",
        verbose_name=_("policy"),
        db_index=False,
    )
    version = models.PositiveIntegerField(_("policy version"))
    number = models.PositiveSmallIntegerField(_("attempt"))
    quiz_revision = models.ForeignKey(
        "wagtailcore.Revision",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("quiz revision"),
    )
    draw = models.JSONField(
        _("questions drawn"),
        help_text=_("[[question id, [option ids in the order shown]], ...]"),
    )
    started_at = models.DateTimeField(_("started"))
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    answers = models.JSONField(_("answers"), null=True, blank=True)
    score = models.DecimalField(
        _("score (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    passed = models.BooleanField(_("passed"), null=True, blank=True)

    class Meta:
        verbose_name = _("quiz attempt")
        verbose_name_plural = _("quiz attempts")
        constraints = [
            models.UniqueConstraint(
                fields=["employee", "policy", "version", "number"],
                name="attempt_number_unique",
            ),
            # At most one attempt in progress per employee and policy.
            models.UniqueConstraint(
                fields=["employee", "policy"],
                condition=Q(submitted_at__isnull=True),
                name="attempt_one_open",
            ),
        ]
        indexes = [
            # (employee, policy, version) lookups use "attempt_number_unique".
            models.Index(fields=["policy", "submitted_at"], name="attempt_policy"),
        ]

    def __str__(self) -> str:
        return f"{self.employee_id} {self.policy_id} v{self.version} #{self.number}"

    @property
    def is_open(self) -> bool:
        return self.submitted_at is None
