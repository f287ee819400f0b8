"""The quiz pages (``lms.views.quiz``): start, answer, save, submit, result,
refusals, and what the attempt page must never show."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import formats, timezone

from certificates.models import Certificate
from cms.models import PolicyPage
from lms.models import QuizAttempt
from lms.services.attempts import attempt_read, attempt_start, attempt_submit
from tests.factories import EmployeeFactory
from tests.lms.test_attempts import (
    _unit,
    build_course,
    enrol,
    multiple,
    pool,
    right_answers,
    row,
    single,
    true_false,
    wrong_answers,
)

pytestmark = pytest.mark.django_db


def mixed_pool(n: int) -> list[dict]:
    """``n`` questions cycling through the three kinds."""
    makers = [
        lambda i: single(f"s{i}"),
        lambda i: multiple(f"m{i}"),
        lambda i: true_false(f"t{i}", truth="false"),
    ]
    return [makers[i % 3](i) for i in range(n)]


def without_tokens(content: bytes) -> str:
    """A page without its CSRF tokens (masked anew on every response)."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", content.decode())


def signed_in(employee) -> Client:
    client = Client()
    client.force_login(employee.user)
    return client


def start(client: Client, policy: PolicyPage):
    return client.post(reverse("quiz_start", args=[policy.pk]))


def attempt_url(attempt) -> str:
    return reverse("quiz_attempt", args=[attempt.pk])


def submit_url(attempt) -> str:
    return reverse("quiz_attempt_submit", args=[attempt.pk])


def save_url(attempt) -> str:
    return reverse("quiz_attempt_save", args=[attempt.pk])


@pytest.fixture
def course():
    policy = build_course(questions=mixed_pool(9), draw=6, pass_mark=80)
    employee = enrol(policy)
    return policy, employee, signed_in(employee)


# --- Start and answer -----------------------------------------------------------------


def test_starting_shows_the_drawn_questions_as_an_accessible_form(course):
    policy, employee, client = course

    response = start(client, policy)

    attempt = QuizAttempt.objects.get()
    assert response.status_code == 302
    assert response["Location"] == attempt_url(attempt)
    page = client.get(attempt_url(attempt))
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count("<fieldset") == 6
    assert html.count("<legend>") == 6
    for qid, option_ids in attempt.draw:
        kind = "checkbox" if qid.startswith("m") else "radio"
        shown = re.findall(rf'type="{kind}" name="{qid}" value="([^"]+)"', html)
        assert shown == option_ids  # the stored order, inside <label>s
    assert html.count("<label><input") == sum(len(o) for _, o in attempt.draw)
    assert f'action="{submit_url(attempt)}"' in html
    assert f'formaction="{save_url(attempt)}"' in html


def test_reloading_shows_the_same_attempt_and_starting_again_resumes_it(course):
    policy, employee, client = course
    start(client, policy)
    attempt = QuizAttempt.objects.get()
    first = without_tokens(client.get(attempt_url(attempt)).content)

    again = start(client, policy)

    assert again["Location"] == attempt_url(attempt)
    assert without_tokens(client.get(attempt_url(attempt)).content) == first
    assert QuizAttempt.objects.count() == 1


def test_saved_answers_are_ticked_when_the_page_comes_back(course):
    policy, employee, client = course
    start(client, policy)
    attempt = QuizAttempt.objects.get()
    qid, option_ids = attempt.draw[0]

    response = client.post(save_url(attempt), {qid: option_ids[1]}, follow=True)

    assert response.status_code == 200
    assert "Your answers are saved" in response.content.decode()
    assert QuizAttempt.objects.get().answers == {qid: [option_ids[1]]}
    assert f'name="{qid}" value="{option_ids[1]}" checked' in response.content.decode()
    assert QuizAttempt.objects.get().submitted_at is None


