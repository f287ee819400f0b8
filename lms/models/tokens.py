"""An optional expiry for Wagtail's API tokens (``wagtailcore.APIToken``:
shown once, stored as a digest, revocable, last use recorded), which the
API's authentication (``lms.api_auth``) refuses after that moment."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ApiTokenExpiry(models.Model):
    token = models.OneToOneField(
        "wagtailcore.APIToken",
        on_delete=models.CASCADE,
        related_name="expiry",
        verbose_name=_("API token"),
    )
    expires_at = models.DateTimeField(_("expires"))

    class Meta:
        verbose_name = _("API token expiry")
        verbose_name_plural = _("API token expiries")

    def __str__(self) -> str:
        return f"{self.token} → {self.expires_at:%Y-%m-%d}"
