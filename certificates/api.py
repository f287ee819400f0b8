"""``GET /api/v1/certificates/{serial}``: the public verification as JSON
(the same facts as the page, ``certificates.verification``)."""

from __future__ import annotations

import datetime

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.responses import Status as Reply

from certificates.serials import SerialError, serial_normalise
from certificates.verification import (
    Status,
    certificate_verification,
    miss_record,
    misses_exhausted,
)

router = Router(tags=["certificates"])


class CertificateOut(Schema):
    serial: str
    status: Status
    holder: str
    region: str
    policy_code: str
    policy_title: str
    version: int
    issued_on: datetime.date
    expires_on: datetime.date | None
    revoked_on: datetime.date | None
    superseded_by: str | None


class Problem(Schema):
    detail: str


@router.get(
    "/{serial}",
    response={200: CertificateOut, 400: Problem, 404: Problem, 429: Problem},
    auth=None,
    summary="Verify a certificate",
)
def certificate_get(request: HttpRequest, serial: str):
    """Whether the certificate ``serial`` is valid, expired, revoked,
    superseded or no longer accepted, for whom (name partly masked; province
    and city) and for which measure. The serial may be typed loosely (lower
    case, without dashes, O for 0); ``serial`` in the answer is its printed
    form."""
    if misses_exhausted(request):
        return Reply(429, {"detail": _("Too many unknown serials from this address.")})
    try:
        printed = serial_normalise(serial)
    except SerialError as error:
        miss_record(request)
        if error.typo:
            return Reply(
                400, {"detail": _("The serial's check character does not match.")}
            )
        return Reply(404, {"detail": _("Not a certificate serial.")})
    verification = certificate_verification(serial=printed)
    if verification is None:
        miss_record(request)
        return Reply(404, {"detail": _("No certificate has this serial.")})
    return Reply(200, verification)
