"""Quiz attempts: start, save, submit and grade, on the server only.

An attempt draws ``policy.questions_per_attempt`` questions from the live quiz
revision and shuffles their options; the draw stays on the server (the page
shows it, the browser never sends it back). Answers are checked against the
draw, graded with the question weights and the pass mark, and a pass issues
the certificate atomically with the grade (``certificates.services``).

Submitting is idempotent: the grade is written by an UPDATE that only matches
an attempt still open (the database's row lock decides between two concurrent
ones), the certificate with it, and an attempt already submitted returns its
result unchanged, so a double click, a resubmitted form or two tabs give one
result and one certificate. The attempt is read and written with SQL written
once (``lms.sql``): two statements per submission on PostgreSQL.

Time limits: answers saved (``attempt_save``) before the deadline plus
:data:`DEADLINE_GRACE` count; a submission arriving later is graded on the
answers saved in time, whatever it carries.

See ``docs/quiz.md``.
"""

from __future__ import annotations

import functools
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_DOWN, Decimal

from django.db import IntegrityError, connections, router, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import Page

from certificates.models import Certificate
from certificates.services import certificate_new
from cms.models import PolicyPage, QuizPage
from lms.auth import attach_employee
from lms.models import Assignment, Employee, QuizAttempt, User
from lms.quiz import Pool, quiz_pool
from lms.services.progress import progress_modules_done
from lms.sql import Columns, column, insert_columns, insert_values, prepared, table

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


_ATTEMPT = Columns(QuizAttempt, "a")


@dataclass(frozen=True)
class PolicyRules:
    """What grading and certifying read of an attempt's policy (as it is now)."""

    id: int
    title: str
    live: bool
    code: str
    version: int
    pass_mark: int
    certificate_validity_months: int

    @property
    def pk(self) -> int:
        return self.id


_POLICY = Columns(
    PolicyPage, {Page: "g", PolicyPage: "p"}, fields=list(PolicyRules.__annotations__)
)


_EMPLOYEE = Columns(Employee, "e")
_USER = Columns(User, "u")


@dataclass
class OwnedAttempt:
    """An attempt read for saving or submitting: with its policy's rules and
    its owner's (active) employee record, which caches the user when the
    attempt was read by user (:func:`attempt_read`)."""

    attempt: QuizAttempt
    policy: PolicyRules
    employee: Employee

    @property
    def user(self) -> User:
        return self.employee.user


@functools.cache
def _read_sql(using: str, by_user: bool) -> str:
    ptr = column(PolicyPage, "page_ptr", using)
    select = f"{_ATTEMPT.sql(using)}, {_POLICY.sql(using)}"
    owner = f"a.{column(QuizAttempt, 'employee', using)} = %s"
    joins = ""
    if by_user:
        employee_id = column(Employee, "id", using)
        select += f", {_EMPLOYEE.sql(using)}, {_USER.sql(using)}"
        joins = (
            f" JOIN {table(Employee, using)} e "
            f"ON e.{employee_id} = a.{column(QuizAttempt, 'employee', using)} "
            f"AND e.{column(Employee, 'is_active', using)} "
            f"JOIN {table(User, using)} u ON u.{column(User, 'id', using)} "
            f"= e.{column(Employee, 'user', using)}"
        )
        owner = f"e.{column(Employee, 'user', using)} = %s"
    return (
        f"SELECT {select} FROM {table(QuizAttempt, using)} a "
        f"JOIN {table(PolicyPage, using)} p "
        f"ON p.{ptr} = a.{column(QuizAttempt, 'policy', using)} "
        f"JOIN {table(Page, using)} g ON g.{column(Page, 'id', using)} = p.{ptr}"
        f"{joins} WHERE a.{column(QuizAttempt, 'id', using)} = %s AND {owner}"
    )


def attempt_read(
    *, attempt_id: int, employee: Employee | None = None, user_id: int | None = None
) -> OwnedAttempt:
    """The attempt ``attempt_id`` of ``employee`` (or of the active employee
    of the user ``user_id``, read with it and its user), with its policy's
    rules, in one query (``lms.sql``: this runs on every save and submission;
    by user, it lets the view authenticate with the same row:
    ``lms.auth.authenticate_with``). Raises :class:`AttemptNotFound` for an
    attempt that is not theirs. Not locked: the writes that follow are
    conditional on the attempt being still open (:func:`_write_open`)."""
    by_user = employee is None
    using = router.db_for_write(QuizAttempt)
    with connections[using].cursor() as cursor:
        cursor.execute(
            _read_sql(using, by_user), [attempt_id, user_id if by_user else employee.pk]
        )
        row = cursor.fetchone()
    if row is None:
        raise AttemptNotFound(_("There is no such attempt."))
    attempt = _ATTEMPT.build(row, 0, using)
    start = len(_ATTEMPT) + len(_POLICY)
    policy = PolicyRules(**_POLICY.named(row, len(_ATTEMPT), using))
    if by_user:
        employee = _EMPLOYEE.build(row, start, using)
        user = _USER.build(row, start + len(_EMPLOYEE), using)
        attach_employee(user, employee)
    QuizAttempt.employee.field.set_cached_value(attempt, employee)
    return OwnedAttempt(attempt=attempt, policy=policy, employee=employee)


