"""The launch gate's API under ``/api/v1/`` (docs/api.md).

What launch systems ask (``launch-status``), the readiness of a unit and the
units below it, the launch records, and the launch and withdrawal themselves
through ``lms.services.launches`` (409 with the blockers when refused).

Authentication (``lms.api_auth``): an API token (``Authorization: Bearer
wagtail_…``, acting as its owner) or the session of a signed-in person (CSRF
enforced on writes).
Reading needs ``lms.view_launch`` (managers, launch officers,
administrators); launching needs ``lms.add_launch``. Every unit asked about
must be inside the caller's scopes: 403 otherwise, 404 for an unknown code.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from ninja.responses import Status as Reply

from cms.models import PolicyPage
from lms.api_auth import API_AUTH
from lms.models import (
    AudiencePosition,
    AudienceUnit,
    OrgUnit,
    PositionThreshold,
)
from lms.selectors.launches import (
    launch_data,
    launch_status,
    launches_concerning,
    launches_in_force,
    launches_visible_to,
)
from lms.selectors.policies import policy_with_code
from lms.selectors.readiness import (
    blocker_data,
    readiness_data,
    readiness_for,
    thresholds_of,
)
from lms.selectors.scope import unit_visible_to, unit_with_code
from lms.services.launches import LaunchRefused, launch_record, launch_withdraw

READ_PERMISSION = "lms.view_launch"
MAX_DEPTH = 3


router = Router(tags=["launch gate"], auth=API_AUTH)


# --- Schemas -----------------------------------------------------------------------


class Problem(Schema):
    detail: str
    errors: list[dict] | None = Field(None, description="for 422: what is invalid")


class FiguresOut(Schema):
    assigned: int = Field(description="assigned and not exempt today")
    certified: int
    percent: float | None
    exempt: int = Field(0, description="left out of assigned (within the cap)")


class BlockerOut(FiguresOut):
    kind: str = Field(description="overall, unit or position")
    code: str
    name: str
    threshold: int
    missing: int = Field(description="certified staff still needed to clear it")


class UnitFiguresOut(FiguresOut):
    code: str
    name: str
    level: str
    depth: int


class PositionFiguresOut(FiguresOut):
    code: str
    name: str
    threshold: int | None


class ThresholdsOut(Schema):
    overall: int
    unit: int
    unit_level: str
    exemption_cap: int
    positions: dict[str, int]


class ReadinessOut(Schema):
    policy: str
    version: int
    unit: str
    at: datetime.datetime
    ready: bool
    nothing_to_train: bool
    thresholds: ThresholdsOut
    overall: FiguresOut
    units: list[UnitFiguresOut]
    positions: list[PositionFiguresOut]
    blockers: list[BlockerOut]


class LaunchOut(Schema):
    reference: str
    kind: str
    policy: str
    version: int
    unit: str
    unit_name: str
    at: datetime.datetime
    by: str
    note: str
    withdraws: str | None
    thresholds: dict
    snapshot: dict


class LaunchRefusalOut(Schema):
    detail: str
    reasons: list[str]
    blockers: list[BlockerOut]
    readiness: ReadinessOut | None
    conflict: LaunchOut | None


class LaunchStatusOut(Schema):
    policy: str
    unit: str
    launched: bool
    since: datetime.datetime | None
    through: str | None = Field(
        description="the unit whose launch covers this one (itself or above it)"
    )
    record: LaunchOut | None


class PolicySummaryOut(Schema):
    code: str
    title: str
    version: int
    live: bool


class PolicyOut(PolicySummaryOut):
    summary: str
    audience_positions: list[str]
    audience_units: list[str]
    thresholds: ThresholdsOut
    launch_not_before: datetime.date | None
    launch_target_date: datetime.date | None
    launched: list[LaunchOut]


class LaunchIn(Schema):
    unit: str = Field(min_length=1, max_length=32)
    note: str = Field("", max_length=2000)


class WithdrawIn(Schema):
    unit: str = Field(min_length=1, max_length=32)
    reason: str = Field(min_length=1, max_length=2000)


# --- Helpers -----------------------------------------------------------------------


def _require(request: HttpRequest, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise HttpError(403, _("You do not have the permission for this."))


def _policy(code: str) -> PolicyPage:
    policy = policy_with_code(code)
    if policy is None:
        raise HttpError(404, _("There is no policy %(code)s.") % {"code": code})
    return policy


def _unit(request: HttpRequest, code: str | None) -> OrgUnit:
    """The unit ``code`` (the top of the tree when empty), inside the
    caller's scopes."""
    unit = unit_with_code(code) if code else OrgUnit.get_first_root_node()
    if code and unit is None:
        raise HttpError(404, _("There is no unit %(code)s.") % {"code": code})
    if unit is None:
        raise HttpError(404, _("There is no organisation yet."))
    if not unit_visible_to(user=request.user, unit=unit):
        raise HttpError(403, _("%(unit)s is outside your scope.") % {"unit": unit.code})
    return unit


def _thresholds(policy: PolicyPage) -> dict:
    return thresholds_of(
        policy,
        dict(
            PositionThreshold.objects.filter(policy=policy).values_list(
                "position__code", "threshold"
            )
        ),
    )


# --- Endpoints ---------------------------------------------------------------------


@router.get("/policies", response=list[PolicySummaryOut], summary="List the policies")
def policies_list(request: HttpRequest):
    """Every policy (service measure), live or not, by code."""
    _require(request, READ_PERMISSION)
    return [
        {"code": p.code, "title": p.title, "version": p.version, "live": p.live}
        for p in PolicyPage.objects.order_by("code").only(
            "code", "title", "version", "live"
        )
    ]


