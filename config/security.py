"""Response headers the browser enforces: the Content-Security-Policy of each
part of the site, the Permissions-Policy, private caching of personal pages;
and the neutralising of formulas in every CSV the site sends.

Two policies (``docs/decisions.md``, "One CSP for the site, one for the
admin"): the learner's pages, sign-in and verification run no inline script
and no inline style, so they get ``CONTENT_SECURITY_POLICY`` as the settings
give it (``'self'`` only, a nonce for any inline script a template may add
with ``{{ request.csp_nonce }}``). The Wagtail admin still renders a few
inline scripts (InlinePanel, date pickers) and many inline styles, and frames
its own preview: under ``CSP_ADMIN_PREFIX`` the directives of
``CSP_ADMIN_DIRECTIVES`` replace the site's, and nothing more.
"""

from __future__ import annotations

from csp.constants import HEADER
from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import patch_vary_headers

from lms.sheets import csv_neutralised


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with the admin's directives under its prefix.

    A page preview in the admin (the editor's preview panel, the workflow
    preview) is rendered by Wagtail through an inner request to the page's own
    address, which passes this middleware too and comes back with the site's
    policy, ``frame-ancestors 'none'``: the admin could not frame its own
    preview. Under the admin's prefix that header is dropped, and the admin's
    policy set in its place."""

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if _in_admin(request) and HEADER in response:
            del response[HEADER]
        return super().process_response(request, response)

    def get_policy_parts(
        self,
        request: HttpRequest,
        response: HttpResponseBase,
        report_only: bool = False,
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only and parts.replace is None and _in_admin(request):
            parts.replace = settings.CSP_ADMIN_DIRECTIVES
        return parts


def _in_admin(request: HttpRequest) -> bool:
    return request.path_info.startswith(settings.CSP_ADMIN_PREFIX)


class PermissionsPolicyMiddleware:
    """``Permissions-Policy``: no page of ours uses the camera, microphone,
    location, payment or USB, so none may, not even an embedded one."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


class PrivateCacheMiddleware:
    """What a signed-in person is shown is theirs: ``Cache-Control: private,
    no-store`` (no copy on a shared phone or in a proxy) unless the view set
    its own; and ``Vary: Cookie`` on every response that depends on who asks.
    Placed after the authentication middleware."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            if not response.has_header("Cache-Control"):
                response["Cache-Control"] = "private, no-store"
            patch_vary_headers(response, ("Cookie",))
        return response


class SpreadsheetSafeCsvMiddleware:
    """The CSV exports of Wagtail's reports and listings (``?export=csv``:
    the site history, page reports, the organisation listings) with
    formula-like cells neutralised and a byte-order mark
    (``lms.sheets.csv_neutralised``); our own exports write their cells
    through ``lms.sheets.cell`` already. A CSV *document* a trainer uploaded
    is sent as it is."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        content_type = response.get("Content-Type", "").split(";")[0].strip()
        if (
            content_type != "text/csv"
            or response.status_code != 200
            or request.GET.get("export") != "csv"
        ):
            return response
        if response.streaming:
            response.streaming_content = csv_neutralised(response.streaming_content)
        else:
            response.content = b"".join(csv_neutralised([response.content]))
        if response.streaming and response.has_header("Content-Length"):
            del response["Content-Length"]
        response["Content-Type"] = "text/csv; charset=utf-8"
        return response
