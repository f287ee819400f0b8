"""``SESSION_ENGINE = "lms.sessions.cached_db"``: Django's cached database
sessions (read from the cache, written through to the database)."""

from django.contrib.sessions.backends import cached_db

from lms.sessions import RawReadMixin


class SessionStore(RawReadMixin, cached_db.SessionStore):
    pass
