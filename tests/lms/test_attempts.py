"""Quiz attempts are drawn, graded and certified on the server
(``lms.services.attempts``): DESIGN invariants 3 (one pass, one certificate)
and 4 (correct answers never leave the server before submission)."""

from __future__ import annotations

import dataclasses
import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import formats, timezone

from certificates.models import Certificate
from cms.models import PolicyPage, QuizPage
from lms.models import Assignment, QuizAttempt
from lms.services.attempts import (
    AnswersRejected,
    AttemptNotFound,
    AttemptRefused,
    attempt_read,
    attempt_save,
    attempt_start,
    attempt_submit,
    review_visible,
)
from lms.services.attempts import grading as grading_module
from lms.services.progress import module_complete
from tests import factories
from tests.conftest import POSTGRES
from tests.factories import EmployeeFactory

pytestmark = pytest.mark.django_db


# --- Builders -------------------------------------------------------------------------


def single(qid: str, *, right: str = "a", options=("a", "b", "c"), weight: int = 1):
    """A single-choice question ``qid`` whose options have ids ``{qid}-{x}``."""
    return _choice("single", qid, {right}, options, weight)


def multiple(qid: str, *, right=("a", "b"), options=("a", "b", "c", "d"), weight=1):
    return _choice("multiple", qid, set(right), options, weight)


def true_false(qid: str, *, truth: str = "true", weight: int = 1):
    return {
        "type": "true_false",
        "id": qid,
        "value": {
            "text": f"Statement {qid}",
            "explanation": f"Explanation of {qid}",
            "weight": weight,
            "correct": truth,
        },
    }


def _choice(kind, qid, right, options, weight):
    return {
        "type": kind,
        "id": qid,
        "value": {
            "text": f"Question {qid}",
            "explanation": f"Explanation of {qid}",
            "weight": weight,
            "options": [
                {
                    "type": "item",
                    "id": f"{qid}-{option}",
                    "value": {"text": f"Option {option}", "correct": option in right},
                }
                for option in options
            ],
        },
    }


def pool(n: int) -> list[dict]:
    """``n`` single-choice questions q0…, the right option always "a"."""
    return [single(f"q{i}") for i in range(n)]


def build_course(*, questions: list[dict], draw: int | None = None, **fields):
    """A published policy (one module, a quiz with ``questions``)."""
    catalogue = factories.catalogue()
    policy = factories.course(
        catalogue,
        questions=0,
        draw=draw or len(questions),
        publish=False,
        **fields,
    )
    quiz = QuizPage.objects.child_of(policy).get()
    quiz.questions = questions
    quiz.save()
    for child in policy.get_children():
        child.specific.save_revision().publish()
    policy = PolicyPage.objects.get(pk=policy.pk)
    policy.save_revision().publish()
    return PolicyPage.objects.get(pk=policy.pk)


def enrol(policy: PolicyPage, *, employee=None, modules_done: bool = True):
    """An employee assigned to ``policy``, modules done unless told."""
    if employee is None:
        employee = EmployeeFactory(unit=_unit())
    now = timezone.now()
    Assignment.objects.create(
        employee=employee, policy=policy, assigned_at=now, due_on=now.date()
    )
    if modules_done:
        for module in policy.modules():
            module_complete(employee=employee, module=module)
    return employee


def right_answers(attempt: QuizAttempt, policy_pool=None) -> dict[str, list[str]]:
    from cms.quiz import quiz_pool

    pool_ = policy_pool or quiz_pool(revision_id=attempt.quiz_revision_id)
    return {qid: sorted(pool_[qid].correct_ids) for qid, _ in attempt.draw}


def wrong_answers(attempt: QuizAttempt) -> dict[str, list[str]]:
    from cms.quiz import quiz_pool

    pool_ = quiz_pool(revision_id=attempt.quiz_revision_id)
    answers = {}
    for qid, option_ids in attempt.draw:
        wrong = [o for o in option_ids if o not in pool_[qid].correct_ids]
        answers[qid] = wrong[:1]
    return answers


def row(attempt: QuizAttempt) -> dict:
    return QuizAttempt.objects.filter(pk=attempt.pk).values().get()


# --- The journey ----------------------------------------------------------------------


