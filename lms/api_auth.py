"""How the API knows who asks: Wagtail's API tokens (``Authorization:
Bearer wagtail_…``; shown once, stored as an HMAC digest, revocable, last
use recorded) with this project's optional expiry, or the session of a
signed-in person with Django's CSRF check on writes (django-ninja's
``SessionAuth``). A token acts as its owner: the owner's permissions and
scopes, nothing more; an inactive owner's tokens stop working."""

from __future__ import annotations

import datetime
import functools

from django.contrib.auth.models import AnonymousUser
from django.db import router
from django.utils import timezone
from ninja.security import SessionAuth
from wagtail.api.v3.auth import BearerTokenAuth
from wagtail.models import APIToken

from lms.auth import EMPLOYEE_COLUMNS, USER_COLUMNS, user_from_row
from lms.models import ApiTokenExpiry, Employee, User
from lms.sql import Columns, column, planned_cursor, table

_TOKEN = Columns(APIToken, "t")
_EXPIRY = Columns(ApiTokenExpiry, "x", fields=["expires_at"])


@functools.cache
def _token_sql(using: str, candidates: int) -> str:
    """The live token of one of ``candidates`` digests with its owner, the
    owner's active employee record and the token's expiry."""
    user_id = column(User, "id", using)
    digests = ", ".join(["%s"] * candidates)
    return (
        f"SELECT {_TOKEN.sql(using)}, {USER_COLUMNS.sql(using)}, "
        f"{EMPLOYEE_COLUMNS.sql(using)}, {_EXPIRY.sql(using)} "
        f"FROM {table(APIToken, using)} t "
        f"JOIN {table(User, using)} u "
        f"ON u.{user_id} = t.{column(APIToken, 'user', using)} "
        f"LEFT JOIN {table(Employee, using)} e "
        f"ON e.{column(Employee, 'user', using)} = u.{user_id} "
        f"AND e.{column(Employee, 'is_active', using)} "
        f"LEFT JOIN {table(ApiTokenExpiry, using)} x "
        f"ON x.{column(ApiTokenExpiry, 'token', using)} "
        f"= t.{column(APIToken, 'id', using)} "
        f"WHERE t.{column(APIToken, 'key_hash', using)} IN ({digests}) "
        f"AND t.{column(APIToken, 'revoked_at', using)} IS NULL"
    )


def token_read(token: str) -> tuple[APIToken, datetime.datetime | None] | None:
    """The live (not revoked) token ``token`` with its owner cached as
    ``api_token.user`` (and the owner's employee record, as the sign-in
    backend caches it), and its expiry: one statement (``lms.sql``; the
    launch systems poll)."""
    using = router.db_for_read(APIToken)
    digests = APIToken.candidate_key_hashes(token)
    with planned_cursor(using) as cursor:
        cursor.execute(_token_sql(using, len(digests)), digests)
        row = cursor.fetchone()  # key_hash is unique: one row at most
    if row is None:
        return None
    api_token = _TOKEN.build(row, 0, using)
    user = user_from_row(row, len(_TOKEN), using)
    APIToken.user.field.set_cached_value(api_token, user)
    (expires_at,) = _EXPIRY.values(
        row, len(_TOKEN) + len(USER_COLUMNS) + len(EMPLOYEE_COLUMNS), using
    )
    return api_token, expires_at


class TokenAuth(BearerTokenAuth):
    """Wagtail's token check, with this project's expiry and the owner's
    employee record read in the same statement (:func:`token_read`)."""

    def authenticate(self, request, token: str):
        found = token_read(token)
        api_token, expires_at = found if found is not None else (None, None)
        user = api_token.user if api_token is not None else None
        if not (user and user.is_active) or (
            expires_at is not None and expires_at <= timezone.now()
        ):
            # As Wagtail does: an invalid token is nobody, whatever the session.
            request.user = AnonymousUser()
            return None
        request.user = user
        self._touch_last_used(api_token)
        return api_token


API_AUTH = [TokenAuth(), SessionAuth()]
