"""The JSON API under ``/api/v1/``: one NinjaAPI, each app's router mounted
on it. The OpenAPI document is ``/api/v1/openapi.json``; the interactive
documentation (``/api/v1/docs``) is for signed-in staff."""

from __future__ import annotations

from functools import partial

from django.contrib.auth.decorators import login_required
from ninja import NinjaAPI
from ninja.errors import ValidationError
from ninja.openapi.views import openapi_view

from certificates.api import router as certificates_router
from lms.api import router as lms_router

api = NinjaAPI(
    title="Rollout Academy API",
    version="1",
    description=(
        "Readiness of service measures, launches, and certificate "
        "verification. See docs/api.md."
    ),
    urls_namespace="api",
    docs_url=None,  # served by docs_view, for signed-in people only
)
api.add_router("/certificates", certificates_router)
api.add_router("/", lms_router)


@api.exception_handler(ValidationError)
def invalid_request(request, error: ValidationError):
    """422 with one readable sentence and the errors (the body, a query
    parameter), the shape every 4xx answer of the API has: ``detail``."""
    where = "; ".join(
        f"{'.'.join(str(part) for part in item.get('loc', ()))}: {item.get('msg', '')}"
        for item in error.errors
    )
    return api.create_response(
        request,
        {"detail": f"Invalid request: {where}", "errors": error.errors},
        status=422,
    )


# The OpenAPI document stays public (integrations read it); the interactive
# documentation needs a sign-in.
docs_view = login_required(partial(openapi_view, api=api))
