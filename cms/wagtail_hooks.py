"""Page serving rules of the ``cms`` app."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from wagtail import hooks

from cms.models import CatalogPage, ModulePage, PolicyPage, QuizPage

COURSE_PAGES = (CatalogPage, PolicyPage, ModulePage, QuizPage)


@hooks.register("before_serve_page")
def courses_need_a_login(page, request, serve_args, serve_kwargs):
    """Courses are for the group's staff: anonymous visitors are sent to log in."""
    if isinstance(page, COURSE_PAGES) and not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return None
