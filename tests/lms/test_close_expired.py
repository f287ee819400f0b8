"""Attempts left open past their deadline are graded on the answers saved in
time (``lms.services.attempts.attempts_close_expired``, scheduled every five
minutes, or ``manage.py close_expired_attempts``)."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django_q.models import Schedule

from certificates.models import Certificate
from cms.models import PolicyPage
from lms.models import QuizAttempt
from lms.schedules import SCHEDULES, schedules_sync
from lms.services.attempts import (
    attempt_read,
    attempt_save,
    attempt_submit,
    attempts_close_expired,
)
from tests.lms.test_attempts import _start_all, pool, right_answers

pytestmark = pytest.mark.django_db


def test_an_attempt_past_its_deadline_is_graded_on_its_saved_answers(clock):
    policy, employee, attempt = _start_all(pool(2), time_limit_minutes=10)
    attempt_save(
        owned=attempt_read(attempt_id=attempt.pk, employee=employee),
        answers=right_answers(attempt),
    )
    clock.advance(minutes=10, seconds=31)

    assert attempts_close_expired() == 1

    attempt.refresh_from_db()
    assert attempt.submitted_at == clock.now
    assert attempt.score == Decimal("100.00")
    assert attempt.passed is True
    certificate = Certificate.objects.get(attempt=attempt)
    assert certificate.employee_id == employee.pk
    assert certificate.issued_at == clock.now


def test_an_unanswered_expired_attempt_fails_and_certifies_nobody(clock):
    policy, employee, attempt = _start_all(pool(2), time_limit_minutes=10)
    clock.advance(minutes=30)

    assert attempts_close_expired() == 1

    attempt.refresh_from_db()
    assert attempt.passed is False and attempt.score == Decimal("0.00")
    assert not Certificate.objects.exists()


def test_attempts_within_their_time_or_the_grace_or_without_a_limit_stay_open(clock):
    timed = _start_all(pool(2), time_limit_minutes=10)[2]
    untimed = _start_all(pool(2), code="SVC-2026-02")[2]
    clock.advance(minutes=10, seconds=29)  # the deadline plus less than the grace

    assert attempts_close_expired() == 0

    assert (
        QuizAttempt.objects.filter(pk__in=[timed.pk, untimed.pk])
        .filter(submitted_at__isnull=True)
        .count()
        == 2
    )


def test_an_attempt_of_an_earlier_version_is_closed_without_a_grade(clock):
    policy, employee, attempt = _start_all(pool(2), time_limit_minutes=10)
    PolicyPage.objects.filter(pk=policy.pk).update(version=2)
    clock.advance(minutes=20)

    assert attempts_close_expired() == 1

    attempt.refresh_from_db()
    assert attempt.submitted_at is not None
    assert attempt.score is None and attempt.passed is None
    assert not Certificate.objects.exists()


def test_an_attempt_of_an_unpublished_course_waits(clock):
    policy, employee, attempt = _start_all(pool(2), time_limit_minutes=10)
    policy.unpublish()
    clock.advance(minutes=20)

    assert attempts_close_expired() == 0

    attempt.refresh_from_db()
    assert attempt.submitted_at is None


def test_closing_an_attempt_its_owner_already_submitted_changes_nothing(clock):
    policy, employee, attempt = _start_all(pool(2), time_limit_minutes=10)
    attempt_submit(
        owned=attempt_read(attempt_id=attempt.pk, employee=employee),
        answers=right_answers(attempt),
    )
    graded = QuizAttempt.objects.get(pk=attempt.pk)
    clock.advance(minutes=20)

    assert attempts_close_expired() == 0

    again = QuizAttempt.objects.get(pk=attempt.pk)
    assert (again.submitted_at, again.score) == (graded.submitted_at, graded.score)
    assert Certificate.objects.count() == 1


def test_the_oldest_are_closed_first_and_the_limit_holds(clock):
    first = _start_all(pool(1), time_limit_minutes=5)[2]
    clock.advance(minutes=1)
    second = _start_all(pool(1), time_limit_minutes=5, code="SVC-2026-02")[2]
    clock.advance(minutes=30)

    assert attempts_close_expired(limit=1) == 1

    assert QuizAttempt.objects.get(pk=first.pk).submitted_at is not None
    assert QuizAttempt.objects.get(pk=second.pk).submitted_at is None
    assert attempts_close_expired() == 1


def test_the_command_says_how_many_it_closed(clock):
    _start_all(pool(1), time_limit_minutes=5)
    clock.advance(minutes=30)
    out = StringIO()

    call_command("close_expired_attempts", stdout=out)

    assert out.getvalue().strip() == "1 attempt(s) closed."


def test_the_schedules_exist_after_migrate_and_syncing_is_idempotent():
    expected = {
        "lms.tasks.attempts_close_expired": 5,
        "lms.tasks.certificates_render": 5,
        "lms.tasks.certificate_exports_sweep": 60,
        "lms.tasks.assignments_reopen_expired": 60 * 24,
        "lms.tasks.webhooks_sweep": 1,
        "lms.tasks.launches_watch": 15,
        "lms.tasks.import_jobs_sweep": 5,
        "lms.tasks.activation_batches_sweep": 5,
        "lms.tasks.readiness_refresh": 1,
    }
    schedules = Schedule.objects.filter(name__in=SCHEDULES)
    assert {s.func: s.minutes for s in schedules} == expected
    assert {s.schedule_type for s in schedules} == {Schedule.MINUTES}

    schedules_sync()
    schedules_sync()

    assert Schedule.objects.filter(name__in=SCHEDULES).count() == len(expected)
