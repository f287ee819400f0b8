"""A quiz revision's question pool as plain data, cached per revision.

The question format is ``cms``'s: :class:`cms.blocks.QuestionPoolBlock`
defines the kinds of question and their fields, and this module reads what
those blocks store, taking the kinds from the block definitions (which kinds
take one answer, which keep their options in a fixed order) rather than from
names repeated here. ``lms`` imports it to draw, show and grade attempts.

Attempts draw from, show and grade against the quiz revision they were drawn
from (``QuizAttempt.quiz_revision``). Revisions never change once written, so
the pool read from one is cached under its id (the Django cache: shared by the
web processes, per test in the suite) and a start or a submission reads no
page content from the database once the pool is warm.

Two shapes of data come out of here:

- :class:`Question` (with :class:`Option`), which knows the correct options,
  the explanation and the weight: for grading and for the review after a
  submission only;
- :class:`ShownQuestion`, built by :func:`questions_shown`, which carries the
  text and the options in the order drawn and nothing else: the only thing the
  attempt page is given, so that no correct answer can reach it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from django.core.cache import cache
from wagtail.models import Revision

from cms.blocks import ChoiceQuestionBlock, QuestionPoolBlock, TrueFalseBlock

_POOL_BLOCK = QuestionPoolBlock()
# The kinds of question, by the names the pool's blocks are stored under.
KINDS = tuple(_POOL_BLOCK.child_blocks)

_CACHE_KEY = "cms:quiz-pool:v2:{revision_id}"
_CACHE_SECONDS = 60 * 60 * 24 * 7


@dataclass(frozen=True)
class Option:
    id: str
    text: str
    correct: bool


@dataclass(frozen=True)
class Question:
    """A question of the pool, answers included: never handed to a template
    before the attempt is submitted."""

    id: str
    kind: str  # the block's name in the pool (QuestionPoolBlock)
    text: str
    explanation: str
    weight: int
    options: tuple[Option, ...]
    single_answer: bool = True  # one option is chosen (else any number)
    fixed_order: bool = False  # options are shown as authored, never shuffled

    @property
    def option_ids(self) -> frozenset[str]:
        return frozenset(option.id for option in self.options)

    @property
    def correct_ids(self) -> frozenset[str]:
        return frozenset(option.id for option in self.options if option.correct)

    def option(self, option_id: str) -> Option:
        return next(option for option in self.options if option.id == option_id)

    def is_right(self, chosen: list[str] | tuple[str, ...] | None) -> bool:
        """Single choice and true/false: the correct option and only it;
        multiple choice: exactly the set of correct options."""
        return bool(chosen) and frozenset(chosen) == self.correct_ids


@dataclass(frozen=True)
class ShownOption:
    id: str
    text: str
    chosen: bool = False


@dataclass(frozen=True)
class ShownQuestion:
    """What the attempt page shows of a question: no weight, no explanation,
    no correctness, options in the order drawn."""

    number: int
    id: str
    kind: str
    text: str
    options: tuple[ShownOption, ...]
    single_answer: bool = True

    @property
    def input_type(self) -> str:
        return "radio" if self.single_answer else "checkbox"


Pool = dict[str, Question]


def _opaque_option_id(question_id: str, text: str, taken: set[str]) -> str:
    """An id for an option stored without one (older data, fixtures): derived
    from its question and text, never from its position, so that an id says
    nothing about the order the author wrote the options in."""
    digest = hashlib.sha256(f"{question_id}\x00{text}".encode()).hexdigest()
    option_id = digest[:16]
    n = 1
    while option_id in taken:
        option_id = f"{digest[:16]}-{n}"
        n += 1
    return option_id


def _fixed_options(block: TrueFalseBlock, value: dict) -> tuple[Option, ...]:
    """A true/false question's two options, named by its choice block's
    values, in the block's order; the stored ``correct`` is the true one."""
    truth = value.get("correct")
    return tuple(
        Option(id=str(option_id), text="", correct=option_id == truth)
        for option_id, _label in block.OPTIONS
    )


def _listed_options(question_id: str, value: dict) -> tuple[Option, ...]:
    """A choice question's options as authored (a ``ListBlock`` of
    ``OptionBlock``: ``{"type": "item", "value": {...}, "id": ...}``; an
    older list of plain values has no ids)."""
    options: list[Option] = []
    taken: set[str] = set()
    for item in value.get("options") or []:
        if isinstance(item, dict) and item.get("type") == "item":
            data, option_id = item.get("value") or {}, item.get("id")
        else:
            data, option_id = item or {}, None
        text = str(data.get("text", ""))
        option_id = str(option_id) if option_id else None
        if not option_id or option_id in taken:
            option_id = _opaque_option_id(question_id, text, taken)
        taken.add(option_id)
        options.append(
            Option(id=option_id, text=text, correct=bool(data.get("correct")))
        )
    return tuple(options)


