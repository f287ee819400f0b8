from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from wagtail.users.models import UserProfile

from lms.models import Employee, ManagerScope
from lms.roles import ROLE_LABELS
from lms.selectors import unit_lineage
from lms.services.two_factor import confirmed_device


@login_required
def my_account(request: HttpRequest) -> HttpResponse:
    """The signed-in person's own record: unit, position, roles and scopes."""
    employee = (
        Employee.objects.select_related("unit", "position")
        .filter(user=request.user)
        .first()
    )
    scopes = ManagerScope.objects.filter(user=request.user).select_related("unit")
    roles = [
        ROLE_LABELS.get(name, name)
        for name in request.user.groups.values_list("name", flat=True)
    ]
    return render(
        request,
        "lms/my_account.html",
        {
            "employee": employee,
            "lineage": unit_lineage(unit=employee.unit) if employee else [],
            "scopes": scopes,
            "roles": roles,
            "can_use_admin": request.user.has_perm("wagtailadmin.access_admin"),
            "can_change_password": request.user.has_usable_password(),
            "two_factor": confirmed_device(request.user) is not None,
            "language_form": LanguageForm(
                initial={"language": translation.get_language()}
            ),
        },
    )


class LanguageForm(forms.Form):
    language = forms.ChoiceField(
        label=gettext_lazy("Language"), choices=settings.LANGUAGES
    )


@require_POST
@login_required
def my_language(request: HttpRequest) -> HttpResponse:
    """The person's language, kept with their account (the administration
    and the e-mails they get follow it) and in the language cookie (this
    browser, at once)."""
    form = LanguageForm(request.POST)
    response = HttpResponseRedirect(reverse("my_account"))
    if not form.is_valid():
        messages.error(request, _("Choose one of the languages offered."))
        return response
    language = form.cleaned_data["language"]
    profile = UserProfile.get_for_user(request.user)
    profile.preferred_language = language
    profile.save(update_fields=["preferred_language"])
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        secure=settings.LANGUAGE_COOKIE_SECURE,
    )
    with translation.override(language):
        messages.success(request, _("Your language is saved."))
    return response


class MyPasswordView(LoginRequiredMixin, auth_views.PasswordChangeView):
    """Django's password change (the old password, then the new one twice,
    checked by the password validators), in the site's pages; the session
    stays signed in. Accounts signed in by the company's directory have no
    password here."""

    template_name = "lms/my_password.html"
    success_url = reverse_lazy("my_account")

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.has_usable_password():
            messages.error(request, _("This account has no password to change here."))
            return HttpResponseRedirect(reverse("my_account"))
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("Your password is changed."))
        return response