def test_submitting_grades_and_shows_the_result(course):
    policy, employee, client = course
    start(client, policy)
    attempt = QuizAttempt.objects.get()

    response = client.post(submit_url(attempt), right_answers(attempt))

    assert response.status_code == 302
    assert response["Location"] == attempt_url(attempt)
    result = client.get(attempt_url(attempt)).content.decode()
    assert "Passed: 100% (pass mark" in result
    certificate = Certificate.objects.get()
    assert certificate.serial in result


# --- Nothing twice --------------------------------------------------------------------


def test_a_double_submission_shows_the_same_result_and_issues_one_certificate(course):
    policy, employee, client = course
    start(client, policy)
    attempt = QuizAttempt.objects.get()

    first = client.post(submit_url(attempt), right_answers(attempt), follow=True)
    second = client.post(submit_url(attempt), wrong_answers(attempt), follow=True)

    assert first.status_code == second.status_code == 200
    assert without_tokens(first.content) == without_tokens(second.content)
    assert Certificate.objects.count() == 1
    assert QuizAttempt.objects.get().score == Decimal("100.00")


def test_a_submission_after_the_session_expired_keeps_the_answers_for_after_login(
    course,
):
    policy, employee, client = course
    start(client, policy)
    attempt = QuizAttempt.objects.get()
    answers = right_answers(attempt)
    client.logout()  # the session expired while the employee was answering

    response = client.post(submit_url(attempt), answers)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={attempt_url(attempt)}"
    assert row(attempt)["submitted_at"] is None
    client.force_login(employee.user)
    page = client.get(attempt_url(attempt)).content.decode()
    assert "filled in again" in page
    for qid, option_ids in answers.items():
        for option_id in option_ids:
            assert f'name="{qid}" value="{option_id}" checked' in page
    # Once shown, the answers are the form's again: a reload shows the saved ones.
    assert "filled in again" not in client.get(attempt_url(attempt)).content.decode()


# --- Refusals -------------------------------------------------------------------------


def test_start_outside_the_audience_is_refused_with_a_page():
    policy = build_course(questions=pool(2))
    outsider = EmployeeFactory(unit=_unit())

    response = start(signed_in(outsider), policy)

    assert response.status_code == 403
    assert "not assigned to you" in response.content.decode()
    assert not QuizAttempt.objects.exists()


def test_start_before_the_modules_are_done_is_refused_with_a_page():
    policy = build_course(questions=pool(2))
    employee = enrol(policy, modules_done=False)

    response = start(signed_in(employee), policy)

    assert response.status_code == 409
    assert "Finish every module first" in response.content.decode()


def test_start_during_the_wait_names_the_local_time_it_opens():
    policy = build_course(questions=pool(2), attempt_wait_minutes=90)
    employee = enrol(policy)
    attempt = attempt_start(employee=employee, policy=policy)
    attempt_submit(
        owned=attempt_read(attempt_id=attempt.pk, employee=employee), answers={}
    )
    submitted = QuizAttempt.objects.get().submitted_at
    # The wait ends 90 minutes after the submission, said to the next minute.
    opens = timezone.localtime(submitted + timedelta(minutes=91)).replace(
        second=0, microsecond=0
    )

    response = start(signed_in(employee), policy)

    assert response.status_code == 409
    # China time, as every page writes a moment (DATETIME_FORMAT), said once.
    text = response.content.decode()
    shown = formats.date_format(opens, "DATETIME_FORMAT")
    assert text.count(shown) == 1


def test_start_when_certified_says_so_and_names_the_certificate():
    policy = build_course(questions=pool(2))
    employee = enrol(policy)
    attempt = attempt_start(employee=employee, policy=policy)
    attempt_submit(
        owned=attempt_read(attempt_id=attempt.pk, employee=employee),
        answers=right_answers(attempt),
    )

    response = start(signed_in(employee), policy)

    html = response.content.decode()
    assert response.status_code == 409
    assert "already certified" in html
    assert Certificate.objects.get().serial in html


