"""Signing in and out, and a forgotten password: Django's views, in the site's
pages, with the limits of ``lms.services.signin``."""

from __future__ import annotations

import functools

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse_lazy

from lms.forms import EmployeeNumberLoginForm, PasswordResetRequestForm
from lms.services import password_reset

# A refusal because of a lock is "too many requests", for scripts too.
LOCKED_STATUS = 429


class LockedStatusMixin:
    """A login view answering 429 when a sign-in lock refused the form."""

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if getattr(form, "locked", None) is not None:
            response.status_code = LOCKED_STATUS
        return response


class SignInView(LockedStatusMixin, auth_views.LoginView):
    """The site's sign-in, by employee number. Django's view: the session key
    is rotated at sign-in, and ``?next=`` leads only to this site. With single
    sign-on it offers the company's directory too, or alone
    (``SSO_ONLY``)."""

    authentication_form = EmployeeNumberLoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["sso"] = settings.SSO_ENABLED
        context["sso_only"] = settings.SSO_ONLY
        context["sso_label"] = settings.OIDC_LABEL
        return context

    def post(self, request, *args, **kwargs):
        if settings.SSO_ONLY:
            return HttpResponse(status=405)
        return super().post(request, *args, **kwargs)


class SignOutView(auth_views.LogoutView):
    """Sign-out ends the session by POST only (a link on another site cannot
    sign anyone out); a GET, from a bookmark or an old link, asks."""

    http_method_names = ["get", "post", "options"]

    def get(self, request, *args, **kwargs) -> HttpResponse:
        return render(request, "registration/logout_confirm.html")


class PasswordResetView(auth_views.PasswordResetView):
    """A forgotten password: the employee number or the e-mail address, and
    the same answer whether or not an account exists
    (``lms.services.password_reset``)."""

    form_class = PasswordResetRequestForm
    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form):
        outcome = password_reset.password_reset_request(
            request=self.request, login=form.cleaned_data["login"]
        )
        if outcome is password_reset.Outcome.TOO_MANY:
            form.add_error(None, password_reset.too_many_message())
            response = self.form_invalid(form)
            response.status_code = LOCKED_STATUS
            return response
        # FormView's redirect to the "sent" page: Django's form_valid would
        # send the e-mail here, in the request (the service's task does).
        return super(auth_views.PasswordResetView, self).form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """The link of the e-mail: a new password, checked by the validators.
    It also lifts a sign-in lock of the account."""

    success_url = reverse_lazy("password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        password_reset.password_reset_done(user=form.user)
        return response


def sso_only(view):
    """``view`` while single sign-on is configured; a 404 otherwise."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not settings.SSO_ENABLED:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


def sso_refused(request: HttpRequest) -> HttpResponse:
    """Where a refused single sign-on ends: the directory knew the person,
    this site has no active employee for them."""
    return render(request, "registration/sso_refused.html", status=403)
