"""The WSGI application of the quiz load benchmark (``bench/quiz_load.py``).

The project's application, unchanged, plus one comparison view that is NOT in
the project's URLs: ``POST /bench/bare-write/`` inserts one row into the
``bench_hits`` table (created by the benchmark) and answers 200. It goes
through the same Django handler and the same middleware as every other request
(the request's ``urlconf`` is this module for that path only), so it is "a bare
Django view that writes one row" served by the same gunicorn processes.
"""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup(set_prefix=False)

from django.core.handlers.wsgi import WSGIHandler, WSGIRequest  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import HttpRequest, HttpResponse  # noqa: E402
from django.urls import path  # noqa: E402
from django.views.decorators.csrf import csrf_exempt  # noqa: E402
from django.views.decorators.http import require_POST  # noqa: E402

BARE_PATH = "/bench/bare-write/"


@csrf_exempt
@require_POST
def bare_write(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO bench_hits (at) VALUES (now())")
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path(BARE_PATH.strip("/") + "/", bare_write)]


class _Request(WSGIRequest):
    def __init__(self, environ):
        super().__init__(environ)
        if self.path_info == BARE_PATH:
            self.urlconf = __name__


class _Handler(WSGIHandler):
    request_class = _Request


application = _Handler()

from config.wsgi import freeze_what_is_loaded  # noqa: E402 - as the project serves

freeze_what_is_loaded()
