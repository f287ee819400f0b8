"""Outgoing webhooks: launch, withdrawal, launched scope fell below threshold.

An event writes one :class:`~lms.models.WebhookDelivery` per active endpoint
subscribed to it, in the transaction of the event itself: a rolled-back
launch announces nothing, and a committed one is announced even if the task
that delivers it is lost. After commit a django-q2 task POSTs each delivery:

- the body is JSON ``{"event", "id", "occurred_at", "data"}``;
- ``X-Rollout-Event``, ``Idempotency-Key`` (the same on every attempt of a
  delivery: receivers drop what they have seen), ``X-Rollout-Timestamp`` and
  ``X-Rollout-Signature: sha256=<hex>``, the HMAC-SHA256 of
  ``"<timestamp>.<body>"`` with the endpoint's secret;
- a 2xx answer within 5 seconds delivers it; anything else is retried after
  1, 5, 30 minutes, 2 and 12 hours (six attempts), then marked failed. Each
  attempt's status code or error is in the delivery log (admin).

A launch is final whether or not its webhooks are delivered. The sweep
(``webhooks_sweep``, every minute) sends what is due: retries and deliveries
whose task a crashed worker held. Delivering is idempotent: a delivery is
claimed before it is sent, and one already delivered is left alone.

``launches_watch`` (every 15 minutes) announces a launched scope that has
fallen below its thresholds, once per fall (``LaunchShortfall``).
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import urllib.error
import urllib.request
import uuid

from django.db import transaction
from django.utils import timezone
from django_q.tasks import async_task

from cms.models import PolicyPage
from lms.models import (
    Launch,
    LaunchShortfall,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from lms.selectors.launches import launch_data, launched_scopes
from lms.selectors.readiness import blocker_data, figures_data

DELIVER_TASK = "lms.tasks.webhook_deliver"
TIMEOUT_SECONDS = 5
RETRY_AFTER = [
    datetime.timedelta(minutes=1),
    datetime.timedelta(minutes=5),
    datetime.timedelta(minutes=30),
    datetime.timedelta(hours=2),
    datetime.timedelta(hours=12),
]
MAX_ATTEMPTS = len(RETRY_AFTER) + 1
# How long a claimed delivery is left to its worker before the sweep may
# try it again (well over the timeout).
LEASE = datetime.timedelta(seconds=60)
_KEYS = uuid.UUID("7f1d0c4e-5b7a-4d2e-9c1a-6b3f0e2d8a41")


def webhook_signature(*, secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=<hex>`` of ``"<timestamp>.<body>"``: what receivers recompute."""
    digest = hmac.new(
        secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    return f"sha256={digest}"


def webhooks_emit(*, event: str, data: dict, key: str) -> int:
    """Write the deliveries of ``event`` (inside the event's transaction) and
    send them after commit. ``key`` names the event instance: emitting it
    twice writes nothing the second time. Returns the deliveries written."""
    endpoints = [
        endpoint
        for endpoint in WebhookEndpoint.objects.filter(is_active=True)
        if event in endpoint.events
    ]
    if not endpoints:
        return 0
    idempotency_key = uuid.uuid5(_KEYS, f"{event}:{key}")
    now = timezone.now()
    payload = {
        "event": event,
        "id": str(idempotency_key),
        "occurred_at": now.isoformat(),
        "data": data,
    }
    created = WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(
                endpoint=endpoint,
                event=event,
                idempotency_key=idempotency_key,
                payload=payload,
                next_attempt_at=now,
            )
            for endpoint in endpoints
        ],
        ignore_conflicts=True,
    )
    transaction.on_commit(
        lambda: [
            async_task(DELIVER_TASK, pk)
            for pk in WebhookDelivery.objects.filter(
                idempotency_key=idempotency_key, status=WebhookDelivery.Status.PENDING
            ).values_list("pk", flat=True)
        ]
    )
    return len(created)


