"""Where one employee stands on one policy: computed here, and only here.

Every screen and service that needs to know how far an employee is with a
policy reads a :class:`Standing` from :func:`standings_for` (or
:func:`standing_for`): My training, the policy, module and quiz pages, and
``lms.services.attempts.attempt_start``. Whether a new attempt may start is a
pure function of a standing and the time
(``lms.services.attempts.attempt_refusal``). Two screens asking the same
question therefore get the same answer.

Which certificates count is one rule, written once as SQL
(``lms.selectors.certificates.certificate_accepted``): not revoked, not
superseded, not expired, and of a version the policy still accepts — its
current version, or an earlier one unless a later version (up to the current
one) was published as a material change requiring renewal and that renewal's
deadline has passed. The standing annotates each certificate with it;
readiness counts use the same expression over a whole tree
(``accepted_certificates``).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from django.db.models import (
    Q,
)
from django.utils import timezone
from django.utils.translation import pgettext_lazy

from certificates.models import Certificate
from cms.models import ModulePage, PolicyPage, PolicyVersion, QuizPage
from lms.models import Assignment, Employee, ModuleProgress, QuizAttempt
from lms.selectors.certificates import (
    CertificateState,
    certificate_state_of,
    certificates_annotated,
)

EXPIRING_SOON_DAYS = 30


# --- One employee's standing on a policy -----------------------------------------


class TrainingState(StrEnum):
    """Where an employee stands on one assigned policy, most urgent first."""

    OVERDUE = "overdue"
    TO_RENEW = "to_renew"
    EXPIRING = "expiring"
    IN_PROGRESS = "in_progress"
    NOT_STARTED = "not_started"
    CERTIFIED = "certified"


# A context of their own: the learner's words ("In progress": 学习中) must not
# replace Wagtail's same English words elsewhere in the admin (a review task
# "In progress" is 进行中, not 学习中).
TRAINING_STATE_LABELS = {
    TrainingState.OVERDUE: pgettext_lazy("training state", "Overdue"),
    TrainingState.TO_RENEW: pgettext_lazy("training state", "To renew"),
    TrainingState.EXPIRING: pgettext_lazy("training state", "Expiring soon"),
    TrainingState.IN_PROGRESS: pgettext_lazy("training state", "In progress"),
    TrainingState.NOT_STARTED: pgettext_lazy("training state", "Not started"),
    TrainingState.CERTIFIED: pgettext_lazy("training state", "Certified"),
}
_URGENCY = {
    TrainingState.OVERDUE: 0,
    TrainingState.TO_RENEW: 1,
    TrainingState.EXPIRING: 2,
    TrainingState.IN_PROGRESS: 3,
    TrainingState.NOT_STARTED: 3,
    TrainingState.CERTIFIED: 4,
}


def _ceil_minute(moment: datetime.datetime) -> datetime.datetime:
    """Waits end on a whole minute, so the time we print is the time it opens."""
    if moment.second or moment.microsecond:
        moment = moment.replace(second=0, microsecond=0)
        moment += datetime.timedelta(minutes=1)
    return moment


@dataclass(frozen=True)
class Standing:
    """Everything the product knows about one employee and one policy, as of
    ``now``: the assignment, modules read of the live ones, the quiz and the
    attempts at its current version, and the best certificate with how it
    stands."""

    policy: PolicyPage
    now: datetime.datetime
    assignment: Assignment | None
    modules: tuple[ModulePage, ...]
    done_module_ids: frozenset[int]
    quiz: QuizPage | None
    submitted: tuple[QuizAttempt, ...]  # of the current version, oldest first
    open_attempt: QuizAttempt | None  # in progress, of any version
    certificate: Certificate | None  # accepted if one is, else the latest
    certificate_state: CertificateState
    renew_by: datetime.date | None = None
    # Renewing an earlier version: only the modules its later versions changed
    # (None: every module).
    changed_module_ids: frozenset[int] | None = None

    # -- the assignment ----------------------------------------------------------

    @property
    def assigned(self) -> bool:
        return self.assignment is not None

    @property
    def due_on(self) -> datetime.date | None:
        return self.assignment.due_on if self.assignment else None

    # -- modules -----------------------------------------------------------------

    @property
    def delta(self) -> bool:
        """A holder of an earlier version renews by reading what changed."""
        return self.changed_module_ids is not None

    @property
    def required_modules(self) -> tuple[ModulePage, ...]:
        """The modules to read before the quiz: every live module, or for a
        renewal only the changed ones."""
        if self.changed_module_ids is None:
            return self.modules
        return tuple(m for m in self.modules if m.pk in self.changed_module_ids)

    @property
    def modules_total(self) -> int:
        return len(self.required_modules)

    @property
    def modules_done(self) -> int:
        return sum(1 for m in self.required_modules if m.pk in self.done_module_ids)

    @property
    def next_module(self) -> ModulePage | None:
        """Where to continue: the first module to read not read yet."""
        for module in self.required_modules:
            if module.pk not in self.done_module_ids:
                return module
        return None

    # -- the certificate ---------------------------------------------------------

    @property
    def certified(self) -> bool:
        """The employee holds a certificate that counts now."""
        return self.certificate_state in (
            CertificateState.VALID,
            CertificateState.RENEW_BY,
        )

    # -- the quiz ----------------------------------------------------------------

    @property
    def quiz_passed(self) -> bool:
        """The quiz step is done: a certificate counts and needs no renewal."""
        return self.certificate_state == CertificateState.VALID

    @property
    def quiz_open(self) -> bool:
        """Every live module is read for the current version."""
        return self.quiz is not None and self.modules_done == self.modules_total

    @property
    def attempts_used(self) -> int:
        return len(self.submitted)

    @property
    def max_attempts(self) -> int:
        return self.policy.max_attempts

    @property
    def attempts_left(self) -> int:
        return max(self.max_attempts - self.attempts_used, 0)

    @property
    def last_attempt(self) -> QuizAttempt | None:
        return self.submitted[-1] if self.submitted else None

    @property
    def resumable(self) -> QuizAttempt | None:
        """The attempt in progress, if it is of the current version (one of an
        earlier version is closed when a new one starts)."""
        attempt = self.open_attempt
        if attempt is not None and attempt.version == self.policy.version:
            return attempt
        return None

    @property
    def opens_at(self) -> datetime.datetime | None:
        """When the next attempt may start after the last one (the wait)."""
        last = self.last_attempt
        if last is None or not self.policy.attempt_wait_minutes:
            return None
        wait = datetime.timedelta(minutes=self.policy.attempt_wait_minutes)
        return _ceil_minute(last.submitted_at + wait)

    @property
    def waiting(self) -> bool:
        """A failed attempt's wait is still running (and attempts are left)."""
        return (
            not self.certified
            and self.attempts_left > 0
            and self.opens_at is not None
            and self.now < self.opens_at
        )

    @property
    def started(self) -> bool:
        return (
            bool(self.done_module_ids) or bool(self.submitted) or bool(self.resumable)
        )

    # -- My training -------------------------------------------------------------

    @property
    def state(self) -> TrainingState:
        if self.certificate_state == CertificateState.RENEW_BY:
            return TrainingState.TO_RENEW
        if self.certified:
            soon = self.now + datetime.timedelta(days=EXPIRING_SOON_DAYS)
            expires = self.certificate.expires_at
            if expires is not None and expires <= soon:
                return TrainingState.EXPIRING
            return TrainingState.CERTIFIED
        if self.due_on is not None and self.due_on < timezone.localdate(self.now):
            return TrainingState.OVERDUE
        if self.started:
            return TrainingState.IN_PROGRESS
        return TrainingState.NOT_STARTED

    @property
    def state_label(self) -> str:
        return TRAINING_STATE_LABELS[self.state]

    @property
    def steps_total(self) -> int:
        return self.modules_total + 1

    @property
    def steps_done(self) -> int:
        return self.steps_total if self.quiz_passed else self.modules_done

    @property
    def sort_key(self) -> tuple:
        state = self.state
        if state == TrainingState.TO_RENEW:
            date = self.renew_by
        elif state == TrainingState.EXPIRING:
            date = timezone.localdate(self.certificate.expires_at)
        elif state == TrainingState.CERTIFIED or self.due_on is None:
            date = datetime.date.max
        else:
            date = self.due_on
        return (_URGENCY[state], date, self.policy.code)


