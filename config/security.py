"""Response headers the browser enforces: the Content-Security-Policy of each
part of the site, and the Permissions-Policy.

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

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.http import HttpRequest, HttpResponseBase


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with the admin's directives under its prefix."""

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
