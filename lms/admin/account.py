"""The admin's sign-out, by POST only."""

from __future__ import annotations

from django.http import HttpResponseNotAllowed
from wagtail.admin.views.account import LogoutView


class AdminLogoutView(LogoutView):
    """Wagtail's sign-out, routed ahead of Wagtail's own pattern for
    ``/admin/logout/``: Wagtail's answers a GET with 405 but deletes the
    session cookie all the same, so a link on another site would sign the
    person out of the browser while the session stays valid on the server.
    Here a GET changes nothing; a POST ends the session on the server
    (Django's ``logout`` flushes it) and in the browser."""

    def dispatch(self, request, *args, **kwargs):
        if request.method.lower() != "post":
            return HttpResponseNotAllowed(["POST"])
        return super().dispatch(request, *args, **kwargs)
