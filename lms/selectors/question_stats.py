"""Question statistics for trainers: per question of a quiz's live pool, how
many answered, the share correct and the most-chosen wrong option, overall and
per province, so a confusing question or a region that misunderstood shows up
before launch.

Aggregates only: no name, employee number or individual answer is read into
the result. The submitted attempts are streamed (``values_list().iterator()``)
and counted in Python, because grading needs the correct options of the quiz
revision each attempt was drawn from (JSON in ``Revision.content``), which is
impractical to aggregate in SQL portably across SQLite and PostgreSQL. The
result is cached for a few minutes. The admin screen is
``lms.admin.stats``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.core.cache import cache
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from wagtail.models import Revision

from cms.models import QuizPage
from cms.quiz import Pool, Question, option_text, page_pool, pool_from_content
from lms.models import OrgUnit, QuizAttempt

CACHE_SECONDS = 300
CONFUSING_BELOW = 0.6  # a question answered correctly by fewer is flagged


# --- Counting ---------------------------------------------------------------------


# A province with fewer answers than this is left out of the per-province
# table: with so few people, an aggregate would tell who answered what.
MIN_GROUP = 5


@dataclass
class Tally:
    """Counts for one question in one group (everyone, or one province)."""

    answered: int = 0
    correct: int = 0
    wrong: Counter = field(default_factory=Counter)

    def add(self, chosen: list[str], question: Question) -> None:
        self.answered += 1
        if question.is_right(chosen):
            self.correct += 1
        self.wrong.update(set(chosen) - question.correct_ids)


@dataclass(frozen=True)
class Row:
    """A question's figures for one group, ready to show."""

    label: str
    answered: int
    correct: int
    wrong_option: str
    wrong_count: int

    @property
    def share_correct(self) -> float | None:
        return self.correct / self.answered if self.answered else None

    @property
    def percent_correct(self) -> int | None:
        share = self.share_correct
        return None if share is None else round(share * 100)

    @property
    def confusing(self) -> bool:
        share = self.share_correct
        return share is not None and share < CONFUSING_BELOW


@dataclass(frozen=True)
class QuestionStats:
    number: int
    text: str
    overall: Row
    provinces: list[Row]


@dataclass(frozen=True)
class QuizStats:
    attempts: int
    questions: list[QuestionStats]


def _row(label: str, tally: Tally, options: dict[str, str]) -> Row:
    wrong_option, wrong_count = "", 0
    if tally.wrong:
        option_id, wrong_count = tally.wrong.most_common(1)[0]
        wrong_option = options.get(option_id, "?")
    return Row(label, tally.answered, tally.correct, wrong_option, wrong_count)


@dataclass
class _Tallies:
    """The counts of every live question, overall and per province path."""

    attempts: int
    overall: dict[str, Tally]
    by_province: dict[str, dict[str, Tally]]


def _tally(submitted, pools: dict[int, Pool], live: Pool) -> _Tallies:
    """Count the ``submitted`` attempts question by question, each graded
    against the pool of the revision it was drawn from."""
    prefix = 2 * OrgUnit.steplen
    tallies = _Tallies(
        attempts=0,
        overall={qid: Tally() for qid in live},
        by_province={qid: {} for qid in live},
    )
    rows = submitted.values_list(
        "quiz_revision_id", "draw", "answers", "employee__unit__path"
    )
    for revision_id, draw, answers, unit_path in rows.iterator(chunk_size=2000):
        tallies.attempts += 1
        pool = pools.get(revision_id, {})
        answers = answers or {}
        province = (unit_path or "")[:prefix]
        for entry in draw or []:
            question_id = str(entry[0])
            question = pool.get(question_id)
            if question is None or question_id not in tallies.overall:
                continue  # not in the live pool any more
            chosen = [str(option) for option in answers.get(question_id) or []]
            tallies.overall[question_id].add(chosen, question)
            tally = tallies.by_province[question_id].setdefault(province, Tally())
            tally.add(chosen, question)
    return tallies


def _option_texts(pools: dict[int, Pool], live: Pool) -> dict[str, dict[str, str]]:
    """Option texts of the live questions: the live wording first, else that
    of an attempt's revision."""
    texts: dict[str, dict[str, str]] = {qid: {} for qid in live}
    for pool in [*pools.values(), live]:
        for question_id, question in pool.items():
            if question_id in texts:
                texts[question_id].update(
                    (option.id, option_text(question, option))
                    for option in question.options
                )
    return texts


def quiz_question_stats(*, quiz: QuizPage) -> QuizStats:
    """Per question of ``quiz``'s live pool: answered, correct, most-chosen wrong
    option, overall and per province, over the policy's submitted attempts.

    An attempt counts a question when it drew it; an unanswered drawn question
    counts as answered wrongly (as in grading). Correctness is that of the
    revision the attempt was drawn from.
    """
    live = page_pool(quiz)
    submitted = QuizAttempt.objects.filter(
        policy_id=quiz.get_parent().pk, submitted_at__isnull=False
    ).order_by()
    revision_ids = set(submitted.values_list("quiz_revision_id", flat=True).distinct())
    pools = {
        pk: pool_from_content(content or {})
        for pk, content in Revision.objects.filter(pk__in=revision_ids).values_list(
            "pk", "content"
        )
    }
    tallies = _tally(submitted, pools, live)
    names = dict(
        OrgUnit.objects.filter(
            path__in={p for by_path in tallies.by_province.values() for p in by_path}
        ).values_list("path", "name")
    )
    texts = _option_texts(pools, live)
    questions = []
    for number, (question_id, question) in enumerate(live.items(), start=1):
        options = texts[question_id]
        provinces = [
            _row(names.get(p, _("Unknown unit")), tally, options)
            for p, tally in sorted(tallies.by_province[question_id].items())
            if tally.answered >= MIN_GROUP
        ]
        questions.append(
            QuestionStats(
                number=number,
                text=question.text,
                overall=_row(_("All staff"), tallies.overall[question_id], options),
                provinces=provinces,
            )
        )
    return QuizStats(attempts=tallies.attempts, questions=questions)


def quiz_question_stats_cached(*, quiz: QuizPage) -> QuizStats:
    key = f"lms:quiz-stats:{quiz.pk}:{quiz.live_revision_id}:{get_language()}"
    return cache.get_or_set(key, lambda: quiz_question_stats(quiz=quiz), CACHE_SECONDS)