def _children_by_policy(
    model, policies: dict[int, PolicyPage], *, defer: tuple[str, ...] = ()
) -> dict[int, list]:
    """The live children of type ``model`` of each policy, in page order (one
    query; ``defer``: the heavy fields the lists do not show)."""
    by_path = {policy.path: policy.pk for policy in policies.values()}
    children = Q(pk__in=[])
    for policy in policies.values():
        children |= Q(path__startswith=policy.path, depth=policy.depth + 1)
    found: dict[int, list] = {pk: [] for pk in policies}
    queryset = model.objects.live().filter(children).order_by("path")
    for page in queryset.defer(*defer):
        found[by_path[page.path[: -model.steplen]]].append(page)
    return found


_RENEWING = (CertificateState.RENEW_BY, CertificateState.RENEWAL_LAPSED)


def _changed_modules(
    policies: dict[int, PolicyPage],
    best: dict[int, Certificate],
    states: dict[int, CertificateState],
) -> dict[int, frozenset[int]]:
    """For each policy the employee renews from an earlier version, the
    modules its later versions changed (one query, only when there is such a
    policy). A version made by a material change of the policy or the quiz
    changed no module: the holder retakes the quiz."""
    renewing = {
        pk: best[pk].version for pk, state in states.items() if state in _RENEWING
    }
    if not renewing:
        return {}
    later = Q(pk__in=[])
    for pk, version in renewing.items():
        later |= Q(policy_id=pk, number__gt=version, number__lte=policies[pk].version)
    changed: dict[int, set[int]] = {pk: set() for pk in renewing}
    for policy_id, module_ids in PolicyVersion.objects.filter(later).values_list(
        "policy_id", "changed_modules"
    ):
        changed[policy_id].update(int(m) for m in module_ids or [])
    return {pk: frozenset(ids) for pk, ids in changed.items()}


