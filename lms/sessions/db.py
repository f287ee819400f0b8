"""``SESSION_ENGINE = "lms.sessions.db"``: Django's database sessions."""

from django.contrib.sessions.backends import db

from lms.sessions import RawReadMixin


class SessionStore(RawReadMixin, db.SessionStore):
    pass
