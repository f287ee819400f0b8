"""Quiz attempts: start, save, submit and grade, on the server only.

An attempt draws ``policy.questions_per_attempt`` questions from the live quiz
revision and shuffles their options; the draw stays on the server (the page
shows it, the browser never sends it back). Answers are checked against the
draw, graded with the question weights and the pass mark, and a pass issues
the certificate in the same transaction (``certificates.services``).

Submitting is idempotent: the attempt row is locked (``select_for_update``;
SQLite's immediate transactions serialise writers anyway) and an attempt
already submitted returns its result unchanged, so a double click, a
resubmitted form or two tabs give one result and one certificate.

Time limits: answers saved (``attempt_save``) before the deadline plus
:data:`DEADLINE_GRACE` count; a submission arriving later is graded on the
answers saved in time, whatever it carries.

See ``docs/quiz.md``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_DOWN, Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from certificates.models import Certificate
from certificates.services import certificate_issue
from cms.models import PolicyPage, QuizPage
from lms.models import Assignment, Employee, QuizAttempt
from lms.quiz import Pool, quiz_pool
from lms.services.progress import progress_modules_done

# Network latency allowed after a deadline for a submission or a save.
DEADLINE_GRACE = timedelta(seconds=30)
_RANDOM = secrets.SystemRandom()


class AttemptError(Exception):
    """A refusal with a message for the person (``str(error)``) and the HTTP
    status a view answers with."""

    status = 400

    def __init__(self, message: str, *, status: int | None = None):
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status


class AttemptRefused(AttemptError):
    """An attempt cannot be started, saved or submitted now."""

    status = 409

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        opens_at: datetime | None = None,
        certificate: Certificate | None = None,
    ):
        super().__init__(message, status=status)
        self.opens_at = opens_at
        self.certificate = certificate


class AnswersRejected(AttemptError):
    """The answers do not fit the attempt's draw (forged or tampered)."""

    status = 400


class AttemptNotFound(AttemptError):
    """No such attempt of this employee (another's attempts are not found)."""

    status = 404


@dataclass
class AttemptStatus:
    """Where an employee stands with a policy's quiz (current version)."""

    assigned: bool
    modules_done: int
    modules_total: int
    attempts_used: int
    max_attempts: int
    open_attempt: QuizAttempt | None = None
    last_attempt: QuizAttempt | None = None
    opens_at: datetime | None = None
    certificate: Certificate | None = None
    submitted: list[QuizAttempt] = field(default_factory=list)

    @property
    def attempts_left(self) -> int:
        return max(self.max_attempts - self.attempts_used, 0)

    def refusal(self, *, now: datetime) -> AttemptRefused | None:
        """Why a new attempt cannot start now (``None``: it can)."""
        if not self.assigned:
            return AttemptRefused(_("This course is not assigned to you."), status=403)
        if self.certificate is not None:
            return AttemptRefused(
                _("You are already certified for this version of the course."),
                certificate=self.certificate,
            )
        if self.modules_done < self.modules_total:
            return AttemptRefused(
                _("Finish every module first: %(done)d of %(total)d done.")
                % {"done": self.modules_done, "total": self.modules_total}
            )
        if self.attempts_left == 0:
            return AttemptRefused(
                _("You have used all %(count)d attempts for this version.")
                % {"count": self.max_attempts}
            )
        if self.opens_at is not None and now < self.opens_at:
            return AttemptRefused(
                _("Your next attempt opens at %(time)s (local time).")
                % {"time": local_time(self.opens_at)},
                opens_at=self.opens_at,
            )
        return None


