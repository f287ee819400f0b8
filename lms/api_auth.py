"""How the API knows who asks: Wagtail's API tokens (``Authorization:
Bearer wagtail_…``; shown once, stored as an HMAC digest, revocable, last
use recorded) with this project's optional expiry, or the session of a
signed-in person with Django's CSRF check on writes (django-ninja's
``SessionAuth``). A token acts as its owner: the owner's permissions and
scopes, nothing more; an inactive owner's tokens stop working."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from ninja.security import SessionAuth
from wagtail.api.v3.auth import BearerTokenAuth

from lms.models import ApiTokenExpiry


class TokenAuth(BearerTokenAuth):
    def authenticate(self, request, token: str):
        api_token = super().authenticate(request, token)
        if api_token is None:
            return None
        if ApiTokenExpiry.objects.filter(
            token=api_token, expires_at__lte=timezone.now()
        ).exists():
            request.user = AnonymousUser()
            return None
        return api_token


API_AUTH = [TokenAuth(), SessionAuth()]
