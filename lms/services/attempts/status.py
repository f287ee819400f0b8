"""Where an employee stands with a policy's quiz: attempts used and left,
the wait before the next one, the certificate (read only)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from certificates.models import Certificate
from cms.models import PolicyPage
from lms.models import Assignment, Employee, QuizAttempt
from lms.services.attempts.errors import AttemptRefused
from lms.services.progress import progress_modules_done


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
