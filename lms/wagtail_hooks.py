"""How ``lms`` extends the Wagtail admin: the "Organisation" menu (units,
employees, positions, manager scopes, HR imports), the unit and user choosers,
and the organisation summary on the admin's home page."""

from __future__ import annotations

from django.apps import apps
from django.contrib import messages
from django.contrib.auth.models import Permission
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.site_summary import SummaryItem

from certificates.models import Certificate
from cms.models import CatalogPage, ModulePage, PolicyPage, QuizPage
from lms.admin import certificates, exemptions, launches, stats
from lms.admin.api_tokens import api_token_viewset
from lms.admin.choosers import org_unit_chooser_viewset, user_chooser_viewset
from lms.admin.viewsets import OrganisationViewSetGroup
from lms.admin.webhooks import webhook_viewsets
from lms.models import Employee, QuizAttempt, ScopedLogEntry
from lms.models.audit import SCOPED_MODELS
from lms.selectors import admin_summary
from lms.views import training
from lms.views.quiz import quiz_page_context

organisation = OrganisationViewSetGroup()


@hooks.register("register_permissions")
def register_import_permission():
    """Show "Can import organisation and staff files" and the launch
    permissions in the group editor."""
    return Permission.objects.filter(
        content_type__app_label="lms",
        codename__in=["run_import", "add_launch", "view_launch"],
    )


@hooks.register("register_admin_viewset")
def register_organisation_viewsets():
    return [
        org_unit_chooser_viewset,
        user_chooser_viewset,
        organisation,
        api_token_viewset,
        *webhook_viewsets,
    ]


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


@hooks.register("register_admin_urls")
def register_launch_urls():
    return launches.urlpatterns + exemptions.urlpatterns


@hooks.register("register_admin_menu_item")
def register_exemptions_menu_item():
    return exemptions.exemptions_menu_item()


@hooks.register("register_admin_menu_item")
def register_launch_gate_menu_item():
    return launches.launch_menu_items()[0]


@hooks.register("register_admin_menu_item")
def register_launch_records_menu_item():
    return launches.launch_menu_items()[1]


def _policies_with_records(page) -> bool:
    """Whether deleting ``page`` would delete a policy (or a quiz) whose
    attempts or certificates are the evidence of who was trained."""
    specific = page.specific
    if isinstance(specific, QuizPage):
        policies = PolicyPage.objects.filter(pk=page.get_parent().pk)
    else:
        policies = PolicyPage.objects.descendant_of(page, inclusive=True)
    ids = policies.values("pk")
    return (
        QuizAttempt.objects.filter(policy_id__in=ids).exists()
        or Certificate.objects.filter(policy_id__in=ids).exists()
    )


@hooks.register("before_delete_page")
def keep_course_pages_with_records(request, page):
    """A course that staff took is unpublished, never deleted: its attempts
    and certificates are the record of who was trained (a delete would fail
    on them anyway)."""
    if not isinstance(page.specific, (CatalogPage, PolicyPage, QuizPage)):
        return None
    if not _policies_with_records(page):
        return None
    messages.error(
        request,
        _(
            "“%(title)s” cannot be deleted: staff have quiz attempts or "
            "certificates of it, the record of who was trained. Unpublish it "
            "instead."
        )
        % {"title": page.get_admin_display_title()},
    )
    return redirect("wagtailadmin_pages:edit", page.pk)


@hooks.register("before_delete_user")
def keep_users_of_employees(request, user):
    """A login of an employee record goes with the employee: deactivate the
    employee (an HR import or the staff screen) instead of deleting it."""
    if not Employee.objects.filter(user=user).exists():
        return None
    messages.error(
        request,
        _(
            "“%(user)s” is the login of an employee record and cannot be "
            "deleted: deactivate the employee instead (Organisation → "
            "Employees, or the next HR import)."
        )
        % {"user": user.get_username()},
    )
    return redirect("wagtailusers_users:index")


@hooks.register("register_log_actions")
def register_scoped_log(actions):
    """Units, staff and what belongs to them log to ScopedLogEntry (read
    through the person's scopes: ``lms.models.audit``)."""
    for label in SCOPED_MODELS:
        actions.register_model(apps.get_model(label), ScopedLogEntry)


@hooks.register("register_log_actions")
def register_launch_actions(actions):
    actions.register_action(
        "lms.launch", gettext_lazy("Launch"), gettext_lazy("Measure launched")
    )
    actions.register_action(
        "lms.launch_withdraw",
        gettext_lazy("Withdraw launch"),
        gettext_lazy("Launch withdrawn"),
    )
    for action, label, message in (
        (
            "propose",
            gettext_lazy("Propose exemption"),
            gettext_lazy("Exemption proposed"),
        ),
        (
            "approve",
            gettext_lazy("Approve exemption"),
            gettext_lazy("Exemption approved"),
        ),
        (
            "reject",
            gettext_lazy("Reject exemption"),
            gettext_lazy("Exemption rejected"),
        ),
        ("end", gettext_lazy("End exemption"), gettext_lazy("Exemption ended early")),
    ):
        actions.register_action(f"lms.exemption_{action}", label, message)


@hooks.register("register_log_actions")
def register_signin_actions(actions):
    for action, label, message in (
        (
            "signin_unlock",
            gettext_lazy("Unlock sign-in"),
            gettext_lazy("Sign-in unlocked"),
        ),
        (
            "sessions_end",
            gettext_lazy("End all sessions"),
            gettext_lazy("Signed out of every session"),
        ),
        (
            "password_reset",
            gettext_lazy("Reset password"),
            gettext_lazy("Password set from a reset link"),
        ),
        (
            "two_factor_setup",
            gettext_lazy("Set up two-factor sign-in"),
            gettext_lazy("Two-factor sign-in set up"),
        ),
        (
            "two_factor_reset",
            gettext_lazy("Remove two-factor device"),
            gettext_lazy("Two-factor device removed"),
        ),
        (
            "activation_send",
            gettext_lazy("Send activation"),
            gettext_lazy("Activation e-mails sent"),
        ),
        (
            "activation_sheet",
            gettext_lazy("Print activation codes"),
            gettext_lazy("Activation codes printed"),
        ),
        (
            "activation_use",
            gettext_lazy("Activate account"),
            gettext_lazy("First password set by activation"),
        ),
    ):
        actions.register_action(f"lms.{action}", label, message)