def test_an_assigned_employee_who_read_every_module_passes_and_is_certified():
    policy = build_course(
        questions=pool(4), draw=3, pass_mark=60, certificate_validity_months=12
    )
    employee = enrol(policy)

    attempt = attempt_start(employee=employee, policy=policy)
    assert attempt.number == 1
    assert attempt.version == policy.version
    assert attempt.quiz_revision_id == policy.quiz().live_revision_id
    assert attempt.deadline is None
    assert len(attempt.draw) == 3

    result = attempt_submit(
        owned=attempt_read(attempt_id=attempt.pk, employee=employee),
        answers=right_answers(attempt),
    )

    assert result.passed is True
    assert result.score == Decimal("100.00")
    assert result.submitted_at is not None
    certificate = Certificate.objects.get()
    assert certificate.attempt_id == attempt.pk
    assert (certificate.employee, certificate.policy) == (employee, policy)
    assert certificate.version == policy.version
    assert certificate.score == Decimal("100.00")
    assert certificate.issued_at == result.submitted_at
    assert certificate.holder_name == employee.name
    assert certificate.employee_no == employee.employee_no
    assert certificate.policy_code == policy.code
    assert certificate.policy_title == policy.title
    local_issue = timezone.localtime(certificate.issued_at)
    local_expiry = timezone.localtime(certificate.expires_at)
    assert (local_expiry.year, local_expiry.month) == (
        local_issue.year + 1,
        local_issue.month,
    )


def test_a_failed_attempt_issues_no_certificate():
    policy = build_course(questions=pool(2), pass_mark=60)
    employee = enrol(policy)
    attempt = attempt_start(employee=employee, policy=policy)

    result = attempt_submit(
        owned=attempt_read(attempt_id=attempt.pk, employee=employee),
        answers=wrong_answers(attempt),
    )

    assert (result.passed, result.score) == (False, Decimal("0.00"))
    assert not Certificate.objects.exists()


# --- Drawing --------------------------------------------------------------------------


def test_the_draw_takes_questions_from_the_live_revision_and_shuffles_their_options():
    questions = [single(f"q{i}", options=("a", "b", "c", "d", "e")) for i in range(8)]
    policy = build_course(questions=questions, draw=5)
    orders = set()
    for _ in range(12):
        employee = enrol(policy, employee=EmployeeFactory(unit=_unit()))
        attempt = attempt_start(employee=employee, policy=policy)
        assert len(attempt.draw) == 5
        assert len({qid for qid, _ in attempt.draw}) == 5
        for qid, option_ids in attempt.draw:
            assert qid in {f"q{i}" for i in range(8)}
            assert sorted(option_ids) == [f"{qid}-{x}" for x in "abcde"]
            orders.add(tuple(option_ids))
    # 60 shuffles of five options: they cannot all keep the authored order.
    assert len(orders) > 1


def test_true_false_options_are_shown_true_then_false():
    policy = build_course(questions=[true_false("t1"), true_false("t2")])
    attempt = attempt_start(employee=enrol(policy), policy=policy)
    assert [options for _, options in attempt.draw] == [["true", "false"]] * 2


def test_starting_again_resumes_the_open_attempt_with_the_same_draw():
    policy = build_course(questions=pool(6), draw=3)
    employee = enrol(policy)
    first = attempt_start(employee=employee, policy=policy)

    again = attempt_start(employee=employee, policy=policy)

    assert again.pk == first.pk
    assert again.draw == first.draw
    assert QuizAttempt.objects.count() == 1


def test_a_start_racing_another_returns_the_attempt_the_other_created(monkeypatch):
    """The unique constraint on open attempts settles a double click: the
    loser's insert fails and it returns the winner's attempt."""
    policy = build_course(questions=pool(3))
    employee = enrol(policy)
    first = attempt_start(employee=employee, policy=policy)
    real_standing = grading_module.standing_for

    def standing_before_the_other_committed(**kwargs):
        return dataclasses.replace(real_standing(**kwargs), open_attempt=None)

    monkeypatch.setattr(
        grading_module, "standing_for", standing_before_the_other_committed
    )

    again = attempt_start(employee=employee, policy=policy)

    assert again.pk == first.pk
    assert QuizAttempt.objects.count() == 1