def test_start_when_no_attempt_is_left_is_refused():
    policy = build_course(questions=pool(2), max_attempts=1)
    employee = enrol(policy)
    attempt = attempt_start(employee=employee, policy=policy)
    attempt_submit(
        owned=attempt_read(attempt_id=attempt.pk, employee=employee), answers={}
    )

    response = start(signed_in(employee), policy)

    assert response.status_code == 409
    assert "used all 1 attempts" in response.content.decode()


def test_an_account_without_an_employee_record_is_refused():
    from tests.factories import UserFactory

    policy = build_course(questions=pool(2))
    client = Client()
    client.force_login(UserFactory())

    response = start(client, policy)

    assert response.status_code == 403
    assert "not linked to an active employee record" in response.content.decode()


def test_start_needs_a_post_and_a_login():
    policy = build_course(questions=pool(2))
    employee = enrol(policy)

    assert (
        signed_in(employee).get(reverse("quiz_start", args=[policy.pk])).status_code
        == 405
    )
    anonymous = Client().post(reverse("quiz_start", args=[policy.pk]))
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("login"))
    assert not QuizAttempt.objects.exists()


# --- Hostile input --------------------------------------------------------------------


def test_a_post_without_a_csrf_token_is_forbidden_and_changes_nothing(course):
    policy, employee, _client = course
    attempt = attempt_start(employee=employee, policy=policy)
    before = row(attempt)
    client = Client(enforce_csrf_checks=True)
    client.force_login(employee.user)

    for url in (submit_url(attempt), save_url(attempt)):
        assert client.post(url, right_answers(attempt)).status_code == 403
    assert client.post(reverse("quiz_start", args=[policy.pk])).status_code == 403

    assert row(attempt) == before
    assert not Certificate.objects.exists()


def test_another_employees_attempt_is_not_found_and_unchanged(course):
    policy, employee, _client = course
    attempt = attempt_start(employee=employee, policy=policy)
    before = row(attempt)
    intruder = signed_in(enrol(policy, employee=EmployeeFactory(unit=_unit())))

    assert intruder.get(attempt_url(attempt)).status_code == 404
    for url in (submit_url(attempt), save_url(attempt)):
        response = intruder.post(url, right_answers(attempt))
        assert response.status_code == 404
        assert "no such attempt" in response.content.decode()

    assert row(attempt) == before


def test_a_question_id_not_in_the_draw_is_a_bad_request_and_changes_nothing(course):
    policy, employee, client = course
    attempt = attempt_start(employee=employee, policy=policy)
    before = row(attempt)
    forged = {**right_answers(attempt), "forged-question": "x"}

    for url in (submit_url(attempt), save_url(attempt)):
        response = client.post(url, forged)
        assert response.status_code == 400
        assert "not part of this attempt" in response.content.decode()

    assert row(attempt) == before
    assert not Certificate.objects.exists()


def test_an_option_id_not_in_the_draw_is_a_bad_request_and_changes_nothing(course):
    policy, employee, client = course
    attempt = attempt_start(employee=employee, policy=policy)
    before = row(attempt)
    qid = attempt.draw[0][0]

    response = client.post(submit_url(attempt), {qid: "not-an-option"})

    assert response.status_code == 400
    assert row(attempt) == before


def test_an_attempt_of_an_earlier_version_is_refused_and_unchanged(course):
    policy, employee, client = course
    attempt = attempt_start(employee=employee, policy=policy)
    PolicyPage.objects.filter(pk=policy.pk).update(version=policy.version + 1)
    before = row(attempt)

    response = client.post(submit_url(attempt), right_answers(attempt))

    assert response.status_code == 409
    assert "earlier version" in response.content.decode()
    assert row(attempt) == before
    page = client.get(attempt_url(attempt)).content.decode()
    assert "can no longer be submitted" in page


# --- Nothing leaks before submission --------------------------------------------------


