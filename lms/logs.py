"""Logging filters of the project (``settings.LOGGING``)."""

from __future__ import annotations

import logging
import re

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


# The admin's create and edit views of pages and snippets (Wagtail's
# autosave posts there).
_EDITOR_PATH = re.compile(r"^/admin/(pages|snippets)/(.*/)?(add|edit)/")


class QuietAutosave(logging.Filter):
    """Wagtail's autosave posts the editor's form every few seconds; while
    the form is not valid yet (a measure without its code), the answer is a
    400 with the validation errors as JSON, which the editor shows. That is
    the form at work, not a failing request: without this filter every
    attempt logged "Bad Request" twice (``django.request`` and the
    development server's ``django.server``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) != 400:
            return True
        request = getattr(record, "request", None)
        path = getattr(request, "path", None)
        if path is not None:  # django.request: the HttpRequest
            return not (
                request.method == "POST"
                and _EDITOR_PATH.match(path)
                and not request.accepts("text/html")
            )
        line = str(record.args[0]) if record.args else ""  # django.server
        method, _, rest = line.partition(" ")
        return not (method == "POST" and _EDITOR_PATH.match(rest.split(" ")[0]))
