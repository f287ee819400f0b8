"""The activation pages: a printed code (with the employee number) or an
e-mailed link, then the first password; the person is signed in at the end.

The link's token and the code are checked once, then only the activation's id
is kept in the session (signed by Django) for the password step, as Django's
password reset does: the secret does not stay in the address bar, nor leak in
a Referer header.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.forms import SetPasswordForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from lms.services import activation as service
from lms.views.signin import LOCKED_STATUS

SESSION_KEY = "_activation_id"
BACKEND = "lms.auth.EmployeeBackend"


class CodeForm(forms.Form):
    employee_no = forms.CharField(
        label=gettext_lazy("Employee number"),
        max_length=150,
        widget=forms.TextInput(
            attrs={"autocomplete": "username", "autocapitalize": "none"}
        ),
    )
    code = forms.CharField(
        label=gettext_lazy("Activation code"),
        max_length=32,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autocapitalize": "characters",
                "placeholder": "ABCDE-FGHJK",
            }
        ),
    )


def _to_password_step(request: HttpRequest, activation) -> HttpResponse:
    request.session[SESSION_KEY] = activation.pk
    return HttpResponseRedirect(reverse("activation_password"))


@never_cache
@sensitive_post_parameters("code")
def activation_code(request: HttpRequest) -> HttpResponse:
    """The printed sheet's page: the employee number and the code."""
    form = CodeForm(request.POST or None, initial=request.GET.dict())
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            found = service.activation_from_code(
                request=request,
                employee_no=form.cleaned_data["employee_no"],
                code=form.cleaned_data["code"],
            )
        except service.ActivationRefused as refused:
            form.add_error(None, str(refused))
            status = LOCKED_STATUS if refused.locked else 400
        else:
            return _to_password_step(request, found)
    elif request.method == "POST":
        status = 400
    return render(request, "lms/activation/code.html", {"form": form}, status=status)


@never_cache
def activation_link(request: HttpRequest, token: str) -> HttpResponse:
    """The e-mailed link."""
    try:
        found = service.activation_from_link(token=token)
    except service.ActivationRefused as refused:
        return render(
            request, "lms/activation/refused.html", {"reason": str(refused)}, status=400
        )
    return _to_password_step(request, found)


@never_cache
@sensitive_post_parameters("new_password1", "new_password2")
def activation_password(request: HttpRequest) -> HttpResponse:
    """The first password, checked by the password validators; then signed
    in."""
    try:
        found = service.activation_pending(
            activation_id=request.session.get(SESSION_KEY)
        )
    except service.ActivationRefused as refused:
        request.session.pop(SESSION_KEY, None)
        return render(
            request, "lms/activation/refused.html", {"reason": str(refused)}, status=400
        )
    user = found.employee.user
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = service.activation_complete(
                activation_id=found.pk, password=form.cleaned_data["new_password1"]
            )
        except service.ActivationRefused as refused:
            return render(
                request,
                "lms/activation/refused.html",
                {"reason": str(refused)},
                status=400,
            )
        request.session.pop(SESSION_KEY, None)
        login(request, user, backend=BACKEND)
        messages.success(
            request,
            _("Your account is ready. Welcome, %(name)s.")
            % {"name": found.employee.name},
        )
        return HttpResponseRedirect(reverse("my_training"))
    return render(
        request,
        "lms/activation/password.html",
        {"form": form, "employee": found.employee},
        status=400 if request.method == "POST" else 200,
    )