def test_an_attempt_number_counts_the_attempts_of_the_version():
    policy = build_course(questions=pool(2), max_attempts=3)
    employee = enrol(policy)
    numbers = []
    for _ in range(3):
        attempt = attempt_start(employee=employee, policy=policy)
        numbers.append(attempt.number)
        attempt_submit(
            owned=attempt_read(attempt_id=attempt.pk, employee=employee),
            answers=wrong_answers(attempt),
        )
    assert numbers == [1, 2, 3]


# --- Refusals -------------------------------------------------------------------------


def _unit():
    from lms.models import OrgUnit

    unit = OrgUnit.objects.filter(code="GZ-TH").first()
    return unit or factories.build_tree()["GZ-TH"]


def test_start_is_refused_outside_the_audience():
    policy = build_course(questions=pool(2))
    outsider = EmployeeFactory(unit=_unit())

    with pytest.raises(AttemptRefused) as refused:
        attempt_start(employee=outsider, policy=policy)

    assert refused.value.status == 403
    assert "not assigned" in refused.value.message
    assert not QuizAttempt.objects.exists()


def test_start_is_refused_when_the_assignment_was_deactivated():
    policy = build_course(questions=pool(2))
    employee = enrol(policy)
    Assignment.objects.update(is_active=False)

    with pytest.raises(AttemptRefused):
        attempt_start(employee=employee, policy=policy)


def test_start_is_refused_until_every_module_is_done():
    policy = build_course(questions=pool(2))
    employee = enrol(policy, modules_done=False)

    with pytest.raises(AttemptRefused) as refused:
        attempt_start(employee=employee, policy=policy)

    assert "0 of 1" in refused.value.message
    assert not QuizAttempt.objects.exists()


def test_start_is_refused_once_every_attempt_is_used():
    policy = build_course(questions=pool(2), max_attempts=2)
    employee = enrol(policy)
    for _ in range(2):
        attempt = attempt_start(employee=employee, policy=policy)
        attempt_submit(
            owned=attempt_read(attempt_id=attempt.pk, employee=employee),
            answers=wrong_answers(attempt),
        )

    with pytest.raises(AttemptRefused) as refused:
        attempt_start(employee=employee, policy=policy)

    assert "all 2 attempts" in refused.value.message
    assert QuizAttempt.objects.count() == 2


def test_start_is_refused_during_the_wait_and_names_the_local_time_it_opens(clock):
    policy = build_course(questions=pool(2), attempt_wait_minutes=30)
    employee = enrol(policy)
    attempt = attempt_start(employee=employee, policy=policy)
    attempt_submit(
        owned=attempt_read(attempt_id=attempt.pk, employee=employee),
        answers=wrong_answers(attempt),
    )
    submitted = QuizAttempt.objects.get().submitted_at

    clock.advance(minutes=29)
    with pytest.raises(AttemptRefused) as refused:
        attempt_start(employee=employee, policy=policy)

    opens_at = refused.value.opens_at
    assert submitted + timedelta(minutes=30) <= opens_at
    assert opens_at < submitted + timedelta(minutes=31)
    # China time, written as every page writes a moment (DATETIME_FORMAT).
    assert formats.date_format(timezone.localtime(opens_at), "DATETIME_FORMAT") in (
        refused.value.message
    )
    assert timezone.localtime(opens_at).strftime("%H:%M") in refused.value.message

    clock.now = opens_at
    second = attempt_start(employee=employee, policy=policy)
    assert second.number == 2


def test_start_is_refused_when_already_certified_and_names_the_certificate():
    policy = build_course(questions=pool(2))
    employee = enrol(policy)
    attempt = attempt_start(employee=employee, policy=policy)
    attempt_submit(
        owned=attempt_read(attempt_id=attempt.pk, employee=employee),
        answers=right_answers(attempt),
    )

    with pytest.raises(AttemptRefused) as refused:
        attempt_start(employee=employee, policy=policy)

    assert "already certified" in refused.value.message
    assert refused.value.certificate == Certificate.objects.get()


# --- Grading --------------------------------------------------------------------------


def _start_all(questions, **fields):
    policy = build_course(questions=questions, **fields)
    employee = enrol(policy)
    return policy, employee, attempt_start(employee=employee, policy=policy)


