"""The WSGI application (gunicorn ``config.wsgi``)."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()

# Everything loaded so far (Django, Wagtail, the project: about a million
# objects) lives as long as the process: out of the collector's sight, a
# full collection no longer walks it (one took ~100 ms in the middle of a
# readiness request; docs/decisions.md).
gc.freeze()
