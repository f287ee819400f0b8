"""Web servers and task workers must sign with one secret key.

django-q2 signs each queued task with ``SECRET_KEY``; a worker started with
another key rejects every task (``BadSignature``) and they are lost. So the
deployment's ``migrate`` records the fingerprint of its key (an HMAC of a
constant under the key, which does not reveal it; a process that enqueues a
task records it when nothing is recorded yet, and otherwise logs a warning
when its own differs), and ``manage.py qcluster`` compares its own before it
starts: on a difference it stops with a message saying what to do
(``lms/management/commands/qcluster.py``).

Changing the key on purpose: deploy it to the web servers and the workers,
run ``migrate`` (which records the new fingerprint), then start the workers.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

from django.db import DatabaseError
from django.utils import timezone
from django.utils.crypto import salted_hmac

from lms.models.deployment import SigningKey

logger = logging.getLogger(__name__)

NAME = "task-signing"
_SALT = "lms.services.signing_key"

# The fingerprint this process last recorded (one write per process and key).
_recorded: set[str] = set()


def key_fingerprint() -> str:
    return salted_hmac(_SALT, "fingerprint").hexdigest()[:16]


def _process() -> str:
    return f"{' '.join(sys.argv[:2])[:150]} (pid {os.getpid()})"


def signing_key_record(*, by: str | None = None) -> None:
    """Record this process's fingerprint (if it has not already)."""
    fingerprint = key_fingerprint()
    if fingerprint in _recorded:
        return
    SigningKey.objects.update_or_create(
        name=NAME,
        defaults={
            "fingerprint": fingerprint,
            "recorded_at": timezone.now(),
            "recorded_by": by or _process(),
        },
    )
    _recorded.add(fingerprint)


def signing_key_mismatch() -> SigningKey | None:
    """The recorded fingerprint when it is not this process's, else ``None``
    (also when nothing is recorded yet)."""
    recorded = SigningKey.objects.filter(name=NAME).first()
    if recorded is None or recorded.fingerprint == key_fingerprint():
        return None
    return recorded


def record_after_migrate(sender: Any, app_config: Any = None, **kwargs: Any) -> None:
    """``migrate`` (a deployment) records its key: the one that counts. Not
    when migrating back past the table."""
    if app_config is None or app_config.label != "lms":
        return
    try:
        signing_key_record(by="migrate")
    except DatabaseError:
        logger.info("No signing key table (yet): fingerprint not recorded.")


def record_before_enqueue(sender: Any, **kwargs: Any) -> None:
    """django-q2's ``pre_enqueue``: record the key when nothing is recorded
    yet; otherwise say once, in the log, that this process signs with another
    key than the one recorded (its tasks would be refused by the workers).
    Never stops an enqueue."""
    fingerprint = key_fingerprint()
    if fingerprint in _recorded:
        return
    try:
        recorded = SigningKey.objects.filter(name=NAME).first()
        if recorded is None:
            signing_key_record()
            return
    except DatabaseError:
        return
    _recorded.add(fingerprint)  # checked once per process and key
    if recorded.fingerprint != fingerprint:
        logger.warning(
            "This process signs tasks with another DJANGO_SECRET_KEY (fingerprint "
            "%s) than the one recorded by %s (%s): the task workers will refuse "
            "its tasks. Give the web servers and workers the same key.",
            fingerprint,
            recorded.recorded_by,
            recorded.fingerprint,
        )
