"""The WSGI application (gunicorn ``config.wsgi``)."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()


def freeze_what_is_loaded() -> None:
    """Load every view (the URL modules import them; Django would on the
    first request) and put everything loaded so far — Django, Wagtail, the
    project: about a million objects that live as long as the process — out
    of the collector's sight: a full collection no longer walks it (one took
    ~100 ms in the middle of a readiness request; docs/decisions.md 21)."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imported for its side effect
    gc.freeze()


freeze_what_is_loaded()
