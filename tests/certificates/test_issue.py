"""Issuing a certificate: ``certificates.services.certificate_new`` makes the
row that the grading statement writes with a pass
(``lms.services.attempts.attempt_submit``)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, transaction

from certificates.models import Certificate
from certificates.services import add_months, certificate_new
from cms.models import PolicyPage
from lms.services.attempts import attempt_read, attempt_start, attempt_submit
from tests.lms.test_attempts import build_course, enrol, pool, right_answers

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _attempt(**fields):
    policy = build_course(questions=pool(2), **fields)
    employee = enrol(policy)
    return policy, employee, attempt_start(employee=employee, policy=policy)


def _pass(employee, attempt):
    owned = attempt_read(attempt_id=attempt.pk, employee=employee)
    return attempt_submit(owned=owned, answers=right_answers(attempt))


def test_a_certificate_copies_the_holder_and_the_policy_as_they_are_at_issue(clock):
    issued = datetime.datetime(2026, 3, 10, 9, 30, tzinfo=SHANGHAI)
    clock.now = issued
    policy, employee, attempt = _attempt(certificate_validity_months=24)

    certificate = _pass(employee, attempt).certificate
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
    assert certificate.score == Decimal("100.00")
    assert certificate.issued_at == issued
    assert certificate.expires_at == datetime.datetime(
        2028, 3, 10, 9, 30, tzinfo=SHANGHAI
    )
    assert certificate.serial.startswith("RA-")


def test_a_policy_without_validity_issues_certificates_that_do_not_expire():
    policy, employee, attempt = _attempt(certificate_validity_months=None)

    certificate = _pass(employee, attempt).certificate

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


def test_the_database_refuses_a_second_certificate_for_one_attempt():
    """The last guard of "one pass, one certificate": whatever the code
    does, ``Certificate.attempt`` is one-to-one."""
    policy, employee, attempt = _attempt()
    _pass(employee, attempt)
    again = certificate_new(
        employee=employee, policy=policy, attempt=attempt, score=Decimal(100)
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        again.save(force_insert=True)

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