@pytest.mark.parametrize("kind", ["single", "multiple", "true_false"])
def test_the_attempt_page_reveals_no_correct_answer(kind):
    makers = {
        "single": lambda i: single(f"q{i}", right="c"),
        "multiple": lambda i: multiple(f"q{i}", right=("b", "d")),
        "true_false": lambda i: true_false(f"q{i}", truth="false"),
    }
    policy = build_course(questions=[makers[kind](i) for i in range(4)], draw=4)
    employee = enrol(policy)
    client = signed_in(employee)
    responses = [start(client, policy)]
    attempt = QuizAttempt.objects.get()
    responses.append(client.get(attempt_url(attempt)))
    responses.append(client.post(save_url(attempt), {}, follow=True))
    quiz_page = client.get(policy.quiz().url)
    responses.append(quiz_page)

    for response in responses:
        html = response.content.decode()
        assert "correct" not in html.lower()
        assert "Explanation of" not in html
        assert "right answer" not in html
        assert "weight" not in html.lower()
    page = responses[1].content.decode()
    for qid, option_ids in attempt.draw:
        if kind == "true_false":
            assert option_ids == ["true", "false"]  # fixed, whatever the truth
        # Options come in the drawn order, not the authored one.
        shown = re.findall(rf'name="{qid}" value="([^"]+)"', page)
        assert shown == option_ids


def test_the_attempt_page_of_ten_long_questions_weighs_under_100_kb():
    questions = [single(f"q{i}", options=tuple("abcdef")) for i in range(10)]
    for question in questions:
        question["value"]["text"] = "服务措施" * 120
        for option in question["value"]["options"]:
            option["value"]["text"] = "首问负责" * 60
    policy = build_course(questions=questions, draw=10)
    employee = enrol(policy)
    client = signed_in(employee)
    start(client, policy)

    response = client.get(attempt_url(QuizAttempt.objects.get()))

    assert response.status_code == 200
    assert len(response.content) < 100 * 1024


# --- Review after submission ----------------------------------------------------------


def _fail_once(rule: str, *, max_attempts: int = 3):
    policy = build_course(
        questions=pool(2), review_answers=rule, max_attempts=max_attempts
    )
    employee = enrol(policy)
    client = signed_in(employee)
    start(client, policy)
    attempt = QuizAttempt.objects.get()
    client.post(submit_url(attempt), wrong_answers(attempt))
    return client.get(attempt_url(attempt)).content.decode()


def test_rule_submit_shows_the_right_answers_after_a_failed_attempt():
    html = _fail_once("submit")
    assert "Not passed" in html
    assert "(right answer)" in html
    assert "Explanation of q" in html


def test_rule_pass_hides_the_right_answers_after_a_failure_but_says_which_were_wrong():
    html = _fail_once("pass", max_attempts=1)
    assert "Not passed" in html
    assert "(your answer)" in html
    assert html.count(">wrong<") == 2
    assert "(right answer)" not in html
    assert "Explanation of" not in html


def test_rule_last_hides_the_right_answers_while_attempts_are_left():
    html = _fail_once("last", max_attempts=2)
    assert "(right answer)" not in html
    assert "Explanation of" not in html
    assert "1 attempt left" in html


def test_rule_last_shows_the_right_answers_once_no_attempt_is_left():
    html = _fail_once("last", max_attempts=1)
    assert "(right answer)" in html
    assert "Explanation of q" in html


def test_rule_pass_shows_the_right_answers_after_a_pass():
    policy = build_course(questions=pool(2), review_answers="pass")
    employee = enrol(policy)
    client = signed_in(employee)
    start(client, policy)
    attempt = QuizAttempt.objects.get()
    client.post(submit_url(attempt), right_answers(attempt))

    html = client.get(attempt_url(attempt)).content.decode()

    assert "Passed" in html
    assert "(right answer)" in html


