"""Writes of the ``certificates`` app.

``certificates`` imports no Python module of ``lms`` (nor of ``cms``): callers
pass model instances and plain values, and the relations are declared by
string in :mod:`certificates.models`.
"""

from __future__ import annotations

import calendar
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from certificates.models import Certificate


def add_months(moment: datetime, months: int) -> datetime:
    """``moment`` plus calendar months, on the local calendar (TIME_ZONE): the
    31st of a month ends on the last day of a shorter one."""
    local = timezone.localtime(moment)
    index = local.month - 1 + months
    year, month = local.year + index // 12, index % 12 + 1
    day = min(local.day, calendar.monthrange(year, month)[1])
    naive = local.replace(tzinfo=None).replace(year=year, month=month, day=day)
    return timezone.make_aware(naive, local.tzinfo)


def certificate_new(
    *,
    employee: Any,
    policy: Any,
    attempt: Any,
    score: Decimal,
    issued_at: datetime | None = None,
) -> Certificate:
    """The certificate of a passed attempt (``lms.QuizAttempt``) of ``policy``
    (``cms.PolicyPage``, or any object with its ``pk``, ``code``, ``title``
    and ``certificate_validity_months``) for ``employee`` (``lms.Employee``),
    not yet saved (``lms.services.attempts.attempt_submit`` writes it in the
    statement or transaction that grades the attempt, so a pass and its
    certificate commit together): a new serial, the expiry from the policy's
    validity, and copies of the holder's name and number and the policy's
    code and title, so that the certificate shows what was certified after a
    rename."""
    issued_at = issued_at or timezone.now()
    months = policy.certificate_validity_months
    return Certificate(
        employee_id=employee.pk,
        policy_id=policy.pk,
        version=attempt.version,
        attempt_id=attempt.pk,
        score=score,
        issued_at=issued_at,
        expires_at=add_months(issued_at, months) if months else None,
        holder_name=employee.name,
        employee_no=employee.employee_no,
        policy_code=policy.code,
        policy_title=policy.title,
    )
