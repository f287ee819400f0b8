"""Outgoing webhooks (``lms.services.webhooks``): a real HTTP receiver on the
loopback; signature, idempotency key, retries with backoff, the delivery log;
nothing sent for a rolled-back launch; a launch final whatever the receiver
does; a fall below threshold announced once."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import transaction
from django.test import TestCase
from django.utils import timezone

from certificates.models import Certificate
from certificates.services import certificate_revoke
from lms.models import Launch, WebhookDelivery, WebhookEndpoint
from lms.services.launches import launch_record, launch_withdraw
from lms.services.webhooks import (
    MAX_ATTEMPTS,
    launches_watch,
    webhook_signature,
    webhooks_sweep,
)
from tests.lms.test_launches import gate_policy, officer
from tests.lms.test_readiness import staff

pytestmark = pytest.mark.django_db


class Receiver:
    """An HTTP server answering each POST with the next status of ``answers``
    (the last one repeated), keeping what it received."""

    def __init__(self, answers=(200,)):
        self.answers = list(answers)
        self.received: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append({"headers": dict(self.headers), "body": body})
                status = (
                    receiver.answers.pop(0)
                    if len(receiver.answers) > 1
                    else receiver.answers[0]
                )
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    made = []

    def make(*answers):
        made.append(Receiver(answers or (200,)))
        return made[-1]

    yield make
    for server in made:
        server.close()


@pytest.fixture
def policy(tree, positions):
    return gate_policy()


@pytest.fixture
def ready(policy, tree):
    staff(policy, tree["GZ-TH"], 10, certified=9)
    return tree["GZ-TH"]


def _launch(policy, unit, user):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return launch_record(policy=policy, unit=unit, user=user, note="首批")


def test_a_launch_is_posted_signed_with_an_idempotency_key(
    policy, tree, ready, receiver
):
    server = receiver(200)
    endpoint = WebhookEndpoint.objects.create(name="BSS", url=server.url)
    record = _launch(policy, ready, officer(tree["GZ"]))
    [sent] = server.received
    body = json.loads(sent["body"])
    assert body["event"] == "launch" and body["data"]["reference"] == record.reference
    assert body["data"]["unit"] == "GZ-TH" and body["data"]["note"] == "首批"
    headers = sent["headers"]
    expected = webhook_signature(
        secret=endpoint.secret,
        timestamp=headers["X-Rollout-Timestamp"],
        body=sent["body"],
    )
    assert headers["X-Rollout-Signature"] == expected
    digest = hmac.new(
        endpoint.secret.encode(),
        headers["X-Rollout-Timestamp"].encode() + b"." + sent["body"],
        hashlib.sha256,
    ).hexdigest()
    assert expected == f"sha256={digest}"
    assert headers["Idempotency-Key"] == body["id"]
    assert headers["X-Rollout-Event"] == "launch"
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        "delivered",
        1,
        200,
    )


def test_failures_are_retried_with_backoff_under_the_same_key(
    policy, tree, ready, receiver
):
    server = receiver(500, 503, 200)
    WebhookEndpoint.objects.create(name="BSS", url=server.url)
    _launch(policy, ready, officer(tree["GZ"]))
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        "pending",
        1,
        500,
    )
    assert webhooks_sweep() == 0  # not due for a minute
    WebhookDelivery.objects.update(next_attempt_at=timezone.now())
    webhooks_sweep()
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.last_status_code) == (2, 503)
    assert delivery.next_attempt_at - timezone.now() > datetime.timedelta(minutes=4)
    WebhookDelivery.objects.update(next_attempt_at=timezone.now())
    webhooks_sweep()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("delivered", 3)
    keys = {sent["headers"]["Idempotency-Key"] for sent in server.received}
    assert len(server.received) == 3 and len(keys) == 1
    WebhookDelivery.objects.update(next_attempt_at=timezone.now())
    assert webhooks_sweep() == 0  # delivered: never sent again


def test_an_unreachable_endpoint_fails_after_the_last_attempt_and_the_launch_stands(
    policy, tree, ready
):
    WebhookEndpoint.objects.create(name="down", url="http://127.0.0.1:9/hook")
    record = _launch(policy, ready, officer(tree["GZ"]))
    for _ in range(MAX_ATTEMPTS):
        WebhookDelivery.objects.update(next_attempt_at=timezone.now())
        webhooks_sweep()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("failed", MAX_ATTEMPTS)
    assert delivery.last_status_code is None and delivery.last_error
    assert Launch.objects.get() == record


def test_a_rolled_back_launch_announces_nothing(policy, tree, ready, receiver):
    server = receiver(200)
    WebhookEndpoint.objects.create(name="BSS", url=server.url)
    with TestCase.captureOnCommitCallbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            launch_record(policy=policy, unit=ready, user=officer(tree["GZ"]))
            raise RuntimeError
    assert WebhookDelivery.objects.count() == 0 and server.received == []


def test_events_are_sent_only_to_subscribed_active_endpoints(
    policy, tree, ready, receiver
):
    launches, withdrawals = receiver(200), receiver(200)
    WebhookEndpoint.objects.create(name="L", url=launches.url, events=["launch"])
    WebhookEndpoint.objects.create(name="W", url=withdrawals.url, events=["withdrawal"])
    WebhookEndpoint.objects.create(name="off", url=launches.url, is_active=False)
    user = officer(tree["GZ"])
    _launch(policy, ready, user)
    with TestCase.captureOnCommitCallbacks(execute=True):
        launch_withdraw(policy=policy, unit=ready, user=user, reason="故障")
    assert [json.loads(s["body"])["event"] for s in launches.received] == ["launch"]
    assert [json.loads(s["body"])["event"] for s in withdrawals.received] == [
        "withdrawal"
    ]


def test_a_fall_below_threshold_is_announced_once_per_fall(
    policy, tree, ready, receiver
):
    server = receiver(200)
    WebhookEndpoint.objects.create(
        name="watch", url=server.url, events=["below_threshold"]
    )
    _launch(policy, ready, officer(tree["GZ"]))
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert launches_watch() == 0
    for certificate in Certificate.objects.all()[:2]:
        certificate_revoke(certificate=certificate, user=None, reason="作弊")
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert launches_watch() == 1
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert launches_watch() == 0  # still below: said once
    [sent] = server.received
    body = json.loads(sent["body"])
    assert body["event"] == "below_threshold"
    assert body["data"]["overall"]["certified"] == 7
    assert [b["code"] for b in body["data"]["blockers"]] == ["GZ-TH"]


def test_administrators_register_endpoints_and_read_the_delivery_log(client, tree):
    from lms.roles import ADMINISTRATOR
    from tests.factories import UserFactory

    client.force_login(UserFactory(roles=[ADMINISTRATOR]))
    response = client.post(
        "/admin/webhooks/endpoints/new/",
        {
            "name": "BSS",
            "url": "https://bss.example/hooks/rollout",
            "events": ["launch", "withdrawal"],
            "secret": "s3cret-of-32-characters-at-least",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.events == ["launch", "withdrawal"]
    WebhookDelivery.objects.create(
        endpoint=endpoint, event="launch", payload={}, last_error="timed out"
    )
    listing = client.get("/admin/webhooks/deliveries/").content.decode()
    assert "BSS" in listing and "Pending" in listing
    client.force_login(officer(tree["GD"]))
    assert client.get("/admin/webhooks/deliveries/").status_code == 302
