"""Activation: how staff imported without a password set their first one
(``lms.services.activation``).

An :class:`ActivationBatch` is one sending, to a selection of staff (a unit's
subtree, optionally one position, optionally only those never signed in);
each :class:`Activation` is one single-use secret given to one employee: a
link e-mailed, or a code printed on the unit's sheet. The secret itself is
never stored, only its keyed digest.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ActivationBatch(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting for a worker")
        SENDING = "sending", _("Sending")
        DONE = "done", _("Done")

    unit = models.ForeignKey(
        "lms.OrgUnit",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("unit"),
    )
    position = models.ForeignKey(
        "lms.Position",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("position"),
    )
    never_signed_in = models.BooleanField(_("only staff never signed in"))
    # The language of the e-mails for staff who chose none (the sender's).
    language = models.CharField(_("language"), max_length=15)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    selected = models.PositiveIntegerField(_("selected"), default=0)
    with_email = models.PositiveIntegerField(_("with an e-mail address"), default=0)
    sent = models.PositiveIntegerField(_("e-mails sent"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("sent by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # Raised by every turn of the sending task: the sweep finds batches
    # whose task was lost by an old one.
    touched_at = models.DateTimeField(_("last progress"), auto_now=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("activation sending")
        verbose_name_plural = _("activation sendings")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "touched_at"])]

    def __str__(self) -> str:
        return f"{self.unit} · {timezone.localtime(self.created_at):%Y-%m-%d %H:%M}"

    @property
    def without_email(self) -> int:
        """Selected staff the sending could not e-mail (their codes are
        printed)."""
        return self.selected - self.with_email


class Activation(models.Model):
    class Kind(models.TextChoices):
        LINK = "link", _("E-mailed link")
        CODE = "code", _("Printed code")

    employee = models.ForeignKey(
        "lms.Employee",
        on_delete=models.CASCADE,
        related_name="activations",
        verbose_name=_("employee"),
    )
    batch = models.ForeignKey(
        ActivationBatch,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="activations",
        verbose_name=_("sending"),
    )
    kind = models.CharField(_("kind"), max_length=4, choices=Kind.choices)
    digest = models.CharField(_("digest"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"))
    expires_at = models.DateTimeField(_("expires"))
    # The e-mail went out (a link whose e-mail was lost is made again).
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    used_at = models.DateTimeField(_("used"), null=True, blank=True)
    # Replaced by a newer activation of the same employee.
    voided_at = models.DateTimeField(_("voided"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("activation")
        verbose_name_plural = _("activations")
        indexes = [
            models.Index(fields=["employee", "used_at", "voided_at"]),
            # "Not yet sent in this batch", per employee of a sending's turn:
            # without it SQLite scanned the batch's rows for every employee.
            models.Index(fields=["batch", "employee", "sent_at"]),
        ]
        constraints = [
            # One live activation per employee: a new one voids the last.
            models.UniqueConstraint(
                fields=["employee"],
                condition=models.Q(used_at__isnull=True, voided_at__isnull=True),
                name="lms_one_live_activation",
            )
        ]

    def __str__(self) -> str:
        return f"{self.employee} · {self.get_kind_display()}"
