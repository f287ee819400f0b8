from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms.auth import LoginForm

from lms.services import signin

# The request attribute lms.ldap_auth sets when the directory did not answer
# (named here: that module needs the optional LDAP extra).
ldap_unavailable = "directory_unavailable"


class EmployeeNumberLoginForm(LoginForm):
    """Log in with the employee number (or an account name for non-staff users).

    Used by the site's login page and by the Wagtail admin's. Failed
    sign-ins are limited (``lms.services.signin``); ``locked`` names the lock
    that refused this one.
    """

    locked: signin.Lock | None = None

    error_messages = {
        **LoginForm.error_messages,
        "invalid_login": _(
            "This employee number and password do not match. Please try again."
        ),
        "directory_unavailable": _(
            "The company directory did not answer, so your password could not "
            "be checked. Please try again in a few minutes."
        ),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        username = self.fields["username"]
        username.label = _("Employee number")
        username.widget.attrs.update(
            {
                "placeholder": _("Enter your employee number"),
                "autocomplete": "username",
                "autocapitalize": "none",
            }
        )
        self.fields["password"].label = _("Password")
        self.fields["remember"].label = _("Remember me")

    def clean_username(self) -> str:
        return self.cleaned_data["username"].strip()

    def clean(self):
        """Django's check of the password, unless a lock stops it; a wrong
        password is counted against the account and the client's address
        (``lms.services.signin``)."""
        username = self.cleaned_data.get("username")
        if not username or not self.cleaned_data.get("password"):
            return self.cleaned_data
        lock = signin.signin_lock(self.request, username)
        if lock is not None:
            self.locked = lock
            raise forms.ValidationError(lock.message, code="locked")
        try:
            super().clean()
        except forms.ValidationError:
            if self.user_cache is None and getattr(
                self.request, ldap_unavailable, False
            ):
                # The directory (lms.ldap_auth) could not check the password:
                # not a wrong password, so not counted as one.
                raise forms.ValidationError(
                    self.error_messages["directory_unavailable"],
                    code="directory_unavailable",
                ) from None
            if self.user_cache is None:  # not an inactive account's refusal
                lock = signin.signin_failed(self.request, username)
                if lock is not None:
                    self.locked = lock
                    raise forms.ValidationError(lock.message, code="locked") from None
            raise
        signin.signin_succeeded(username)
        return self.cleaned_data

    def get_invalid_login_error(self):
        return forms.ValidationError(
            self.error_messages["invalid_login"], code="invalid_login"
        )


class PasswordResetRequestForm(forms.Form):
    """A forgotten password: the employee number, or the e-mail address the
    company holds."""

    login = forms.CharField(
        label=_("Employee number or e-mail address"),
        max_length=254,
        widget=forms.TextInput(
            attrs={"autocomplete": "username", "autocapitalize": "none"}
        ),
    )
