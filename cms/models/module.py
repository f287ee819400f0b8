"""A policy's lessons."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import StreamField
from wagtail.models import Page

from cms.blocks import LessonBlock
from cms.forms import CoursePageForm
from cms.models.publishing import MaterialChange, PreviewInTheEditorsLanguage


class ModulePage(PreviewInTheEditorsLanguage, MaterialChange, Page):
    """A lesson: short enough to read on a phone between customers."""

    intro = models.TextField(_("introduction"), blank=True)
    minutes = models.PositiveSmallIntegerField(
        _("reading time (minutes)"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
    )
    body = StreamField(LessonBlock(), verbose_name=_("content"))

    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        FieldPanel("minutes"),
        FieldPanel("body"),
    ]
    edit_handler = MaterialChange.tabs((content_panels, _("Content")))

    parent_page_types = ["cms.PolicyPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("module")
        verbose_name_plural = _("modules")

    base_form_class = CoursePageForm

    def readable_slug(self, *, parent, code: str = "") -> str:
        """``module-1``, ``module-2``…: the module's place in its course."""
        siblings = list(
            parent.get_children().type(ModulePage).values_list("pk", flat=True)
        )
        place = (
            siblings.index(self.pk) + 1 if self.pk in siblings else len(siblings) + 1
        )
        return f"module-{place}"

    def __str__(self) -> str:
        return self.title
