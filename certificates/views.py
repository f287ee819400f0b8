"""The public verification page: ``/certificates/verify/<serial>/`` (the QR
code's target) and a form to type a serial. No sign-in, no JavaScript, in
the reader's language (the other one is a click away in the header)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from certificates.serials import SerialError, serial_normalise
from certificates.verification import (
    certificate_verification,
    miss_record,
    misses_exhausted,
)

# A revocation shows at once: browsers and proxies revalidate every time.
_FRESH = cache_control(no_cache=True, max_age=0)


def _refused(request: HttpRequest, message: str, *, status: int, serial: str = ""):
    return render(
        request,
        "certificates/verify.html",
        {"message": message, "typed": serial},
        status=status,
    )


@require_GET
@_FRESH
def certificate_verify_form(request: HttpRequest) -> HttpResponse:
    """``?serial=…`` from the form goes to that serial's page."""
    typed = request.GET.get("serial", "").strip()
    if typed:
        return redirect("certificate_verify", serial=typed[:64])
    return render(request, "certificates/verify.html", {})


@require_GET
@_FRESH
def certificate_verify(request: HttpRequest, serial: str) -> HttpResponse:
    if misses_exhausted(request):
        return _refused(
            request,
            _(
                "Too many serials that do not exist were looked up from here. "
                "Try again later."
            ),
            status=429,
            serial=serial,
        )
    try:
        printed = serial_normalise(serial)
    except SerialError as error:
        miss_record(request)
        if error.typo:
            message = _(
                "This serial has a typing mistake: one character is wrong or "
                "two are swapped. Check it against the certificate."
            )
            return _refused(request, message, status=400, serial=serial)
        message = _("“%(serial)s” is not a certificate serial.") % {"serial": serial}
        return _refused(request, message, status=404, serial=serial)
    if printed != serial:
        return HttpResponsePermanentRedirect(
            reverse("certificate_verify", args=[printed])
        )
    verification = certificate_verification(serial=printed)
    if verification is None:
        miss_record(request)
        message = _("No certificate has the serial %(serial)s.") % {"serial": printed}
        return _refused(request, message, status=404, serial=printed)
    return render(request, "certificates/verify.html", {"verification": verification})