def standings_for(
    *,
    employee: Employee,
    policies: Iterable[PolicyPage] | None = None,
    now: datetime.datetime | None = None,
) -> list[Standing]:
    """The employee's standings: on each of ``policies`` (assigned or not, in
    the order given), or by default on every live policy assigned to them,
    most urgent first.

    Six queries whatever the number of policies: the assignments (with their
    policies, unless ``policies`` are given), the live modules and quizzes,
    the module progress of the current versions, the attempts, and the
    certificates with the rule of :func:`certificate_accepted`; a seventh
    when the employee renews an earlier version (the versions since, for the
    modules they changed).
    """
    now = now or timezone.now()
    assignments = Assignment.objects.filter(employee=employee, is_active=True)
    if policies is None:
        rows = list(
            assignments.filter(policy__live=True)
            .select_related("policy")
            .order_by("due_on", "policy__code")
        )
        by_policy = {row.policy_id: row for row in rows}
        chosen = {row.policy_id: row.policy for row in rows}
    else:
        chosen = {policy.pk: policy for policy in policies}
        by_policy = {
            row.policy_id: row for row in assignments.filter(policy_id__in=chosen)
        }
    if not chosen:
        return []
    ids = list(chosen)

    modules = _children_by_policy(ModulePage, chosen, defer=("body",))
    quizzes = _children_by_policy(QuizPage, chosen, defer=("questions",))
    current = Q(pk__in=[])
    for policy in chosen.values():
        current |= Q(policy_id=policy.pk, version=policy.version)
    done: dict[int, set[int]] = {pk: set() for pk in ids}
    for policy_id, module_id in ModuleProgress.objects.filter(
        current, employee=employee
    ).values_list("policy_id", "module_id"):
        done[policy_id].add(module_id)

    submitted: dict[int, list[QuizAttempt]] = {pk: [] for pk in ids}
    open_attempts: dict[int, QuizAttempt] = {}
    for attempt in (
        QuizAttempt.objects.filter(employee=employee, policy_id__in=ids)
        .filter(current | Q(submitted_at__isnull=True))
        .defer("draw", "answers")
        .order_by("submitted_at", "pk")
    ):
        if attempt.is_open:
            open_attempts[attempt.policy_id] = attempt
        else:
            submitted[attempt.policy_id].append(attempt)

    best: dict[int, Certificate] = {}
    for certificate in (
        certificates_annotated(at=now)
        .filter(employee=employee, policy_id__in=ids)
        .order_by("-version", "-issued_at", "-pk")
    ):
        held = best.get(certificate.policy_id)
        if held is None or (certificate.accepted and not held.accepted):
            best[certificate.policy_id] = certificate

    states = {
        pk: certificate_state_of(best.get(pk), policy, now)
        for pk, policy in chosen.items()
    }
    changed = _changed_modules(chosen, best, states)
    standings = []
    for pk, policy in chosen.items():
        certificate = best.get(pk)
        state = states[pk]
        standings.append(
            Standing(
                policy=policy,
                now=now,
                assignment=by_policy.get(pk),
                modules=tuple(modules[pk]),
                done_module_ids=frozenset(done[pk]),
                quiz=quizzes[pk][0] if quizzes[pk] else None,
                submitted=tuple(submitted[pk]),
                open_attempt=open_attempts.get(pk),
                certificate=certificate,
                certificate_state=state,
                renew_by=certificate.renew_by
                if state == CertificateState.RENEW_BY
                else None,
                changed_module_ids=changed.get(pk),
            )
        )
    if policies is None:
        standings.sort(key=lambda standing: standing.sort_key)
    return standings


def standing_for(
    *, employee: Employee, policy: PolicyPage, now: datetime.datetime | None = None
) -> Standing:
    """The employee's standing on ``policy`` (assigned or not)."""
    [standing] = standings_for(employee=employee, policies=[policy], now=now)
    return standing
