"""Receivers of the ``lms`` app, connected in ``LmsConfig.ready``.

Publishing or unpublishing a policy changes who must take it: its assignments
are synced by a task enqueued once the publication commits. A revocation
takes the readiness lock of its policy (``lms.services.locks``).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in
from wagtail.signals import page_published, page_unpublished

from certificates.models import Certificate
from certificates.signals import certificate_revoking
from cms.models import PolicyPage
from lms.services.assignments import assignments_sync_enqueue
from lms.services.locks import readiness_lock
from lms.services.two_factor import signed_in


def policy_published(sender: Any, instance: PolicyPage, **kwargs: Any) -> None:
    """A new live version: its audience rows are the ones in the database now."""
    assignments_sync_enqueue(policy_id=instance.pk)


def policy_unpublished(sender: Any, instance: PolicyPage, **kwargs: Any) -> None:
    """No longer live: every assignment of the policy is deactivated."""
    assignments_sync_enqueue(policy_id=instance.pk)


def certificate_revoked_soon(sender: Any, policy_id: int, **kwargs: Any) -> None:
    """A certificate of ``policy_id`` is about to stop counting: launches of
    that policy wait until the revocation commits."""
    readiness_lock(policy_ids=[policy_id])


def connect() -> None:
    user_logged_in.connect(signed_in, dispatch_uid="lms-two-factor-note")
    certificate_revoking.connect(
        certificate_revoked_soon,
        sender=Certificate,
        dispatch_uid="lms-readiness-lock-revocation",
    )
    page_published.connect(
        policy_published, sender=PolicyPage, dispatch_uid="lms-assignments-published"
    )
    page_unpublished.connect(
        policy_unpublished,
        sender=PolicyPage,
        dispatch_uid="lms-assignments-unpublished",
    )