# --- The quiz page --------------------------------------------------------------------


def test_the_quiz_page_offers_to_start_then_to_continue(course):
    policy, employee, client = course
    quiz_url = policy.quiz().url

    before = client.get(quiz_url).content.decode()
    assert "Start an attempt" in before
    assert "3 attempts left" in before
    start(client, policy)
    during = client.get(quiz_url).content.decode()
    assert "Continue the attempt" in during
    assert attempt_url(QuizAttempt.objects.get()) in during


def test_the_quiz_page_shows_the_last_result_and_the_wait():
    policy = build_course(questions=pool(2), attempt_wait_minutes=60)
    employee = enrol(policy)
    attempt = attempt_start(employee=employee, policy=policy)
    attempt_submit(
        owned=attempt_read(attempt_id=attempt.pk, employee=employee), answers={}
    )

    html = signed_in(employee).get(policy.quiz().url).content.decode()

    assert "Last attempt (1): 0%" in html
    assert "Your next attempt opens at" in html
    assert "Start an attempt" not in html


def test_the_quiz_page_tells_an_outsider_it_is_not_assigned():
    policy = build_course(questions=pool(2))
    outsider = EmployeeFactory(unit=_unit())

    html = signed_in(outsider).get(policy.quiz().url).content.decode()

    assert "not assigned to you" in html
    assert "Start an attempt" not in html


# --- Queries --------------------------------------------------------------------------


def _queries_to_start_and_submit(n: int) -> tuple[int, int]:
    policy = build_course(questions=mixed_pool(n), draw=n, code=f"SVC-2026-{n:02d}")
    employee = enrol(policy)
    client = signed_in(employee)
    client.get(policy.quiz().url)  # warm the session like a real visit
    with CaptureQueriesContext(connection) as started:
        response = start(client, policy)
    assert response.status_code == 302
    attempt = QuizAttempt.objects.get(policy=policy)
    answers = right_answers(attempt)
    with CaptureQueriesContext(connection) as submitted:
        response = client.post(submit_url(attempt), answers)
    assert response.status_code == 302
    assert QuizAttempt.objects.get(pk=attempt.pk).passed is True
    return len(started), len(submitted)


def test_starting_and_submitting_take_as_many_queries_for_5_as_for_30_questions(
    django_assert_max_num_queries,
):
    small = _queries_to_start_and_submit(5)
    large = _queries_to_start_and_submit(30)

    assert small == large
    start_count, submit_count = large
    policy = build_course(questions=mixed_pool(30), draw=30, code="SVC-2026-99")
    employee = enrol(policy)
    client = signed_in(employee)
    client.get(policy.quiz().url)
    with django_assert_max_num_queries(start_count):
        start(client, policy)
    attempt = QuizAttempt.objects.get(policy=policy)
    with django_assert_max_num_queries(submit_count):
        client.post(submit_url(attempt), right_answers(attempt))
    assert start_count <= 20
    assert submit_count <= 15


def test_after_the_deadline_the_page_says_time_is_up_and_grades_the_saved_answers(
    course, monkeypatch
):
    policy, employee, client = course
    PolicyPage.objects.filter(pk=policy.pk).update(time_limit_minutes=5)
    start(client, policy)
    attempt = QuizAttempt.objects.get()
    qid, _options = attempt.draw[0]
    saved = {qid: right_answers(attempt)[qid]}
    client.post(save_url(attempt), saved)
    later = timezone.now() + timedelta(minutes=6)
    monkeypatch.setattr(timezone, "now", lambda: later)

    page = client.get(attempt_url(attempt)).content.decode()
    assert "Time is up" in page
    assert "Save answers" not in page
    refused = client.post(save_url(attempt), right_answers(attempt))
    assert refused.status_code == 409
    client.post(submit_url(attempt), right_answers(attempt))

    graded = QuizAttempt.objects.get()
    assert graded.answers == saved
    assert graded.passed is False
