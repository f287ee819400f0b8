"""Question statistics for trainers (/admin/lms/quiz/<id>/stats/): aggregates
per question, overall and per province, never an individual's answers."""

from __future__ import annotations

import copy
import re

import pytest
from django.core.cache import cache
from django.utils import timezone

from cms.quiz import quiz_pool
from lms.models import QuizAttempt
from lms.selectors.question_stats import quiz_question_stats
from tests.factories import EmployeeFactory, UserFactory, catalogue, course

pytestmark = pytest.mark.django_db


@pytest.fixture
def policy(tree, positions):
    return course(catalogue(), questions=3, draw=2)


@pytest.fixture
def quiz(policy):
    return policy.quiz()


def ids(quiz):
    """[(question id, [option A id, option B id]), ...] of the live pool."""
    pool = quiz_pool(revision_id=quiz.live_revision_id)
    return [
        (question.id, [option.id for option in question.options])
        for question in pool.values()
    ]


def attempt(employee, policy, quiz, picks: dict, *, number=1, submitted=True):
    """An attempt drawing the questions of ``picks`` ({qid: [option ids]})."""
    pool = dict(ids(quiz))
    now = timezone.now()
    return QuizAttempt.objects.create(
        employee=employee,
        policy=policy,
        version=policy.version,
        number=number,
        quiz_revision=quiz.live_revision,
        draw=[[qid, pool[qid]] for qid in picks],
        answers=picks if submitted else None,
        started_at=now,
        submitted_at=now if submitted else None,
    )


@pytest.fixture
def answered(tree, policy, quiz):
    """Q1: 广东省 3 right, 北京市 1 wrong. Q2: 广东省 3 wrong (B), 北京市 right."""
    (q1, (a1, b1)), (q2, (a2, b2)), _ = ids(quiz)
    for n in range(3):
        clerk = EmployeeFactory(
            unit=tree["GZ-TH"], employee_no=f"GD30{n}", name=f"广东员工{n}"
        )
        attempt(clerk, policy, quiz, {q1: [a1], q2: [b2]})
    beijing = EmployeeFactory(unit=tree["BJ-DC"], employee_no="BJ301", name="北京员工")
    attempt(beijing, policy, quiz, {q1: [b1], q2: [a2]})
    attempt(beijing, policy, quiz, {q1: [b1]}, number=2, submitted=False)
    return quiz


def test_counts_answers_share_correct_and_most_chosen_wrong_option(answered):
    stats = quiz_question_stats(quiz=answered)
    assert stats.attempts == 4
    first, second, third = stats.questions
    assert (first.overall.answered, first.overall.correct) == (4, 3)
    assert first.overall.percent_correct == 75
    assert (first.overall.wrong_option, first.overall.wrong_count) == ("B", 1)
    assert (second.overall.answered, second.overall.percent_correct) == (4, 25)
    assert second.overall.confusing and not first.overall.confusing
    assert (second.overall.wrong_option, second.overall.wrong_count) == ("B", 3)
    assert third.overall.answered == 0 and third.overall.share_correct is None


def test_splits_the_figures_by_province(answered, monkeypatch):
    monkeypatch.setattr("lms.selectors.question_stats.MIN_GROUP", 1)
    first, second, _ = quiz_question_stats(quiz=answered).questions
    assert [(r.label, r.answered, r.percent_correct) for r in first.provinces] == [
        ("广东省", 3, 100),
        ("北京市", 1, 0),
    ]
    assert [(r.label, r.percent_correct) for r in second.provinces] == [
        ("广东省", 0),
        ("北京市", 100),
    ]


def test_grades_each_attempt_against_the_revision_it_was_drawn_from(
    tree, answered, policy
):
    quiz = answered
    stream = copy.deepcopy(quiz.questions.raw_data)
    for item in stream[0]["value"]["options"]:
        option = item.get("value", item)  # a ListBlock item, or a plain value
        option["correct"] = not option["correct"]  # now B is right
    quiz.questions = stream
    quiz.save_revision().publish()
    quiz.refresh_from_db()
    (q1, (a1, b1)), _, _ = ids(quiz)
    late = EmployeeFactory(unit=tree["SZ-NS"], employee_no="GD399")
    attempt(late, policy, quiz, {q1: [b1]})
    first = quiz_question_stats(quiz=quiz).questions[0]
    # 3 right and 1 wrong under the old key, 1 right under the new one.
    assert (first.overall.answered, first.overall.correct) == (5, 4)


def stats_url(quiz) -> str:
    return f"/admin/lms/quiz/{quiz.pk}/stats/"


def test_the_page_shows_aggregates_but_no_names_or_employee_numbers(
    client, answered, monkeypatch
):
    monkeypatch.setattr("lms.selectors.question_stats.MIN_GROUP", 1)
    cache.clear()
    client.force_login(UserFactory(username="root", is_superuser=True))
    response = client.get(stats_url(answered))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Question statistics" in html
    rows = re.findall(r'<tr data-question="\d+">(.*?)</tr>', html, re.S)
    assert len(rows) == 3
    assert "75 %" in rows[0] and "B (1)" in rows[0]
    assert "25 %" in rows[1] and "B (3)" in rows[1]
    assert 'data-province="广东省"' in html and 'data-province="北京市"' in html
    for secret in ("广东员工0", "北京员工", "GD300", "BJ301"):
        assert secret not in html


def test_provinces_with_fewer_than_five_answers_are_not_shown(client, answered):
    # 3 answers from 广东省 and 1 from 北京市: too few to tell nobody apart.
    first = quiz_question_stats(quiz=answered).questions[0]
    assert first.overall.answered == 4
    assert first.provinces == []
    cache.clear()
    client.force_login(UserFactory(username="root", is_superuser=True))
    html = client.get(stats_url(answered)).content.decode()
    assert "data-province=" not in html
    assert "per-province figures appear from 5 answers on" in html


def test_trainers_can_open_the_statistics(client, answered):
    trainer = UserFactory(username="trainer-x", roles=["Trainers"])
    client.force_login(trainer)
    assert client.get(stats_url(answered)).status_code == 200


def test_the_quiz_editor_offers_the_statistics(client, answered):
    client.force_login(UserFactory(username="root", is_superuser=True))
    html = client.get(f"/admin/pages/{answered.pk}/edit/").content.decode()
    assert stats_url(answered) in html


def test_a_manager_who_cannot_edit_the_quiz_is_refused(client, answered):
    manager = UserFactory(username="manager-x", roles=["Managers"])
    client.force_login(manager)
    response = client.get(stats_url(answered))
    # The Wagtail admin turns a refusal into a redirect to its home page.
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert "B (3)" not in response.content.decode()


def test_an_employee_without_admin_access_is_sent_away(client, tree, answered):
    employee = EmployeeFactory(unit=tree["GZ-TH"], employee_no="GD388")
    client.force_login(employee.user)
    response = client.get(stats_url(answered))
    assert response.status_code == 302
    assert "B (3)" not in response.content.decode()


def test_statistics_of_a_page_that_is_not_a_quiz_are_not_found(client, policy):
    client.force_login(UserFactory(username="root", is_superuser=True))
    assert client.get(stats_url(policy)).status_code == 404
