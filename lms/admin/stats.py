"""The question statistics screen of a quiz for trainers, and its buttons;
the figures come from ``lms.selectors.question_stats``."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin.ui.menus.pages import PageMenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from cms.models import QuizPage
from lms.selectors.question_stats import (
    CACHE_SECONDS,
    MIN_GROUP,
    quiz_question_stats_cached,
)

# --- The admin view and its buttons ----------------------------------------------


class QuizStatsView(WagtailAdminTemplateMixin, TemplateView):
    """The question statistics of one quiz; for users who may edit the page."""

    template_name = "lms/admin/quiz_stats.html"
    header_icon = "list-ul"
    page_title = gettext_lazy("Question statistics")

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        self.quiz = get_object_or_404(QuizPage, pk=kwargs["page_id"])
        if not self.quiz.permissions_for_user(request.user).can_edit():
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self) -> str:
        return self.quiz.title

    def get_breadcrumbs_items(self) -> list[dict]:
        return [
            *self.breadcrumbs_items,
            {
                "url": reverse("wagtailadmin_pages:edit", args=[self.quiz.pk]),
                "label": self.quiz.get_admin_display_title(),
            },
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["quiz"] = self.quiz
        context["stats"] = quiz_question_stats_cached(quiz=self.quiz)
        context["cache_minutes"] = CACHE_SECONDS // 60
        context["min_group"] = MIN_GROUP
        return context


urlpatterns = [
    path(
        "lms/quiz/<int:page_id>/stats/",
        QuizStatsView.as_view(),
        name="lms_quiz_stats",
    )
]


class QuizStatsButton(PageMenuItem):
    label = gettext_lazy("Question statistics")
    icon_name = "list-ul"
    url_name = "lms_quiz_stats"
    priority = 66

    def is_shown(self, user) -> bool:
        return self.page.permissions_for_user(user).can_edit()


def quiz_stats_buttons(page, user) -> list[PageMenuItem]:
    """The "Question statistics" button of a quiz page, for its editors."""
    if not issubclass(page.specific_class or object, QuizPage):
        return []
    button = QuizStatsButton(page=page)
    return [button] if button.is_shown(user) else []