def test_the_score_weighs_each_question():
    policy, employee, attempt = _start_all(
        [single("heavy", weight=3), single("light", weight=1)], pass_mark=70
    )

    result = attempt_submit(
        owned=attempt_read(attempt_id=attempt.pk, employee=employee),
        answers={"heavy": ["heavy-a"], "light": ["light-b"]},
    )

    assert result.score == Decimal("75.00")
    assert result.passed is True


def test_a_score_equal_to_the_pass_mark_passes_and_one_just_below_fails():
    questions = [single(f"q{i}") for i in range(3)]
    policy, employee, attempt = _start_all(questions, pass_mark=66)
    two_of_three = {"q0": ["q0-a"], "q1": ["q1-a"], "q2": ["q2-b"]}

    result = attempt_submit(
        owned=attempt_read(attempt_id=attempt.pk, employee=employee),
        answers=two_of_three,
    )

    assert result.score == Decimal("66.66")  # rounded down, never up to a pass
    assert result.passed is True
    PolicyPage.objects.filter(pk=policy.pk).update(pass_mark=67)
    other = enrol(policy, employee=EmployeeFactory(unit=_unit()))
    attempt = attempt_start(employee=other, policy=PolicyPage.objects.get(pk=policy.pk))
    result = attempt_submit(
        owned=attempt_read(attempt_id=attempt.pk, employee=other), answers=two_of_three
    )
    assert result.passed is False


@pytest.mark.parametrize(
    ("chosen", "right"),
    [
        (["m-a", "m-b"], True),
        (["m-b", "m-a"], True),
        (["m-a"], False),  # part of the right set is wrong
        (["m-a", "m-b", "m-c"], False),  # one too many is wrong
        ([], False),
    ],
)
def test_multiple_choice_is_right_only_for_exactly_the_right_set(chosen, right):
    policy, employee, attempt = _start_all([multiple("m")], pass_mark=50)

    result = attempt_submit(
        owned=attempt_read(attempt_id=attempt.pk, employee=employee),
        answers={"m": chosen},
    )

    assert result.passed is right
    assert result.score == (Decimal("100.00") if right else Decimal("0.00"))


def test_true_false_is_graded_on_the_chosen_statement():
    policy, employee, attempt = _start_all(
        [true_false("t", truth="false"), true_false("u", truth="true")], pass_mark=50
    )

    result = attempt_submit(
        owned=attempt_read(attempt_id=attempt.pk, employee=employee),
        answers={"t": ["false"], "u": ["false"]},
    )

    assert result.score == Decimal("50.00")


def test_unanswered_questions_count_as_wrong():
    policy, employee, attempt = _start_all(pool(4), pass_mark=50)

    result = attempt_submit(
        owned=attempt_read(attempt_id=attempt.pk, employee=employee),
        answers={"q0": ["q0-a"]},
    )

    assert result.score == Decimal("25.00")
    assert result.answers == {"q0": ["q0-a"]}


def test_grading_uses_the_revision_the_attempt_was_drawn_from():
    policy, employee, attempt = _start_all([single("q", right="a")], pass_mark=100)
    quiz = QuizPage.objects.get(pk=policy.quiz().pk)
    quiz.questions = [single("q", right="b")]
    quiz.save_revision().publish()

    result = attempt_submit(
        owned=attempt_read(attempt_id=attempt.pk, employee=employee),
        answers={"q": ["q-a"]},
    )

    assert result.passed is True


# --- Time limits ----------------------------------------------------------------------


def test_a_time_limit_sets_the_deadline(clock):
    policy, employee, attempt = _start_all(pool(2), time_limit_minutes=20)
    assert attempt.deadline == attempt.started_at + timedelta(minutes=20)
    assert attempt.started_at == clock.now


def test_a_submission_within_the_grace_after_the_deadline_is_graded_as_sent(clock):
    policy, employee, attempt = _start_all(pool(2), time_limit_minutes=10)
    clock.advance(minutes=10, seconds=25)

    result = attempt_submit(
        owned=attempt_read(attempt_id=attempt.pk, employee=employee),
        answers=right_answers(attempt),
    )

    assert result.score == Decimal("100.00")


