"""The review workflow's names in the reader's language.

Wagtail stores a workflow's and a task's name as text and prints it as is in
some thirty admin templates ("Submit to Course review", the task's tooltip,
the reports). The names this project creates (``lms.roles``) are kept in the
database as their English msgids and shown translated: each instance loaded
gets its name in the active language, and a name saved in any of the site's
languages is stored as the msgid again, so an English and a Chinese reader
see the same workflow under their own word. A name an administrator chose
is neither translated nor touched.

:func:`names_translated` does the same for any model with a ``name``: the
role groups (``lms.roles``) use it too.
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


def _shower(names: tuple[str, ...]):
    def shown(sender: Any, instance, **kwargs: Any) -> None:
        """On load, and after a save: a default name in the active language."""
        if instance.name in names:
            instance.name = gettext(instance.name)

    return shown


def _storer(names: tuple[str, ...]):
    def stored(sender: Any, instance, **kwargs: Any) -> None:
        """On save: a default name, in whatever language, as its msgid
        (unless another row holds the msgid: a new row named like a default
        one keeps its name, rather than fail on a unique name)."""
        for msgid in names:
            for code, _name in settings.LANGUAGES:
                with translation.override(code):
                    if instance.name != gettext(msgid):
                        continue
                others = type(instance)._base_manager.filter(name=msgid)
                if instance.pk is not None:
                    others = others.exclude(pk=instance.pk)
                if instance.name == msgid or not others.exists():
                    instance.name = msgid
                return

    return stored


def names_translated(models, names: tuple[str, ...], uid: str) -> None:
    """Show the ``names`` (msgids) of instances of ``models`` (a ``name``
    field) in the reader's language, and store them as the msgids."""
    from django.db.models.signals import post_init, post_save, pre_save

    shown, stored = _shower(names), _storer(names)
    for model in models:
        key = f"{uid}-{model.__name__}"
        post_init.connect(shown, sender=model, dispatch_uid=key, weak=False)
        pre_save.connect(stored, sender=model, dispatch_uid=key, weak=False)
        post_save.connect(shown, sender=model, dispatch_uid=key, weak=False)


def connect() -> None:
    from cms.models.review import CourseReviewTask

    names_translated(
        (Workflow, Task, GroupApprovalTask, CourseReviewTask),
        DEFAULT_NAMES,
        "workflow-names",
    )