def launch_announce(record: Launch) -> int:
    """The webhooks of a launch or a withdrawal (called in its transaction)."""
    event = WebhookEvent.WITHDRAWAL if record.is_withdrawal else WebhookEvent.LAUNCH
    return webhooks_emit(event=event, data=launch_data(record), key=record.reference)


def _post(delivery: WebhookDelivery) -> tuple[int | None, str]:
    body = json.dumps(delivery.payload, ensure_ascii=False).encode()
    timestamp = str(int(timezone.now().timestamp()))
    request = urllib.request.Request(
        delivery.endpoint.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "RolloutAcademy-Webhooks/1",
            "X-Rollout-Event": delivery.event,
            "Idempotency-Key": str(delivery.idempotency_key),
            "X-Rollout-Timestamp": timestamp,
            "X-Rollout-Signature": webhook_signature(
                secret=delivery.endpoint.secret, timestamp=timestamp, body=body
            ),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            return response.status, ""
    except urllib.error.HTTPError as error:
        return error.code, f"HTTP {error.code}"
    except (urllib.error.URLError, OSError, ValueError) as error:
        return None, str(getattr(error, "reason", error))[:500]


def webhook_deliver(*, delivery_id: int) -> str | None:
    """One attempt at a delivery that is pending and due; its new status
    (``None`` when there was nothing to do).

    The delivery is claimed first (one ``UPDATE`` moving its next attempt a
    lease ahead), then POSTed outside any transaction (a slow receiver must
    not hold a lock: on SQLite, the whole database's), then its outcome is
    written. Two workers never send one attempt twice; a worker that dies
    mid-way leaves the delivery to the sweep once the lease is over (the
    receiver may then see it twice, with the same idempotency key)."""
    now = timezone.now()
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id,
        status=WebhookDelivery.Status.PENDING,
        next_attempt_at__lte=now,
    ).update(next_attempt_at=now + LEASE)
    if not claimed:
        return None
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    code, error = _post(delivery)
    now = timezone.now()
    delivery.attempts += 1
    delivery.last_status_code = code
    delivery.last_error = error
    if code is not None and 200 <= code < 300:
        delivery.status = WebhookDelivery.Status.DELIVERED
        delivery.delivered_at = now
    elif delivery.attempts >= MAX_ATTEMPTS:
        delivery.status = WebhookDelivery.Status.FAILED
    else:
        delivery.next_attempt_at = now + RETRY_AFTER[delivery.attempts - 1]
    delivery.save(
        update_fields=[
            "attempts",
            "last_status_code",
            "last_error",
            "status",
            "delivered_at",
            "next_attempt_at",
        ]
    )
    return delivery.status


def webhooks_sweep() -> int:
    """Attempt every pending delivery that is due; returns how many attempts
    were made (a delivery another worker claimed meanwhile is not one)."""
    due = list(
        WebhookDelivery.objects.filter(
            status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=timezone.now()
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:500]
    )
    return sum(webhook_deliver(delivery_id=pk) is not None for pk in due)


@transaction.atomic
def launches_watch(*, at: datetime.datetime | None = None) -> int:
    """Announce each launch in force whose scope has fallen below its
    thresholds since the last look (once per fall); forget the fall when the
    scope is back. Returns how many falls were announced."""
    at = at or timezone.now()
    announced = 0
    for policy in PolicyPage.objects.live().order_by("pk"):
        for scope in launched_scopes(policy=policy, at=at):
            record = scope.record
            shortfall = LaunchShortfall.objects.filter(launch=record).first()
            if not scope.below_threshold:
                if shortfall is not None:
                    shortfall.delete()
                continue
            if shortfall is not None:
                continue
            shortfall = LaunchShortfall.objects.create(launch=record, since=at)
            webhooks_emit(
                event=WebhookEvent.BELOW_THRESHOLD,
                data={
                    "launch": launch_data(record),
                    "at": at.isoformat(),
                    "overall": figures_data(scope.readiness.overall),
                    "blockers": [blocker_data(b) for b in scope.readiness.blockers],
                },
                key=f"{record.reference}:{shortfall.since.isoformat()}",
            )
            announced += 1
    return announced
