"""The review workflow's names in the reader's language.

Wagtail stores a workflow's and a task's name as text and prints it as is in
some thirty admin templates ("Submit to Course review", the task's tooltip,
the reports). The names this project creates (``lms.roles``) are kept in the
database as their English msgids and shown translated: each instance loaded
gets its name in the active language, and a name saved in any of the site's
languages is stored as the msgid again, so an English and a Chinese reader
see the same workflow under their own word. A name an administrator chose
is neither translated nor touched.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext, gettext_noop
from wagtail.models import GroupApprovalTask, Task, Workflow

REVIEW_WORKFLOW = gettext_noop("Course review")
REVIEW_TASK = gettext_noop("Approver review")
DEFAULT_NAMES = (REVIEW_WORKFLOW, REVIEW_TASK)


def _shown(sender: Any, instance, **kwargs: Any) -> None:
    """On load, and after a save: a default name in the active language."""
    if instance.name in DEFAULT_NAMES:
        instance.name = gettext(instance.name)


def _stored(sender: Any, instance, **kwargs: Any) -> None:
    """On save: a default name, in whatever language, as its msgid."""
    for msgid in DEFAULT_NAMES:
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                if instance.name == gettext(msgid):
                    instance.name = msgid
                    return


def connect() -> None:
    from django.db.models.signals import post_init, post_save, pre_save

    from cms.models.review import CourseReviewTask

    for model in (Workflow, Task, GroupApprovalTask, CourseReviewTask):
        uid = f"workflow-names-{model.__name__}"
        post_init.connect(_shown, sender=model, dispatch_uid=uid)
        pre_save.connect(_stored, sender=model, dispatch_uid=uid)
        post_save.connect(_shown, sender=model, dispatch_uid=uid)  # shown again
