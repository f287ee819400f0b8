"""Uploaded media (course images and their renditions) for signed-in staff.

Course pages need a sign-in, so the pictures in them do too: ``/media/`` is
served by :func:`media_serve` to signed-in people only, in development and in
production alike (never by ``django.conf.urls.static``). Documents are not
served here at all: they go through Wagtail's document view
(``/documents/<id>/<name>``), which checks who may read each one
(``cms.wagtail_hooks.documents_for_staff``).

In production, a web server in front can send the file once Django has
allowed it: with ``DJANGO_MEDIA_ACCEL_REDIRECT=/protected-media/`` the answer
is an empty response with ``X-Accel-Redirect`` (nginx: an ``internal``
location of that name aliased to ``MEDIA_ROOT``); without it, Django streams
the file itself.
"""

from __future__ import annotations

import mimetypes
import posixpath
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.views.decorators.http import require_safe
from django.views.static import serve

PRIVATE_PREFIXES = ("documents/",)


@require_safe
def media_serve(request: HttpRequest, path: str) -> HttpResponseBase:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    path = posixpath.normpath(path).lstrip("/")
    if path.lower().startswith(("..", *PRIVATE_PREFIXES)) or "\x00" in path:
        raise Http404
    accel = settings.MEDIA_ACCEL_REDIRECT
    if accel:
        if not (Path(settings.MEDIA_ROOT) / path).is_file():
            raise Http404
        response = HttpResponse()
        # Percent-encoded: a Chinese file name would otherwise be MIME-encoded
        # by Django and not found by nginx.
        response["X-Accel-Redirect"] = accel.rstrip("/") + "/" + quote(path)
        response["Content-Type"] = (
            mimetypes.guess_type(path)[0] or "application/octet-stream"
        )
    else:
        response = serve(request, path, document_root=settings.MEDIA_ROOT)
    response["X-Content-Type-Options"] = "nosniff"
    # An image's address changes with its file: the browser may keep it a day,
    # for this person only.
    response["Cache-Control"] = "private, max-age=86400"
    return response
