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
from wagtail.models import APIToken

from lms.models import ApiTokenExpiry


class TokenAuth(BearerTokenAuth):
    """Wagtail's token check, with this project's expiry read in the same
    query (the launch systems poll: one query per request, not two)."""

    def authenticate(self, request, token: str):
        api_token = (
            APIToken.objects.select_related("user", "expiry")
            .filter(
                key_hash__in=APIToken.candidate_key_hashes(token),
                revoked_at__isnull=True,
            )
            .first()
        )
        user = api_token.user if api_token is not None else None
        if not (user and user.is_active) or _expired(api_token):
            # As Wagtail does: an invalid token is nobody, whatever the session.
            request.user = AnonymousUser()
            return None
        request.user = user
        self._touch_last_used(api_token)
        return api_token


def _expired(api_token: APIToken) -> bool:
    try:
        expiry = api_token.expiry
    except ApiTokenExpiry.DoesNotExist:
        return False
    return expiry.expires_at <= timezone.now()


API_AUTH = [TokenAuth(), SessionAuth()]