def local_time(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _ceil_minute(moment: datetime) -> datetime:
    """Waits end on a whole minute, so the time we print is the time it opens."""
    if moment.second or moment.microsecond:
        moment = moment.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return moment


def attempt_status(*, employee: Employee, policy: PolicyPage) -> AttemptStatus:
    """The employee's standing with ``policy``'s quiz, in a fixed number of
    queries (assignment, attempts, certificate, two for the modules)."""
    assigned = Assignment.objects.filter(
        employee=employee, policy=policy, is_active=True
    ).exists()
    attempts = list(
        QuizAttempt.objects.filter(employee=employee, policy=policy)
        .filter(Q(version=policy.version) | Q(submitted_at__isnull=True))
        .defer("draw", "answers")
        .order_by("started_at", "pk")
    )
    submitted = [a for a in attempts if a.submitted_at and a.version == policy.version]
    open_attempt = next((a for a in attempts if a.is_open), None)
    certificate = (
        Certificate.objects.valid()
        .filter(employee=employee, policy=policy, version=policy.version)
        .first()
    )
    done, total = progress_modules_done(employee=employee, policy=policy)
    last = max(submitted, key=lambda a: a.submitted_at) if submitted else None
    opens_at = None
    if last is not None and policy.attempt_wait_minutes:
        opens_at = _ceil_minute(
            last.submitted_at + timedelta(minutes=policy.attempt_wait_minutes)
        )
    return AttemptStatus(
        assigned=assigned,
        modules_done=done,
        modules_total=total,
        attempts_used=len(submitted),
        max_attempts=policy.max_attempts,
        open_attempt=open_attempt,
        last_attempt=last,
        opens_at=opens_at,
        certificate=certificate,
        submitted=submitted,
    )


def _draw(pool: Pool, count: int) -> list[list]:
    """``count`` questions at random, each with its options shuffled (true/false
    keeps "true", "false")."""
    chosen = _RANDOM.sample(list(pool), min(count, len(pool)))
    draw = []
    for question_id in chosen:
        question = pool[question_id]
        option_ids = [option.id for option in question.options]
        if question.kind != "true_false":
            _RANDOM.shuffle(option_ids)
        draw.append([question_id, option_ids])
    return draw


@transaction.atomic
def attempt_start(*, employee: Employee, policy: PolicyPage) -> QuizAttempt:
    """Start an attempt at ``policy``'s quiz, or return the one in progress.

    Raises :class:`AttemptRefused` (with a message, and ``opens_at`` or
    ``certificate`` when they apply) when the employee may not start one now.
    The number of queries does not depend on the number of questions.
    """
    now = timezone.now()
    if not policy.live:
        raise AttemptRefused(_("This course is not published."), status=404)
    status = attempt_status(employee=employee, policy=policy)
    if not status.assigned:
        raise status.refusal(now=now)
    open_attempt = status.open_attempt
    if open_attempt is not None:
        if open_attempt.version == policy.version:
            return open_attempt
        # Left open when the course changed materially: it can no longer be
        # graded (it would certify an old version). Close it ungraded.
        QuizAttempt.objects.filter(pk=open_attempt.pk, submitted_at=None).update(
            submitted_at=now
        )
    if refusal := status.refusal(now=now):
        raise refusal
    revision_id = (
        QuizPage.objects.child_of(policy)
        .live()
        .values_list("live_revision_id", flat=True)
        .first()
    )
    if revision_id is None:
        raise AttemptRefused(_("This course has no quiz yet."))
    pool = quiz_pool(revision_id=revision_id)
    deadline = None
    if policy.time_limit_minutes:
        deadline = now + timedelta(minutes=policy.time_limit_minutes)
    try:
        with transaction.atomic():
            return QuizAttempt.objects.create(
                employee=employee,
                policy=policy,
                version=policy.version,
                number=status.attempts_used + 1,
                quiz_revision_id=revision_id,
                draw=_draw(pool, policy.questions_per_attempt),
                started_at=now,
                deadline=deadline,
            )
    except IntegrityError:
        # A double click: the other request created the attempt first.
        existing = QuizAttempt.objects.filter(
            employee=employee, policy=policy, submitted_at=None
        ).first()
        if existing is None:
            raise
        return existing


def _clean_answers(
    attempt: QuizAttempt, pool: Pool, answers: dict[str, list[str]]
) -> dict[str, list[str]]:
    """``answers`` checked against the attempt's draw: every question drawn,
    every option shown for it, one option for single choice and true/false.
    Raises :class:`AnswersRejected` otherwise."""
    drawn = dict(attempt.draw)
    clean: dict[str, list[str]] = {}
    for question_id, chosen in answers.items():
        if question_id not in drawn:
            raise AnswersRejected(
                _("The answers name a question that is not part of this attempt.")
            )
        chosen = list(dict.fromkeys(chosen))  # no duplicates, order kept
        if any(option_id not in drawn[question_id] for option_id in chosen):
            raise AnswersRejected(
                _("The answers name an option that is not part of this attempt.")
            )
        if len(chosen) > 1 and pool[question_id].single_answer:
            raise AnswersRejected(
                _("Question %(number)d takes one answer only.")
                % {"number": list(drawn).index(question_id) + 1}
            )
        if chosen:
            clean[question_id] = chosen
    return clean


def _locked_attempt(*, attempt_id: int, employee: Employee) -> QuizAttempt:
    # The policy comes in the same query; only the attempt row is locked.
    attempt = (
        QuizAttempt.objects.select_for_update(of=("self",))
        .select_related("policy")
        .filter(pk=attempt_id, employee=employee)
        .first()
    )
    if attempt is None:
        raise AttemptNotFound(_("There is no such attempt."))
    return attempt


def _current_version(attempt: QuizAttempt) -> PolicyPage:
    policy = attempt.policy
    if not policy.live:
        raise AttemptRefused(_("This course is no longer published."))
    if attempt.version != policy.version:
        raise AttemptRefused(
            _(
                "This attempt belongs to an earlier version of the course, "
                "which has changed since: start a new attempt."
            )
        )
    return policy


def grade(*, pool: Pool, draw: list, answers: dict[str, list[str]]) -> Decimal:
    """The score (0–100, two decimals, rounded down so that a score shown as
    the pass mark is a pass): the weights of the questions answered right over
    the weights of the questions drawn."""
    total = right = 0
    for question_id, _options in draw:
        question = pool[question_id]
        total += question.weight
        if question.is_right(answers.get(question_id)):
            right += question.weight
    if not total:
        return Decimal("0.00")
    return (Decimal(right) * 100 / Decimal(total)).quantize(
        Decimal("0.01"), rounding=ROUND_DOWN
    )


def _late(attempt: QuizAttempt, now: datetime) -> bool:
    return attempt.deadline is not None and now > attempt.deadline + DEADLINE_GRACE


@transaction.atomic
def attempt_save(
    *, attempt_id: int, employee: Employee, answers: dict[str, list[str]]
) -> QuizAttempt:
    """Keep ``answers`` on an attempt in progress (they replace the saved
    ones). A submitted attempt is returned unchanged; after the deadline
    (plus the grace) nothing is saved: :class:`AttemptRefused`."""
    attempt = _locked_attempt(attempt_id=attempt_id, employee=employee)
    if not attempt.is_open:
        return attempt
    _current_version(attempt)
    pool = quiz_pool(revision_id=attempt.quiz_revision_id)
    clean = _clean_answers(attempt, pool, answers)
    if _late(attempt, timezone.now()):
        raise AttemptRefused(
            _(
                "Time is up: answers can no longer be saved. The answers saved "
                "before %(time)s will be graded when you submit."
            )
            % {"time": local_time(attempt.deadline)}
        )
    attempt.answers = clean
    attempt.save(update_fields=["answers"])
    return attempt


@transaction.atomic
def attempt_submit(
    *, attempt_id: int, employee: Employee, answers: dict[str, list[str]] | None
) -> QuizAttempt:
    """Grade an attempt on the server and, if it passes, certify.

    Idempotent: an attempt already submitted is returned as it was graded.
    Answers are checked against the draw (:class:`AnswersRejected` for a
    question or option that is not in it: nothing changes). After the deadline
    plus :data:`DEADLINE_GRACE`, the answers saved in time are graded instead
    of ``answers``. The certificate is issued in this transaction.
    """
    now = timezone.now()
    attempt = _locked_attempt(attempt_id=attempt_id, employee=employee)
    if not attempt.is_open:
        return attempt
    policy = _current_version(attempt)
    pool = quiz_pool(revision_id=attempt.quiz_revision_id)
    clean = _clean_answers(attempt, pool, answers or {})
    if _late(attempt, now) or answers is None:
        clean = attempt.answers or {}
    attempt.answers = clean
    attempt.score = grade(pool=pool, draw=attempt.draw, answers=clean)
    attempt.passed = attempt.score >= policy.pass_mark
    attempt.submitted_at = now
    attempt.save(update_fields=["answers", "score", "passed", "submitted_at"])
    if attempt.passed:
        certificate_issue(
            employee=employee,
            policy=policy,
            attempt=attempt,
            score=attempt.score,
            issued_at=now,
        )
    return attempt


def review_visible(*, attempt: QuizAttempt, policy: PolicyPage, used: int) -> bool:
    """May the correct answers and explanations of a submitted ``attempt`` be
    shown? ``used``: the submitted attempts of its version.

    - "submit": after any submission;
    - "pass": after a pass only;
    - "last": after a pass, or once no attempt is left.
    """
    if attempt.is_open or attempt.passed is None:
        return False
    rule = policy.review_answers
    if rule == PolicyPage.Review.AFTER_SUBMIT:
        return True
    if rule == PolicyPage.Review.AFTER_PASS:
        return bool(attempt.passed)
    return bool(attempt.passed) or used >= policy.max_attempts


__all__ = [
    "DEADLINE_GRACE",
    "AnswersRejected",
    "AttemptError",
    "AttemptNotFound",
    "AttemptRefused",
    "AttemptStatus",
    "attempt_save",
    "attempt_start",
    "attempt_status",
    "attempt_submit",
    "grade",
    "review_visible",
]
