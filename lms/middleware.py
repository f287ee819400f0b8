"""The administration asks for the second factor (``lms.services.two_factor``):
after django-otp's ``OTPMiddleware``, a signed-in person who has an
authenticator app set up, or must have one, is sent to verify or set it up
before any page of ``/admin/`` (the sign-in, sign-out and the pages of the
second factor itself stay open)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import urlencode

from lms.services import two_factor

OPEN_ADMIN_PATHS = ("/admin/login/", "/admin/logout/", "/admin/jsi18n/")


class TwoFactorMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        redirect = self._redirect(request)
        return redirect or self.get_response(request)

    def _redirect(self, request: HttpRequest) -> HttpResponseBase | None:
        if settings.TWO_FACTOR == "off":
            return None
        path = request.path_info
        if not path.startswith(settings.CSP_ADMIN_PREFIX) or path.startswith(
            OPEN_ADMIN_PATHS
        ):
            return None
        user = request.user
        if not user.is_authenticated or two_factor.session_verified(request):
            return None
        if request.session.get(two_factor.NOT_ASKED) == user.pk:
            return None
        # A session from before the note was kept at sign-in: decided once.
        step = two_factor.note_step(request, user)
        if step is None:
            return None
        target = "two_factor_verify" if step == "verify" else "two_factor_setup"
        query = urlencode({"next": request.get_full_path()})
        return HttpResponseRedirect(f"{reverse(target)}?{query}")
