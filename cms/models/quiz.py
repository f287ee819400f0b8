"""A policy's quiz: the pool its attempts draw from.

The quiz does not import the policy (the policy imports the quiz): it asks its
parent page for the one thing it needs, how many questions an attempt draws
(:class:`DrawsQuestions`).
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import StreamField
from wagtail.models import Page

from cms.blocks import QuestionPoolBlock
from cms.models.publishing import (
    MaterialChange,
    PreviewInTheEditorsLanguage,
    PublicationRules,
)


@runtime_checkable
class DrawsQuestions(Protocol):
    """A page whose quiz draws this many questions per attempt (a policy)."""

    questions_per_attempt: int


class QuizPage(PreviewInTheEditorsLanguage, PublicationRules, MaterialChange, Page):
    """The question pool of a policy; every attempt draws from it."""

    intro = models.TextField(_("introduction"), blank=True)
    questions = StreamField(
        QuestionPoolBlock(), verbose_name=_("question pool"), blank=True
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        FieldPanel("questions"),
    ]
    edit_handler = MaterialChange.tabs((content_panels, _("Questions")))

    parent_page_types = ["cms.PolicyPage"]
    subpage_types: list[str] = []
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("quiz")
        verbose_name_plural = _("quizzes")

    def readable_slug(self, *, parent, code: str = "") -> str:
        return "quiz"

    def __str__(self) -> str:
        return self.title

    def pool_size(self) -> int:
        return len(self.questions)

    def publication_problems(self) -> list[str]:
        """Why this quiz cannot be published yet (empty when it can)."""
        parent = self.get_parent() if self.path else None
        policy = parent.specific if parent else None
        if policy is not None and not policy.live:
            # Not published yet: its latest revision says what it will draw
            # (autosave created its row early; later edits are revisions).
            policy = policy.get_latest_revision_as_object()
        if isinstance(policy, DrawsQuestions) and (
            len(self.questions) < policy.questions_per_attempt
        ):
            return [
                _(
                    "The policy draws %(draw)d questions per attempt: the pool "
                    "needs at least that many (it has %(pool)d)."
                )
                % {"draw": policy.questions_per_attempt, "pool": len(self.questions)}
            ]
        return []
