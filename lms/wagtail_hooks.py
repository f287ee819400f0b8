"""How ``lms`` extends the Wagtail admin: the "Organisation" menu (units,
employees, positions, manager scopes, HR imports), the unit and user choosers,
and the organisation summary on the admin's home page."""

from __future__ import annotations

from django.contrib.auth.models import Permission
from django.template.response import TemplateResponse
from django.urls import reverse
from wagtail import hooks
from wagtail.admin.site_summary import SummaryItem

from cms.models import ModulePage, PolicyPage, QuizPage
from lms.admin import certificates, stats
from lms.admin.choosers import org_unit_chooser_viewset, user_chooser_viewset
from lms.admin.viewsets import OrganisationViewSetGroup
from lms.selectors import admin_summary
from lms.views import training
from lms.views.quiz import quiz_page_context

organisation = OrganisationViewSetGroup()


@hooks.register("register_permissions")
def register_import_permission():
    """Show "Can import organisation and staff files" in the group editor."""
    return Permission.objects.filter(
        content_type__app_label="lms", codename="run_import"
    )


@hooks.register("register_admin_viewset")
def register_organisation_viewsets():
    return [org_unit_chooser_viewset, user_chooser_viewset, organisation]


class OrganisationSummaryItem(SummaryItem):
    """Units and active staff in the person's scope, and the last HR import."""

    order = 50
    template_name = "lms/admin/home/summary.html"

    def is_shown(self) -> bool:
        return self.request.user.has_perm("lms.view_employee")

    def get_context_data(self, parent_context):
        summary = admin_summary(user=self.request.user)
        last_import_url = None
        if summary.last_import is not None:
            last_import_url = reverse(
                "lms_imports:detail", args=[summary.last_import.pk]
            )
        return {
            "summary": summary,
            "units_url": reverse("lms_units:index"),
            "employees_url": reverse("lms_employees:index"),
            "last_import_url": last_import_url,
        }


@hooks.register("construct_homepage_summary_items")
def add_organisation_summary(request, items):
    items.append(OrganisationSummaryItem(request))


@hooks.register("before_serve_page")
def serve_course_pages_with_progress(page, request, serve_args, serve_kwargs):
    """Policy and module pages served to a logged-in user show their progress
    (modules read, the "I have read this module" button, where to continue).
    Anonymous visitors are left to ``cms``, which sends them to log in."""
    if not request.user.is_authenticated or request.method not in ("GET", "HEAD"):
        return None
    if isinstance(page, ModulePage):
        return training.module_page_response(request, page, serve_args, serve_kwargs)
    if isinstance(page, PolicyPage):
        return training.policy_page_response(request, page, serve_args, serve_kwargs)
    return None


@hooks.register("before_serve_page")
def quiz_page_with_attempts(page, request, serve_args, serve_kwargs):
    """A quiz page seen by a logged-in employee offers to start or resume an
    attempt, with the attempts left, the wait and the last result
    (``lms/quiz/quiz_page.html`` fills the page's ``quiz_actions`` block)."""
    if not isinstance(page, QuizPage) or not request.user.is_authenticated:
        return None
    policy = page.get_parent().specific
    extra = quiz_page_context(request=request, policy=policy)
    if extra is None:
        return None
    context = page.get_context(request, *serve_args, **serve_kwargs)
    context.update(extra)
    return TemplateResponse(request, "lms/quiz/quiz_page.html", context)


@hooks.register("register_admin_urls")
def register_quiz_stats_urls():
    return stats.urlpatterns


@hooks.register("register_page_header_buttons")
def quiz_stats_header_button(page, user, view_name=None, next_url=None):
    """The "Question statistics" button of a quiz page's header, for its editors."""
    return stats.quiz_stats_buttons(page, user)


@hooks.register("register_page_listing_more_buttons")
def quiz_stats_listing_button(page, user, next_url=None):
    return stats.quiz_stats_buttons(page, user)


@hooks.register("register_admin_urls")
def register_certificate_urls():
    return certificates.urlpatterns


@hooks.register("register_admin_menu_item")
def register_certificates_menu_item():
    return certificates.certificates_menu_item()
