"""Starting, saving, submitting and grading attempts; closing the ones left
open past their deadline; what the review may show."""

from __future__ import annotations

import random
import secrets
from datetime import datetime, timedelta
from decimal import ROUND_DOWN, Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from certificates.services import certificate_new
from cms.models import PolicyPage
from cms.quiz import Pool, quiz_pool
from lms.models import Employee, QuizAttempt
from lms.selectors.standing import CertificateState, standing_for
from lms.services.attempts.errors import (
    AnswersRejected,
    AttemptError,
    AttemptRefused,
)
from lms.services.attempts.rows import (
    OwnedAttempt,
    PolicyRules,
    _write_open,
    attempt_read,
)
from lms.services.attempts.status import attempt_refusal, local_time
from lms.services.certificates import (
    certificate_renewal_start,
    certificates_render_soon,
)

# Network latency allowed after a deadline for a submission or a save.
DEADLINE_GRACE = timedelta(seconds=30)
_RANDOM = secrets.SystemRandom()


def attempt_draw(*, pool: Pool, count: int, rng: random.Random = _RANDOM) -> list[list]:
    """``count`` questions of ``pool`` at random, each with its options
    shuffled (unless its kind keeps them in order, as true/false does): what
    an attempt stores as its ``draw``. ``rng``: the system's randomness,
    unless a repeatable draw is wanted (the demo's)."""
    chosen = rng.sample(list(pool), min(count, len(pool)))
    draw = []
    for question_id in chosen:
        question = pool[question_id]
        option_ids = [option.id for option in question.options]
        if not question.fixed_order:
            rng.shuffle(option_ids)
        draw.append([question_id, option_ids])
    return draw


@transaction.atomic
def attempt_start(*, employee: Employee, policy: PolicyPage) -> QuizAttempt:
    """Start an attempt at ``policy``'s quiz, or return the one in progress.

    Raises :class:`AttemptRefused` (with a message, and ``opens_at`` or
    ``certificate`` when they apply) when the employee may not start one now:
    the refusal is :func:`attempt_refusal` of the employee's standing
    (``lms.selectors.standing``), the same the quiz page shows. The number of
    queries does not depend on the number of questions.
    """
    now = timezone.now()
    if not policy.live:
        raise AttemptRefused(_("This course is not published."), status=404)
    standing = standing_for(employee=employee, policy=policy, now=now)
    if standing.assigned and standing.resumable is not None:
        return standing.resumable
    if standing.assigned and standing.open_attempt is not None:
        # Left open when the course changed materially: it can no longer be
        # graded (it would certify an old version). Close it ungraded.
        QuizAttempt.objects.filter(
            pk=standing.open_attempt.pk, submitted_at=None
        ).update(submitted_at=now)
    if refusal := attempt_refusal(standing=standing, now=now):
        raise refusal
    renewing = standing.certificate
    if (
        standing.certificate_state == CertificateState.EXPIRED
        and renewing.version == policy.version
    ):
        certificate_renewal_start(certificate=renewing, at=now)
    revision_id = standing.quiz.live_revision_id
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
                number=standing.attempts_used + 1,
                quiz_revision_id=revision_id,
                draw=attempt_draw(pool=pool, count=policy.questions_per_attempt),
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


def _check_current(attempt: QuizAttempt, policy: PolicyRules) -> None:
    """Refuse an attempt whose policy was unpublished or changed materially."""
    if not policy.live:
        raise AttemptRefused(_("This course is no longer published."))
    if attempt.version != policy.version:
        raise AttemptRefused(
            _(
                "This attempt belongs to an earlier version of the course, "
                "which has changed since: start a new attempt."
            )
        )


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


def attempt_late(*, attempt: QuizAttempt, now: datetime) -> bool:
    """Past the attempt's deadline and the grace: answers are no longer taken."""
    return attempt.deadline is not None and now > attempt.deadline + DEADLINE_GRACE


