"""``/launches/<reference>/``: the public page confirming that a launch
record exists (the evidence PDF's QR code points here): its reference, the
measure, version, scope and date, and whether it is in force or withdrawn.
Nothing about people: not who launched it, not the note, not the figures."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from lms.models import Launch


@require_GET
@cache_control(no_cache=True, max_age=0)  # a withdrawal shows at once
def launch_confirm(request: HttpRequest, reference: str) -> HttpResponse:
    record = (
        Launch.objects.select_related("withdrawal", "withdraws")
        .filter(reference=reference.strip().upper()[:12])
        .first()
    )
    if record is None:
        raise Http404
    return render(
        request,
        "lms/launch_confirm.html",
        {"record": record, "withdrawal": getattr(record, "withdrawal", None)},
    )
