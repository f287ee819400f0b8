"""The second factor's pages (``lms.services.two_factor``): the six-digit code
after the password, and setting up an authenticator app."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from lms.services import signin, two_factor
from lms.views.signin import LOCKED_STATUS


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Six-digit code from your authenticator app"),
        max_length=10,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": "",
            }
        ),
    )


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("wagtailadmin_home")


def _answer(request, form, result, template, context) -> HttpResponse | None:
    """The page again after a wrong code or a lock; ``None`` on success."""
    if result is True:
        return None
    if isinstance(result, signin.Lock):
        form.add_error(None, result.message)
        status = LOCKED_STATUS
    else:
        form.add_error(
            "code", _("This code is not right. Enter the code the app shows now.")
        )
        status = 400
    return render(request, template, {**context, "form": form}, status=status)


@never_cache
@login_required
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    if two_factor.confirmed_device(request.user) is None:
        return HttpResponseRedirect(reverse("two_factor_setup"))
    context = {"next": _next(request)}
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = two_factor.two_factor_verify(
            request=request, code=form.cleaned_data["code"]
        )
        refused = _answer(request, form, result, "lms/two_factor/verify.html", context)
        if refused is not None:
            return refused
        return HttpResponseRedirect(context["next"])
    status = 400 if request.method == "POST" else 200
    return render(
        request, "lms/two_factor/verify.html", {**context, "form": form}, status=status
    )


@never_cache
@login_required
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    if two_factor.confirmed_device(request.user) is not None:
        messages.info(request, _("Two-factor sign-in is already set up."))
        return HttpResponseRedirect(reverse("my_account"))
    device = two_factor.two_factor_enrolment(user=request.user)
    context = {
        "next": _next(request),
        "qr": mark_safe(
            two_factor.qr_svg(
                device.config_url,
                label=_("A QR code to scan with the authenticator app"),
            )
        ),
        "secret": two_factor.secret_text(device),
        "required": two_factor.two_factor_required(request.user),
        "issuer": settings.OTP_TOTP_ISSUER,
    }
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = two_factor.two_factor_confirm(
            request=request, device=device, code=form.cleaned_data["code"]
        )
        refused = _answer(request, form, result, "lms/two_factor/setup.html", context)
        if refused is not None:
            return refused
        messages.success(
            request,
            _(
                "Two-factor sign-in is set up: the administration asks for a code "
                "from your app after your password."
            ),
        )
        return HttpResponseRedirect(context["next"])
    status = 400 if request.method == "POST" else 200
    return render(
        request, "lms/two_factor/setup.html", {**context, "form": form}, status=status
    )