def attempt_save(*, owned: OwnedAttempt, answers: dict[str, list[str]]) -> QuizAttempt:
    """Keep ``answers`` on an attempt in progress (they replace the saved
    ones). A submitted attempt is returned unchanged; after the deadline
    (plus the grace) nothing is saved: :class:`AttemptRefused`. ``owned`` is
    the attempt as :func:`attempt_read` read it for its owner."""
    attempt, policy = owned.attempt, owned.policy
    if not attempt.is_open:
        return attempt
    _check_current(attempt, policy)
    pool = quiz_pool(revision_id=attempt.quiz_revision_id)
    clean = _clean_answers(attempt, pool, answers)
    if attempt_late(attempt=attempt, now=timezone.now()):
        raise AttemptRefused(
            _(
                "Time is up: answers can no longer be saved. The answers saved "
                "before %(time)s will be graded when you submit."
            )
            % {"time": local_time(attempt.deadline)}
        )
    attempt.answers = clean
    if not _write_open(attempt, ("answers",)):
        # Submitted meanwhile (another tab): that result stands.
        return attempt_read(attempt_id=attempt.pk, employee=owned.employee).attempt
    return attempt


def attempt_submit(
    *, owned: OwnedAttempt, answers: dict[str, list[str]] | None
) -> QuizAttempt:
    """Grade an attempt on the server and, if it passes, certify.

    Idempotent: an attempt already submitted is returned as it was graded,
    and of two concurrent submissions of one attempt only the first to write
    grades it (:func:`_write_open`). Answers are checked against the draw
    (:class:`AnswersRejected` for a question or option that is not in it:
    nothing changes). After the deadline plus :data:`DEADLINE_GRACE`, the
    answers saved in time are graded instead of ``answers``. The certificate
    is written with the grade, atomically. A fixed number of queries: the
    attempt with its policy (``owned``, read by :func:`attempt_read`), then
    one write (PostgreSQL) or a transaction.
    """
    now = timezone.now()
    attempt, policy, employee = owned.attempt, owned.policy, owned.employee
    if not attempt.is_open:
        return attempt
    _check_current(attempt, policy)
    pool = quiz_pool(revision_id=attempt.quiz_revision_id)
    clean = _clean_answers(attempt, pool, answers or {})
    if attempt_late(attempt=attempt, now=now) or answers is None:
        clean = attempt.answers or {}
    attempt.answers = clean
    attempt.score = grade(pool=pool, draw=attempt.draw, answers=clean)
    attempt.passed = attempt.score >= policy.pass_mark
    attempt.submitted_at = now
    certificate = None
    if attempt.passed:
        certificate = certificate_new(
            employee=employee,
            policy=policy,
            attempt=attempt,
            score=attempt.score,
            issued_at=now,
        )
    graded = _write_open(
        attempt, ("answers", "score", "passed", "submitted_at"), certificate
    )
    if not graded:
        # Another request graded it first: its result is the result.
        return attempt_read(attempt_id=attempt.pk, employee=owned.employee).attempt
    if certificate is not None:
        transaction.on_commit(certificates_render_soon)
    return attempt


def attempts_close_expired(*, now: datetime | None = None, limit: int = 5_000) -> int:
    """Grade the attempts left open past their deadline (plus
    :data:`DEADLINE_GRACE`) on the answers saved in time, as their owners'
    submission would have: a pass certifies. Runs every few minutes
    (``lms.tasks.attempts_close_expired``, scheduled after ``migrate``), so
    an employee who ran out of time and closed the page finds the result, and
    the readiness figures count the pass.

    An attempt of an earlier version (the course changed while it was open)
    is closed ungraded, as starting a new attempt would close it; one whose
    course is unpublished waits. Each attempt is written like a submission
    (conditional, atomic), so an owner submitting at the same moment changes
    nothing. Returns how many were closed, at most ``limit`` per run (the
    oldest first).
    """
    now = now or timezone.now()
    expired = (
        QuizAttempt.objects.filter(
            submitted_at__isnull=True,
            deadline__lt=now - DEADLINE_GRACE,
            policy__live=True,
        )
        .select_related("employee")
        .order_by("deadline", "pk")[:limit]
    )
    closed = 0
    for attempt in expired:
        owned = attempt_read(attempt_id=attempt.pk, employee=attempt.employee)
        if owned.attempt.version != owned.policy.version:
            closed += QuizAttempt.objects.filter(
                pk=attempt.pk, submitted_at__isnull=True
            ).update(submitted_at=now)
            continue
        try:
            result = attempt_submit(owned=owned, answers=None)
        except AttemptError:
            continue  # unpublished meanwhile: it waits
        closed += result.submitted_at is not None
    return closed


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