def test_a_late_submission_grades_only_the_answers_saved_before_the_deadline(clock):
    policy, employee, attempt = _start_all(pool(2), time_limit_minutes=10)
    attempt_save(
        owned=attempt_read(attempt_id=attempt.pk, employee=employee),
        answers={"q0": ["q0-a"]},
    )
    clock.advance(minutes=11)

    result = attempt_submit(
        owned=attempt_read(attempt_id=attempt.pk, employee=employee),
        answers=right_answers(attempt),
    )

    assert result.answers == {"q0": ["q0-a"]}
    assert result.score == Decimal("50.00")


def test_answers_cannot_be_saved_after_the_deadline(clock):
    policy, employee, attempt = _start_all(pool(2), time_limit_minutes=10)
    attempt_save(
        owned=attempt_read(attempt_id=attempt.pk, employee=employee),
        answers={"q0": ["q0-b"]},
    )
    before = row(attempt)
    clock.advance(minutes=11)

    with pytest.raises(AttemptRefused) as refused:
        attempt_save(
            owned=attempt_read(attempt_id=attempt.pk, employee=employee),
            answers=right_answers(attempt),
        )

    assert "Time is up" in refused.value.message
    assert row(attempt) == before


def test_saved_answers_replace_the_earlier_ones_and_grade_nothing():
    policy, employee, attempt = _start_all(pool(2))
    attempt_save(
        owned=attempt_read(attempt_id=attempt.pk, employee=employee),
        answers={"q0": ["q0-b"]},
    )
    saved = attempt_save(
        owned=attempt_read(attempt_id=attempt.pk, employee=employee),
        answers={"q1": ["q1-a"]},
    )

    assert saved.answers == {"q1": ["q1-a"]}
    assert (saved.submitted_at, saved.score, saved.passed) == (None, None, None)


# --- Review ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "passed", "used", "max_attempts", "visible"),
    [
        ("submit", False, 1, 3, True),
        ("submit", True, 1, 3, True),
        ("pass", False, 3, 3, False),
        ("pass", True, 1, 3, True),
        ("last", False, 1, 3, False),
        ("last", False, 3, 3, True),
        ("last", True, 1, 3, True),
    ],
)
def test_correct_answers_are_shown_according_to_the_policy_rule(
    rule, passed, used, max_attempts, visible
):
    policy = PolicyPage(review_answers=rule, max_attempts=max_attempts)
    attempt = QuizAttempt(submitted_at=timezone.now(), passed=passed)
    assert review_visible(attempt=attempt, policy=policy, used=used) is visible


def test_no_review_of_an_attempt_in_progress():
    policy = PolicyPage(review_answers="submit", max_attempts=3)
    assert review_visible(attempt=QuizAttempt(), policy=policy, used=0) is False


# --- Nothing lost, nothing twice ------------------------------------------------------


def test_submitting_twice_gives_one_result_and_one_certificate():
    policy, employee, attempt = _start_all(pool(3))
    first = attempt_submit(
        owned=attempt_read(attempt_id=attempt.pk, employee=employee),
        answers=right_answers(attempt),
    )

    second = attempt_submit(
        owned=attempt_read(attempt_id=attempt.pk, employee=employee),
        answers=wrong_answers(attempt),
    )

    assert (second.pk, second.score, second.passed) == (first.pk, first.score, True)
    assert second.submitted_at == first.submitted_at
    assert Certificate.objects.count() == 1
    assert QuizAttempt.objects.get().score == Decimal("100.00")


def _at_once(action) -> tuple[list, list[BaseException]]:
    """``action()`` in two threads released together (each with its own
    connection): what they returned, and what they raised."""
    barrier = threading.Barrier(2)
    results: list = []
    errors: list[BaseException] = []

    def run():
        try:
            barrier.wait(timeout=10)
            results.append(action())
        except BaseException as error:  # noqa: BLE001 - reported to the test
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results, errors


