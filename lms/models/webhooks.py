"""Outgoing webhooks: endpoints administrators register, and one delivery
row per event and endpoint (the delivery log), written in the transaction of
the event itself (``lms.services.webhooks``)."""

from __future__ import annotations

import secrets
import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class WebhookEvent(models.TextChoices):
    LAUNCH = "launch", _("Launch")
    WITHDRAWAL = "withdrawal", _("Withdrawal")
    BELOW_THRESHOLD = "below_threshold", _("Launched scope fell below threshold")


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def all_events() -> list[str]:
    return list(WebhookEvent.values)


class WebhookEndpoint(models.Model):
    name = models.CharField(
        _("name"), max_length=100, help_text=_("What receives it, e.g. 'BSS switch'.")
    )
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(
        _("signing secret"),
        max_length=100,
        default=new_secret,
        help_text=_(
            "Each delivery carries X-Rollout-Signature: sha256=HMAC-SHA256 of "
            "'<X-Rollout-Timestamp>.<body>' with this secret (docs/api.md)."
        ),
    )
    events = models.JSONField(
        _("events"), default=all_events, help_text=_("The events sent to it.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class WebhookDelivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    endpoint = models.ForeignKey(
        WebhookEndpoint,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("endpoint"),
    )
    event = models.CharField(_("event"), max_length=20, choices=WebhookEvent.choices)
    # The same for every attempt of a delivery: receivers drop what they saw.
    idempotency_key = models.UUIDField(_("idempotency key"), default=uuid.uuid4)
    payload = models.JSONField(_("payload"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    last_status_code = models.PositiveSmallIntegerField(
        _("last HTTP status"), null=True, blank=True
    )
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "idempotency_key"], name="webhook_delivery_once"
            )
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.get_event_display()} → {self.endpoint} ({self.status})"
