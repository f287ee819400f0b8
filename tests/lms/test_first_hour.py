"""Small things a person notices in the first hour (issue 13): scores read
without useless decimals, the wait between attempts is in the rules."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from lms.templatetags.lms_format import score
from tests.lms.test_attempts import build_course, enrol, pool
from tests.lms.test_standing import fail_once

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("60.00"), "60"),
        (Decimal("87.50"), "87.5"),
        (Decimal("83.33"), "83.33"),
        (Decimal("100.00"), "100"),
        (Decimal("0.00"), "0"),
        (None, ""),
    ],
)
def test_a_score_reads_without_useless_decimals(value, shown):
    with translation.override("en"):
        assert score(value) == shown


def test_the_result_and_the_rules_say_the_score_and_the_wait_plainly(tree, positions):
    policy = build_course(questions=pool(2), attempt_wait_minutes=30, pass_mark=80)
    employee = enrol(policy)
    attempt = fail_once(employee, policy)
    client = Client()
    client.force_login(employee.user)
    result = client.get(reverse("quiz_attempt", args=[attempt.pk])).content.decode()
    assert "Not passed: 0% (pass mark 80%)." in result
    for url in (policy.url, policy.quiz().url):
        page = client.get(url).content.decode()
        assert "the next one opens 30 minutes later" in page, url
