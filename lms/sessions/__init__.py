"""Session engines: Django's ``db`` and ``cached_db`` engines, reading a
session with SQL written once (``lms.sql``) instead of a compiled ORM query.

Every signed-in request reads its session first; this saves about a third of
a millisecond of CPU per request (``docs/benchmarks.md``). Writes, expiry and
``clearsessions`` are Django's, unchanged, except that a session may hold at
most ``settings.SESSION_MAX_BYTES`` (:meth:`RawReadMixin.encode`).
``settings.SESSION_ENGINE`` names ``lms.sessions.db`` (no Redis) or
``lms.sessions.cached_db`` (Redis).
"""

from __future__ import annotations

import functools
import logging

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.db import router
from django.utils import timezone

from lms.sql import Columns, column, planned_cursor, table


@functools.cache
def _columns(model) -> Columns:
    return Columns(model, "s")


@functools.cache
def _sql(model, using: str) -> str:
    return (
        f"SELECT {_columns(model).sql(using)} FROM {table(model, using)} s "
        f"WHERE s.{column(model, 'session_key', using)} = %s "
        f"AND s.{column(model, 'expire_date', using)} > %s"
    )


class SessionTooLarge(SuspiciousOperation):
    """A session that would hold more than ``SESSION_MAX_BYTES``."""


class RawReadMixin:
    """``_get_session_from_db`` of Django's ``db`` engine in one SELECT."""

    def _get_session_from_db(self):
        model = self.model
        using = router.db_for_read(model)
        try:
            key = self.session_key
            with planned_cursor(using) as cursor:
                cursor.execute(_sql(model, using), [key, timezone.now()])
                row = cursor.fetchone()
        except SuspiciousOperation as error:
            logger = logging.getLogger(f"django.security.{error.__class__.__name__}")
            logger.warning(str(error))
            row = None
        if row is None:
            self._session_key = None
            return None
        return _columns(model).build(row, 0, using)

    def encode(self, session_dict) -> str:
        """Django's encoding, refused beyond ``settings.SESSION_MAX_BYTES``:
        nothing the site keeps in a session comes near it, so a request that
        would store more is answered 400 and stores nothing."""
        encoded = super().encode(session_dict)
        if len(encoded) > settings.SESSION_MAX_BYTES:
            raise SessionTooLarge(
                f"The session would hold {len(encoded)} bytes "
                f"(at most {settings.SESSION_MAX_BYTES})."
            )
        return encoded