def _owned(
    attempt_id: int | None, employee: Employee | None, owned: OwnedAttempt | None
) -> OwnedAttempt:
    if owned is not None:
        return owned
    if attempt_id is None or employee is None:
        raise TypeError("attempt_id and employee, or owned, are required")
    return attempt_read(attempt_id=attempt_id, employee=employee)


@functools.cache
def _update_open_sql(using: str, fields: tuple[str, ...]) -> str:
    sets = ", ".join(f"{column(QuizAttempt, name, using)} = %s" for name in fields)
    return (
        f"UPDATE {table(QuizAttempt, using)} SET {sets} "
        f"WHERE {column(QuizAttempt, 'id', using)} = %s "
        f"AND {column(QuizAttempt, 'submitted_at', using)} IS NULL"
    )


@functools.cache
def _update_open_and_certify_sql(using: str, fields: tuple[str, ...]) -> str:
    columns, placeholders = insert_columns(Certificate, using)
    return (
        f"WITH graded AS ({_update_open_sql(using, fields)} RETURNING 1) "
        f"INSERT INTO {table(Certificate, using)} ({columns}) "
        f"SELECT {placeholders} FROM graded"
    )


def _write_open(
    attempt: QuizAttempt,
    fields: tuple[str, ...],
    certificate: Certificate | None = None,
) -> bool:
    """Write ``fields`` of ``attempt`` if it is still open, and then
    ``certificate`` with them, atomically: on PostgreSQL in one statement (an
    UPDATE and an INSERT of what it updated), elsewhere in a transaction.

    ``False`` when the attempt was submitted meanwhile (a double click, a
    second tab): nothing was written. The condition is checked by the UPDATE
    itself, under the row lock the database takes for it, so of two
    concurrent submissions exactly one grades and certifies.
    """
    using = router.db_for_write(QuizAttempt)
    connection = connections[using]
    params = [*prepared(QuizAttempt, fields, attempt, using), attempt.pk]
    if certificate is None:
        with connection.cursor() as cursor:
            cursor.execute(_update_open_sql(using, fields), params)
            return cursor.rowcount == 1
    values = insert_values(certificate, using)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                _update_open_and_certify_sql(using, fields), [*params, *values]
            )
            return cursor.rowcount == 1
    columns, placeholders = insert_columns(Certificate, using)
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute(_update_open_sql(using, fields), params)
        if cursor.rowcount != 1:
            return False
        cursor.execute(
            f"INSERT INTO {table(Certificate, using)} ({columns}) "
            f"VALUES ({placeholders})",
            values,
        )
        return True


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


def _late(attempt: QuizAttempt, now: datetime) -> bool:
    return attempt.deadline is not None and now > attempt.deadline + DEADLINE_GRACE


def attempt_save(
    *,
    attempt_id: int | None = None,
    employee: Employee | None = None,
    answers: dict[str, list[str]],
    owned: OwnedAttempt | None = None,
) -> QuizAttempt:
    """Keep ``answers`` on an attempt in progress (they replace the saved
    ones). A submitted attempt is returned unchanged; after the deadline
    (plus the grace) nothing is saved: :class:`AttemptRefused`. The attempt
    is ``employee``'s ``attempt_id``, or ``owned`` (:func:`attempt_read`)."""
    owned = _owned(attempt_id, employee, owned)
    attempt, policy = owned.attempt, owned.policy
    if not attempt.is_open:
        return attempt
    _check_current(attempt, policy)
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
    if not _write_open(attempt, ("answers",)):
        # Submitted meanwhile (another tab): that result stands.
        return attempt_read(attempt_id=attempt.pk, employee=owned.employee).attempt
    return attempt


def attempt_submit(
    *,
    attempt_id: int | None = None,
    employee: Employee | None = None,
    answers: dict[str, list[str]] | None,
    owned: OwnedAttempt | None = None,
) -> QuizAttempt:
    """Grade an attempt on the server and, if it passes, certify.

    Idempotent: an attempt already submitted is returned as it was graded,
    and of two concurrent submissions of one attempt only the first to write
    grades it (:func:`_write_open`). Answers are checked against the draw
    (:class:`AnswersRejected` for a question or option that is not in it:
    nothing changes). After the deadline plus :data:`DEADLINE_GRACE`, the
    answers saved in time are graded instead of ``answers``. The certificate
    is written with the grade, atomically. A fixed number of queries: the
    attempt with its policy, then one write (PostgreSQL) or a transaction.
    The attempt is ``employee``'s ``attempt_id``, or ``owned``
    (:func:`attempt_read`, already read).
    """
    now = timezone.now()
    owned = _owned(attempt_id, employee, owned)
    attempt, policy, employee = owned.attempt, owned.policy, owned.employee
    if not attempt.is_open:
        return attempt
    _check_current(attempt, policy)
    pool = quiz_pool(revision_id=attempt.quiz_revision_id)
    clean = _clean_answers(attempt, pool, answers or {})
    if _late(attempt, now) or answers is None:
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


__all__ = [
    "DEADLINE_GRACE",
    "AnswersRejected",
    "AttemptError",
    "AttemptNotFound",
    "AttemptRefused",
    "AttemptStatus",
    "OwnedAttempt",
    "attempt_read",
    "attempt_save",
    "attempt_start",
    "attempts_close_expired",
    "attempt_status",
    "attempt_submit",
    "grade",
    "review_visible",
]
