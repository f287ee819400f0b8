"""The admin's sign-in (with the site's limits on failures) and sign-out (by
POST only), and an employee's sign-in page for administrators."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin.views.account import LoginView, LogoutView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from lms.admin.scope import visible_employees
from lms.models import Employee
from lms.services import signin, two_factor
from lms.views.signin import LockedStatusMixin

# Who may unlock an account and end its sessions: administrators.
MANAGE_SIGNIN = "lms.change_user"


class AdminLoginView(LockedStatusMixin, LoginView):
    """Wagtail's sign-in, answering 429 when a sign-in lock refuses it (the
    form, ``WAGTAILADMIN_USER_LOGIN_FORM``, counts the failures)."""


class AdminLogoutView(LogoutView):
    """Wagtail's sign-out, routed ahead of Wagtail's own pattern for
    ``/admin/logout/``: Wagtail's answers a GET with 405 but deletes the
    session cookie all the same, so a link on another site would sign the
    person out of the browser while the session stays valid on the server.
    Here a GET changes nothing; a POST ends the session on the server
    (Django's ``logout`` flushes it) and in the browser."""

    def dispatch(self, request, *args, **kwargs):
        if request.method.lower() != "post":
            return HttpResponseNotAllowed(["POST"])
        return super().dispatch(request, *args, **kwargs)


class EmployeeSigninView(
    PermissionRequiredMixin, WagtailAdminTemplateMixin, TemplateView
):
    """An employee's sign-in, for administrators (``lms.change_user``): the
    last sign-in, recent failures and a lock; unlock, and end every session
    (a lost phone). Employees outside the person's scopes are a 404."""

    template_name = "lms/admin/employee_signin.html"
    page_title = gettext_lazy("Sign-in and sessions")
    header_icon = "key"
    index_url_name = "lms_employees:index"
    edit_url_name = "lms_employees:edit"
    permission_required = MANAGE_SIGNIN
    raise_exception = True

    @cached_property
    def employee(self) -> Employee:
        employees = visible_employees(self.request).select_related("user")
        return get_object_or_404(employees, pk=self.kwargs["pk"])

    def get_page_subtitle(self) -> str:
        return f"{self.employee.employee_no} {self.employee.name}"

    def get_breadcrumbs_items(self) -> list[dict]:
        return [
            *self.breadcrumbs_items,
            {"url": reverse(self.index_url_name), "label": _("Employees")},
            {
                "url": reverse(self.edit_url_name, args=[self.employee.pk]),
                "label": self.get_page_subtitle(),
            },
            {"url": "", "label": self.page_title},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.employee.user
        context.update(
            employee=self.employee,
            account=user,
            state=signin.signin_state(user.get_username()),
            has_password=user.has_usable_password(),
            two_factor=two_factor.confirmed_device(user) is not None,
        )
        return context

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        user = self.employee.user
        action = request.POST.get("action")
        if action == "unlock":
            if signin.signin_unlock(user=user, by=request.user):
                messages.success(request, _("Sign-in is unlocked."))
            else:
                messages.info(request, _("Sign-in was not locked."))
        elif action == "remove_two_factor":
            if two_factor.two_factor_reset(user=user, by=request.user):
                messages.success(
                    request,
                    _(
                        "The two-factor device is removed: %(name)s sets up a new "
                        "one at the next sign-in."
                    )
                    % {"name": self.employee.name},
                )
            else:
                messages.info(request, _("There was no two-factor device."))
        elif action == "end_sessions":
            signin.user_sessions_end(user=user, by=request.user)
            if user.pk == request.user.pk:
                # Ending one's own sessions keeps this one.
                update_session_auth_hash(request, user)
            messages.success(
                request,
                _("%(name)s is signed out of every browser and device.")
                % {"name": self.employee.name},
            )
        else:
            return self.render_to_response(self.get_context_data(), status=400)
        return redirect(request.path)
