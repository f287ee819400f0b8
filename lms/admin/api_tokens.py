"""API tokens in the admin (Settings → API tokens): Wagtail's own screens
(list, filter, shown-once creation, rename, revoke, last use, audit log),
with the owner picked through the user chooser (a select of every login
would list hundreds of thousands) and an optional expiry."""

from __future__ import annotations

import datetime

from django import forms
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.widgets import AdminDateInput
from wagtail.users.views import api_tokens

from lms.admin.choosers import UserChooserWidget
from lms.models import ApiTokenExpiry


class TokenForm(forms.Form):
    name = forms.CharField(
        max_length=255,
        label=_("Name"),
        help_text=_("What will use it, e.g. the BSS launch switch."),
    )
    user = forms.ModelChoiceField(
        queryset=None,
        label=_("Acts as"),
        widget=UserChooserWidget,
        help_text=_(
            "The token has this user's permissions and scopes: create a user "
            "for each integration, with only the role it needs."
        ),
    )
    expires_on = forms.DateField(
        required=False,
        label=_("Expires on"),
        widget=AdminDateInput,
        help_text=_("Optional: the token stops working at the start of this day."),
    )

    def __init__(self, *args, manageable_users, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = manageable_users

    def clean_expires_on(self):
        day = self.cleaned_data.get("expires_on")
        if day is not None and day <= timezone.localdate():
            raise forms.ValidationError(_("Choose a day after today."))
        return day


class TokenCreateView(api_tokens.CreateView):
    @transaction.atomic
    def form_valid(self, form):
        response = super().form_valid(form)
        day = form.cleaned_data.get("expires_on")
        if day is not None:
            ApiTokenExpiry.objects.create(
                token=self.object,
                expires_at=timezone.make_aware(
                    datetime.datetime.combine(day, datetime.time.min)
                ),
            )
        return response


class TokenViewSet(api_tokens.APITokenViewSet):
    add_view_class = TokenCreateView

    def get_form_class(self, for_update=False):
        if for_update:
            return super().get_form_class(for_update=True)
        return TokenForm


api_token_viewset = TokenViewSet("wagtailusers_api_tokens", url_prefix="api-tokens")
