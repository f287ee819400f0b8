"""Webhooks in the admin (Settings): the endpoints administrators register
(URL, secret, events) and the delivery log (read-only: every attempt's
status code or error, the next retry)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy
from wagtail.admin.ui.tables import BooleanColumn, Column
from wagtail.admin.viewsets.model import ModelViewSet

from lms.admin.generic import InspectView
from lms.models import WebhookDelivery, WebhookEndpoint, WebhookEvent


class EndpointForm(forms.ModelForm):
    url = forms.URLField(
        label=gettext_lazy("URL"), max_length=500, assume_scheme="https"
    )
    events = forms.MultipleChoiceField(
        label=gettext_lazy("Events"),
        choices=WebhookEvent.choices,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["name", "url", "events", "secret", "is_active"]


class WebhookEndpointViewSet(ModelViewSet):
    model = WebhookEndpoint
    icon = "link-external"
    menu_label = gettext_lazy("Webhooks")
    url_prefix = "webhooks/endpoints"
    add_to_settings_menu = True
    add_to_reference_index = False
    copy_view_enabled = False
    inspect_view_enabled = True
    inspect_view_class = InspectView
    list_display = [
        "name",
        "url",
        BooleanColumn("is_active", label=gettext_lazy("Active")),
    ]

    def get_form_class(self, for_update: bool = False):
        return EndpointForm


class WebhookDeliveryViewSet(ModelViewSet):
    model = WebhookDelivery
    icon = "list-ul"
    menu_label = gettext_lazy("Webhook deliveries")
    url_prefix = "webhooks/deliveries"
    add_to_settings_menu = True
    add_to_reference_index = False
    copy_view_enabled = False
    inspect_view_enabled = True
    inspect_view_class = InspectView
    list_filter = ["status", "event", "endpoint"]
    inspect_view_fields = [
        "endpoint",
        "event",
        "idempotency_key",
        "status",
        "attempts",
        "last_status_code",
        "last_error",
        "next_attempt_at",
        "created_at",
        "delivered_at",
        "payload",
    ]

    @property
    def list_display(self) -> list:
        return [
            "endpoint",
            "event",
            "status",
            "attempts",
            Column("last_status_code", label=gettext_lazy("Last HTTP status")),
            "created_at",
            "next_attempt_at",
        ]

    # Read-only: nobody holds add or change permissions on deliveries.
    form_fields = ["status"]


webhook_viewsets = [
    WebhookEndpointViewSet("lms_webhooks"),
    WebhookDeliveryViewSet("lms_webhook_deliveries"),
]
