"""The benchmarks' course builder (``bench.courses``) makes a real, live
course through the import service: the quiz load benchmark starts attempts
on it."""

from __future__ import annotations

import pytest

from bench.courses import bench_course
from cms.quiz import quiz_pool

pytestmark = pytest.mark.django_db


def test_the_bench_course_is_live_with_its_quiz_pool():
    policy = bench_course(
        code="BENCH-QUIZ", questions=30, draw=10, pass_mark=80, max_attempts=3
    )
    assert policy.live and policy.version == 1
    assert (policy.questions_per_attempt, policy.pass_mark) == (10, 80)
    assert policy.modules().count() == 1
    quiz = policy.quiz()
    assert quiz is not None and quiz.live
    pool = quiz_pool(revision_id=quiz.live_revision_id)
    assert len(pool) == 30
    assert all(len(question.correct_ids) == 1 for question in pool.values())
