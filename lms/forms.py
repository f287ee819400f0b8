from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms.auth import LoginForm


class EmployeeNumberLoginForm(LoginForm):
    """Log in with the employee number (or an account name for non-staff users).

    Used by the site's login page and by the Wagtail admin's.
    """

    error_messages = {
        **LoginForm.error_messages,
        "invalid_login": _(
            "This employee number and password do not match. Please try again."
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

    def get_invalid_login_error(self):
        return forms.ValidationError(
            self.error_messages["invalid_login"], code="invalid_login"
        )