@pytest.mark.postgres
@pytest.mark.skipif(
    not POSTGRES, reason="needs PostgreSQL (DATABASE_URL=postgres://...)"
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_simultaneous_submissions_of_a_pass_issue_one_certificate():
    policy, employee, attempt = _start_all(pool(5))
    answers = right_answers(attempt)

    results, errors = _at_once(
        lambda: attempt_submit(
            owned=attempt_read(attempt_id=attempt.pk, employee=employee),
            answers=answers,
        )
    )

    assert errors == []
    assert len(results) == 2
    assert {(r.pk, r.submitted_at, r.score) for r in results} == {
        (attempt.pk, results[0].submitted_at, Decimal("100.00"))
    }
    assert Certificate.objects.filter(attempt=attempt).count() == 1
    assert Certificate.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.skipif(
    not POSTGRES, reason="needs PostgreSQL (DATABASE_URL=postgres://...)"
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_simultaneous_starts_open_one_attempt():
    """A double tap on "Take the quiz" from two devices at once: both get the
    same open attempt, and only one exists."""
    policy = build_course(questions=pool(4), draw=2)
    employee = enrol(policy)

    results, errors = _at_once(lambda: attempt_start(employee=employee, policy=policy))

    assert errors == []
    assert len({attempt.pk for attempt in results}) == 1
    assert QuizAttempt.objects.filter(employee=employee).count() == 1


# --- Hostile input --------------------------------------------------------------------


def test_a_question_not_in_the_draw_is_rejected_and_changes_nothing():
    policy, employee, attempt = _start_all(pool(4), draw=2)
    drawn = {qid for qid, _ in attempt.draw}
    other = next(f"q{i}" for i in range(4) if f"q{i}" not in drawn)
    before = row(attempt)

    for service in (attempt_submit, attempt_save):
        with pytest.raises(AnswersRejected) as rejected:
            service(
                owned=attempt_read(attempt_id=attempt.pk, employee=employee),
                answers={**right_answers(attempt), other: [f"{other}-a"]},
            )
        assert rejected.value.status == 400
        assert "not part of this attempt" in rejected.value.message

    assert row(attempt) == before
    assert not Certificate.objects.exists()


def test_an_option_of_another_question_is_rejected():
    policy, employee, attempt = _start_all(pool(2))
    before = row(attempt)

    with pytest.raises(AnswersRejected):
        attempt_submit(
            owned=attempt_read(attempt_id=attempt.pk, employee=employee),
            answers={"q0": ["q1-a"]},
        )

    assert row(attempt) == before


def test_two_answers_to_a_single_choice_question_are_rejected():
    policy, employee, attempt = _start_all(pool(1))
    before = row(attempt)

    with pytest.raises(AnswersRejected):
        attempt_submit(
            owned=attempt_read(attempt_id=attempt.pk, employee=employee),
            answers={"q0": ["q0-a", "q0-b"]},
        )

    assert row(attempt) == before


def test_another_employees_attempt_is_not_found():
    policy, employee, attempt = _start_all(pool(2))
    intruder = enrol(policy, employee=EmployeeFactory(unit=_unit()))
    before = row(attempt)

    for service in (attempt_submit, attempt_save):
        with pytest.raises(AttemptNotFound) as missing:
            service(
                owned=attempt_read(attempt_id=attempt.pk, employee=intruder),
                answers=right_answers(attempt),
            )
        assert missing.value.status == 404

    assert row(attempt) == before


def test_an_earlier_versions_attempt_cannot_be_submitted_and_a_new_start_closes_it():
    policy, employee, attempt = _start_all(pool(2))
    PolicyPage.objects.filter(pk=policy.pk).update(version=2)
    before = row(attempt)

    with pytest.raises(AttemptRefused) as refused:
        attempt_submit(
            owned=attempt_read(attempt_id=attempt.pk, employee=employee),
            answers=right_answers(attempt),
        )
    assert "earlier version" in refused.value.message
    assert row(attempt) == before

    module_progress_v2 = PolicyPage.objects.get(pk=policy.pk)
    for module in module_progress_v2.modules():
        module_complete(employee=employee, module=module)
    fresh = attempt_start(employee=employee, policy=module_progress_v2)

    assert fresh.pk != attempt.pk
    assert (fresh.version, fresh.number) == (2, 1)
    closed = QuizAttempt.objects.get(pk=attempt.pk)
    assert closed.submitted_at is not None
    assert (closed.score, closed.passed) == (None, None)