def _question(raw: dict) -> Question | None:
    """The question a pool block stored (``{"type", "value", "id"}``), or
    ``None`` for what is not a question of a known kind."""
    block = _POOL_BLOCK.child_blocks.get(raw.get("type"))
    if block is None or not raw.get("id"):
        return None
    value = raw.get("value") or {}
    question_id = str(raw["id"])
    if isinstance(block, TrueFalseBlock):
        options = _fixed_options(block, value)
        single, fixed = True, True
    elif isinstance(block, ChoiceQuestionBlock):
        options = _listed_options(question_id, value)
        single, fixed = block.single, False
    else:
        return None
    return Question(
        id=question_id,
        kind=block.name,
        text=str(value.get("text", "")),
        explanation=str(value.get("explanation") or ""),
        weight=max(int(value.get("weight") or 1), 1),
        options=options,
        single_answer=single,
        fixed_order=fixed,
    )


def pool_from_content(content: dict) -> Pool:
    """The questions of a quiz revision's stored content, in pool order."""
    raw = content.get("questions") or []
    if isinstance(raw, str):
        raw = json.loads(raw) if raw else []
    pool: Pool = {}
    for item in raw:
        question = _question(item) if isinstance(item, dict) else None
        if question is not None and question.options:
            pool[question.id] = question
    return pool


# Pools already read by this process: a revision's questions never change, so
# a submission under load reads neither the database nor the shared cache.
_LOCAL: dict[int, Pool] = {}
_LOCAL_MAX = 256


def quiz_pool(*, revision_id: int) -> Pool:
    """The question pool of a quiz revision (cached in the process, then in the
    shared cache: no query when warm)."""
    pool = _LOCAL.get(revision_id)
    if pool is not None:
        return pool
    key = _CACHE_KEY.format(revision_id=revision_id)
    pool = cache.get(key)
    if pool is None:
        content = (
            Revision.objects.filter(pk=revision_id)
            .values_list("content", flat=True)
            .get()
        )
        pool = pool_from_content(content)
        cache.set(key, pool, _CACHE_SECONDS)
    if len(_LOCAL) >= _LOCAL_MAX:
        _LOCAL.clear()
    _LOCAL[revision_id] = pool
    return pool


def option_text(question: Question, option: Option) -> str:
    """An option's text in the current language (a true/false question's
    options are its choice block's labels)."""
    if question.fixed_order and not option.text:
        labels = dict(_POOL_BLOCK.child_blocks[question.kind].OPTIONS)
        return str(labels.get(option.id, option.id))
    return option.text


def page_pool(quiz) -> Pool:
    """The questions of a quiz page (``cms.QuizPage``) as published (its
    live revision), or as saved when it has never been published."""
    if quiz.live_revision_id:
        return quiz_pool(revision_id=quiz.live_revision_id)
    return pool_from_content({"questions": quiz.questions.raw_data})


def questions_shown(
    *, pool: Pool, draw: list, answers: dict[str, list[str]] | None = None
) -> list[ShownQuestion]:
    """The drawn questions as the attempt page shows them, with ``answers``
    (saved or pending) ticked."""
    answers = answers or {}
    shown = []
    for number, (question_id, option_ids) in enumerate(draw, start=1):
        question = pool[question_id]
        chosen = set(answers.get(question_id) or ())
        shown.append(
            ShownQuestion(
                number=number,
                id=question.id,
                kind=question.kind,
                text=question.text,
                single_answer=question.single_answer,
                options=tuple(
                    ShownOption(
                        id=option_id,
                        text=option_text(question, question.option(option_id)),
                        chosen=option_id in chosen,
                    )
                    for option_id in option_ids
                ),
            )
        )
    return shown


@dataclass(frozen=True)
class ReviewedOption:
    text: str
    chosen: bool
    # None while the correct answers may not be shown.
    correct: bool | None


@dataclass(frozen=True)
class ReviewedQuestion:
    number: int
    kind: str
    text: str
    right: bool
    weight: int
    options: tuple[ReviewedOption, ...]
    explanation: str


def questions_reviewed(
    *, pool: Pool, draw: list, answers: dict[str, list[str]] | None, reveal: bool
) -> list[ReviewedQuestion]:
    """A submitted attempt question by question: what was chosen and whether it
    was right; the correct options and the explanation only when ``reveal``."""
    answers = answers or {}
    reviewed = []
    for number, (question_id, option_ids) in enumerate(draw, start=1):
        question = pool[question_id]
        chosen = answers.get(question_id) or []
        reviewed.append(
            ReviewedQuestion(
                number=number,
                kind=question.kind,
                text=question.text,
                right=question.is_right(chosen),
                weight=question.weight,
                options=tuple(
                    ReviewedOption(
                        text=option_text(question, option),
                        chosen=option.id in chosen,
                        correct=option.correct if reveal else None,
                    )
                    for option in (question.option(oid) for oid in option_ids)
                ),
                explanation=question.explanation if reveal else "",
            )
        )
    return reviewed
