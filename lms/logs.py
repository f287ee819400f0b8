"""Logging filters of the project (``settings.LOGGING``)."""

from __future__ import annotations

import logging

# Where Wagtail sends its review notifications from.
_MAIL_SOURCE = "wagtail/admin/mail.py"


class OneLineMailErrors(logging.Filter):
    """A mail server that refuses or cannot be reached is logged in one line
    (``Mail connection error, notification sending skipped:
    ConnectionRefusedError: [Errno 111] Connection refused``) instead of a
    traceback on every submission and approval: the cause is outside the
    code, and the line says it."""

    def filter(self, record: logging.LogRecord) -> bool:
        path = record.pathname.replace("\\", "/")
        if record.exc_info and path.endswith(_MAIL_SOURCE):
            error = record.exc_info[1]
            record.msg = f"{record.getMessage()}: {type(error).__name__}: {error}"
            record.args = ()
            record.exc_info = None
            record.exc_text = None
        return True
