"""Issuing a certificate (``certificates.services.certificate_issue``)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, transaction

from certificates.models import Certificate
from certificates.services import add_months, certificate_issue
from cms.models import PolicyPage
from lms.services.attempts import attempt_start
from tests.lms.test_attempts import build_course, enrol, pool

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _attempt(**fields):
    policy = build_course(questions=pool(2), **fields)
    employee = enrol(policy)
    return policy, employee, attempt_start(employee=employee, policy=policy)


def test_a_certificate_copies_the_holder_and_the_policy_as_they_are_at_issue():
    policy, employee, attempt = _attempt(certificate_validity_months=24)
    issued = datetime.datetime(2026, 3, 10, 9, 30, tzinfo=SHANGHAI)

    certificate = certificate_issue(
        employee=employee,
        policy=policy,
        attempt=attempt,
        score=Decimal("90.00"),
        issued_at=issued,
    )
    employee.name = "改名"
    employee.save()
    PolicyPage.objects.filter(pk=policy.pk).update(title="Renamed")

    certificate = Certificate.objects.get(pk=certificate.pk)
    assert certificate.holder_name != "改名"
    assert certificate.employee_no == employee.employee_no
    assert (certificate.policy_code, certificate.policy_title) == (
        policy.code,
        policy.title,
    )
    assert certificate.version == attempt.version
    assert certificate.score == Decimal("90.00")
    assert certificate.issued_at == issued
    assert certificate.expires_at == datetime.datetime(
        2028, 3, 10, 9, 30, tzinfo=SHANGHAI
    )
    assert certificate.serial.startswith("RA-")


def test_a_policy_without_validity_issues_certificates_that_do_not_expire():
    policy, employee, attempt = _attempt(certificate_validity_months=None)

    certificate = certificate_issue(
        employee=employee, policy=policy, attempt=attempt, score=Decimal("100")
    )

    assert certificate.expires_at is None
    assert Certificate.objects.valid().filter(pk=certificate.pk).exists()


@pytest.mark.parametrize(
    ("issued", "months", "expires"),
    [
        ((2026, 1, 31), 1, (2026, 2, 28)),  # the end of a shorter month
        ((2027, 11, 30), 3, (2028, 2, 29)),  # a leap year
        ((2026, 12, 15), 1, (2027, 1, 15)),  # over the new year
        ((2026, 5, 31), 12, (2027, 5, 31)),
    ],
)
def test_validity_counts_calendar_months_on_the_local_calendar(issued, months, expires):
    # 23:30 in Shanghai is still the previous day in UTC: the local day counts.
    moment = datetime.datetime(*issued, 23, 30, tzinfo=SHANGHAI)
    assert add_months(moment, months) == datetime.datetime(
        *expires, 23, 30, tzinfo=SHANGHAI
    )


def test_an_attempt_yields_at_most_one_certificate_even_when_asked_twice():
    policy, employee, attempt = _attempt()
    certificate_issue(
        employee=employee, policy=policy, attempt=attempt, score=Decimal(100)
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        certificate_issue(
            employee=employee, policy=policy, attempt=attempt, score=Decimal(100)
        )

    assert Certificate.objects.count() == 1


def test_certificates_import_nothing_from_lms():
    import ast
    from pathlib import Path

    import certificates

    for path in Path(certificates.__file__).parent.rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            assert not any(n == "lms" or n.startswith("lms.") for n in names), path
