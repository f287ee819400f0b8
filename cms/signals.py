"""Receivers of the ``cms`` app, connected in ``CmsConfig.ready``."""

from __future__ import annotations

from typing import Any

from wagtail.signals import page_published

from cms.models import ModulePage, PolicyPage, QuizPage
from cms.services import policy_version_publish


def course_page_published(sender: Any, instance, revision=None, **kwargs: Any) -> None:
    user = getattr(revision, "user", None)
    policy_version_publish(page=instance, revision=revision, user=user)


def connect() -> None:
    for model in (PolicyPage, ModulePage, QuizPage):
        page_published.connect(
            course_page_published, sender=model, dispatch_uid=f"version-{model}"
        )