@router.get(
    "/policies/{code}",
    response={200: PolicyOut, 403: Problem, 404: Problem},
    summary="A policy: audience, thresholds, version, where launched",
)
def policy_get(request: HttpRequest, code: str):
    _require(request, READ_PERMISSION)
    policy = _policy(code)
    return {
        "code": policy.code,
        "title": policy.title,
        "version": policy.version,
        "live": policy.live,
        "summary": policy.summary,
        "audience_positions": sorted(
            AudiencePosition.objects.filter(policy=policy).values_list(
                "position__code", flat=True
            )
        ),
        "audience_units": sorted(
            AudienceUnit.objects.filter(policy=policy).values_list(
                "unit__code", flat=True
            )
        ),
        "thresholds": _thresholds(policy),
        "launch_not_before": policy.launch_not_before,
        "launch_target_date": policy.launch_target_date,
        "launched": [
            launch_data(record)
            for record in launches_in_force(policy=policy).select_related("withdraws")
        ],
    }


@router.get(
    "/policies/{code}/readiness",
    response={200: ReadinessOut, 403: Problem, 404: Problem},
    summary="Readiness of a unit and the units below it, with the blockers",
)
def policy_readiness(
    request: HttpRequest,
    code: str,
    unit: str | None = None,
    depth: int = Query(1, ge=0, le=MAX_DEPTH),
):
    """``unit`` (default: the whole group) and ``depth`` levels below it.
    The blockers cover every unit of the scope at the threshold level,
    whatever the depth shown."""
    _require(request, READ_PERMISSION)
    policy = _policy(code)
    scope = _unit(request, unit)
    data = readiness_data(readiness_for(policy=policy, scope=scope, depth=depth))
    # The launch systems' most frequent call: written as JSON directly, not
    # validated again against ``ReadinessOut`` on every request (a province
    # at depth 2 is some 100 units; validating them cost as much as
    # computing them). ``readiness_data`` is the one source of this shape,
    # and the tests validate it against the OpenAPI document.
    return JsonResponse(data)


@router.get(
    "/policies/{code}/launch-status",
    response={200: LaunchStatusOut, 403: Problem, 404: Problem},
    summary="Is the measure launched in this unit?",
)
def policy_launch_status(request: HttpRequest, code: str, unit: str):
    """Launched here or not, since when and by which record (its own launch
    or one of a unit above it): the question launch systems ask."""
    _require(request, READ_PERMISSION)
    status = launch_status(policy=_policy(code), unit=_unit(request, unit))
    record = status.record
    return {
        "policy": code,
        "unit": status.unit.code,
        "launched": status.launched,
        "since": status.since,
        "through": record.unit_code if record else None,
        "record": launch_data(record) if record else None,
    }


@router.get(
    "/launches",
    response={200: list[LaunchOut], 403: Problem, 404: Problem},
    summary="Launch and withdrawal records",
)
def launches_list(
    request: HttpRequest,
    policy: str | None = None,
    unit: str | None = None,
    since: datetime.datetime | None = None,
    limit: int = Query(100, ge=1, le=1000),
):
    """Newest first. ``unit``: the records that cover it or lie inside it.
    Records outside the caller's scopes (and not above them) are left out."""
    _require(request, READ_PERMISSION)
    records = launches_visible_to(user=request.user)
    if policy:
        records = records.filter(policy=_policy(policy))
    if unit:
        records = records.filter(launches_concerning(paths=[_unit(request, unit).path]))
    if since:
        records = records.filter(at__gte=since)
    return [launch_data(record) for record in records.order_by("-at", "-pk")[:limit]]


def _refusal(refused: LaunchRefused):
    readiness = refused.readiness
    return Reply(
        409,
        {
            "detail": str(refused),
            "reasons": refused.reasons,
            "blockers": [blocker_data(b) for b in readiness.blockers]
            if readiness
            else [],
            "readiness": readiness_data(readiness) if readiness else None,
            "conflict": launch_data(refused.conflict) if refused.conflict else None,
        },
    )


_WRITE_RESPONSES = {
    200: LaunchOut,
    403: Problem,
    404: Problem,
    409: LaunchRefusalOut,
    422: Problem,
}


@router.post(
    "/policies/{code}/launch",
    response=_WRITE_RESPONSES,
    summary="Launch the measure in a unit's subtree",
)
def policy_launch(request: HttpRequest, code: str, body: LaunchIn):
    """Re-evaluates readiness at once and records the launch, or answers
    409 with the reasons and the blockers (nothing recorded). There is no
    way to force it."""
    return _write(request, code, body.unit, launch_record, note=body.note)


@router.post(
    "/policies/{code}/withdraw",
    response=_WRITE_RESPONSES,
    summary="Withdraw the launch in force in a unit",
)
def policy_withdraw(request: HttpRequest, code: str, body: WithdrawIn):
    return _write(request, code, body.unit, launch_withdraw, reason=body.reason)


def _write(request, code: str, unit_code: str, service, **values):
    _require(request, "lms.add_launch")
    policy = _policy(code)
    unit = _unit(request, unit_code)
    try:
        record = service(policy=policy, unit=unit, user=request.user, **values)
    except PermissionDenied as error:
        return Reply(403, {"detail": str(error)})
    except ValidationError as error:
        return Reply(422, {"detail": " ".join(error.messages)})
    except LaunchRefused as refused:
        return _refusal(refused)
    return launch_data(record)
