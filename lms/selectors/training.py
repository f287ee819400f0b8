"""My training: one row per assignment, in a fixed number of queries."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from enum import StrEnum

from django.db.models import (
    Q,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from certificates.models import Certificate
from cms.models import MaterialChange, ModulePage, PolicyPage, PolicyVersion, QuizPage
from lms.models import (
    Assignment,
    Employee,
    ModuleProgress,
    QuizAttempt,
)

# --- My training: one row per assignment, in a fixed number of queries --------

EXPIRING_SOON_DAYS = 30


class TrainingState(StrEnum):
    """Where an employee stands on one assigned policy, most urgent first."""

    OVERDUE = "overdue"
    TO_RENEW = "to_renew"
    EXPIRING = "expiring"
    IN_PROGRESS = "in_progress"
    NOT_STARTED = "not_started"
    CERTIFIED = "certified"


TRAINING_STATE_LABELS = {
    TrainingState.OVERDUE: _("Overdue"),
    TrainingState.TO_RENEW: _("To renew"),
    TrainingState.EXPIRING: _("Expiring soon"),
    TrainingState.IN_PROGRESS: _("In progress"),
    TrainingState.NOT_STARTED: _("Not started"),
    TrainingState.CERTIFIED: _("Certified"),
}
_URGENCY = {
    TrainingState.OVERDUE: 0,
    TrainingState.TO_RENEW: 1,
    TrainingState.EXPIRING: 2,
    TrainingState.IN_PROGRESS: 3,
    TrainingState.NOT_STARTED: 3,
    TrainingState.CERTIFIED: 4,
}


@dataclass(frozen=True)
class CertificateStanding:
    """How a valid certificate stands against its policy's current version."""

    counts: bool  # it certifies the current version (maybe only until renew_by)
    renew_by: datetime.date | None = None  # set: to renew by that date


def certificate_standing(
    *,
    certificate_version: int,
    policy_version: int,
    versions: list[PolicyVersion],
    today: datetime.date,
) -> CertificateStanding:
    """Whether a (valid) certificate of ``certificate_version`` still counts.

    It counts for the current version when it is of that version, or of an
    earlier one and no later version requires renewal. When later versions do
    require renewal, it counts until the earliest of their ``renew_by`` dates
    (then the holder is "to renew"), and no longer once that date is past.
    """
    if certificate_version >= policy_version:
        return CertificateStanding(counts=True)
    renewals = [
        version
        for version in versions
        if certificate_version < version.number <= policy_version
        and version.earlier_certificates == MaterialChange.Earlier.RENEW
    ]
    if not renewals:
        return CertificateStanding(counts=True)
    deadlines = [version.renew_by for version in renewals]
    if any(deadline is None for deadline in deadlines):
        return CertificateStanding(counts=False)
    renew_by = min(deadlines)
    if renew_by < today:
        return CertificateStanding(counts=False)
    return CertificateStanding(counts=True, renew_by=renew_by)


@dataclass(frozen=True)
class TrainingItem:
    """One assigned policy on "My training"."""

    policy: PolicyPage
    due_on: datetime.date
    state: TrainingState
    modules: list[ModulePage]
    done_module_ids: frozenset[int]
    quiz: QuizPage | None
    attempts: int
    certificate: Certificate | None = None
    renew_by: datetime.date | None = None

    @property
    def state_label(self) -> str:
        return TRAINING_STATE_LABELS[self.state]

    @property
    def modules_total(self) -> int:
        return len(self.modules)

    @property
    def modules_done(self) -> int:
        return sum(1 for module in self.modules if module.pk in self.done_module_ids)

    @property
    def quiz_passed(self) -> bool:
        """The quiz step: passed for the current version (a certificate counts)."""
        return self.state in (TrainingState.CERTIFIED, TrainingState.EXPIRING)

    @property
    def steps_total(self) -> int:
        return self.modules_total + 1

    @property
    def steps_done(self) -> int:
        if self.quiz_passed:
            return self.steps_total
        return self.modules_done

    @property
    def quiz_open(self) -> bool:
        """Every live module is read for the current version."""
        return self.quiz is not None and self.modules_done == self.modules_total

    @property
    def next_module(self) -> ModulePage | None:
        """Where to continue: the first module not read yet."""
        for module in self.modules:
            if module.pk not in self.done_module_ids:
                return module
        return None

    @property
    def is_certified(self) -> bool:
        return self.certificate is not None

    @property
    def sort_key(self) -> tuple:
        if self.state == TrainingState.TO_RENEW:
            date = self.renew_by
        elif self.state == TrainingState.EXPIRING:
            date = timezone.localdate(self.certificate.expires_at)
        elif self.state == TrainingState.CERTIFIED:
            date = datetime.date.max
        else:
            date = self.due_on
        return (_URGENCY[self.state], date, self.policy.code)


def training_for(
    *, employee: Employee, policy_ids: list[int] | None = None
) -> list[TrainingItem]:
    """The employee's active assignments of live policies, most urgent first.

    Seven queries whatever the number of assignments: the assignments with
    their policies, then the live modules and quizzes of those policies, the
    employee's module progress, quiz attempts and valid certificates, and the
    policies' versions; the rest is done in Python on those rows.
    """
    today = timezone.localdate()
    now = timezone.now()
    assignments = list(
        Assignment.objects.filter(employee=employee, is_active=True, policy__live=True)
        .filter(**({"policy_id__in": policy_ids} if policy_ids is not None else {}))
        .select_related("policy")
        .order_by("due_on", "policy__code")
    )
    if not assignments:
        return []
    policies = {assignment.policy_id: assignment.policy for assignment in assignments}
    by_path = {policy.path: policy.pk for policy in policies.values()}
    children = Q(pk__in=[])
    for policy in policies.values():
        children |= Q(path__startswith=policy.path, depth=policy.depth + 1)

    modules: dict[int, list[ModulePage]] = {pk: [] for pk in policies}
    for module in (
        ModulePage.objects.live().filter(children).order_by("path").defer("body")
    ):
        modules[by_path[module.path[: -ModulePage.steplen]]].append(module)
    quizzes: dict[int, QuizPage] = {}
    for quiz in (
        QuizPage.objects.live().filter(children).order_by("path").defer("questions")
    ):
        quizzes.setdefault(by_path[quiz.path[: -QuizPage.steplen]], quiz)

    current = Q(pk__in=[])
    for policy in policies.values():
        current |= Q(policy_id=policy.pk, version=policy.version)
    done: dict[int, set[int]] = {pk: set() for pk in policies}
    for policy_id, module_id in ModuleProgress.objects.filter(
        current, employee=employee
    ).values_list("policy_id", "module_id"):
        done[policy_id].add(module_id)
    attempts: dict[int, int] = dict.fromkeys(policies, 0)
    for policy_id in QuizAttempt.objects.filter(current, employee=employee).values_list(
        "policy_id", flat=True
    ):
        attempts[policy_id] += 1

    best: dict[int, Certificate] = {}
    for certificate in (
        Certificate.objects.valid(now)
        .filter(employee=employee, policy_id__in=list(policies))
        .order_by("-version", "-issued_at")
    ):
        best.setdefault(certificate.policy_id, certificate)
    versions: dict[int, list[PolicyVersion]] = {pk: [] for pk in policies}
    for version in PolicyVersion.objects.filter(policy_id__in=list(policies)):
        versions[version.policy_id].append(version)

    soon = now + datetime.timedelta(days=EXPIRING_SOON_DAYS)
    items = []
    for assignment in assignments:
        policy = assignment.policy
        certificate = best.get(policy.pk)
        renew_by = None
        if certificate is not None:
            standing = certificate_standing(
                certificate_version=certificate.version,
                policy_version=policy.version,
                versions=versions[policy.pk],
                today=today,
            )
            if not standing.counts:
                certificate = None
            renew_by = standing.renew_by
        started = bool(done[policy.pk]) or attempts[policy.pk] > 0
        if certificate is not None and renew_by is not None:
            state = TrainingState.TO_RENEW
        elif certificate is not None:
            expiring = certificate.expires_at and certificate.expires_at <= soon
            state = TrainingState.EXPIRING if expiring else TrainingState.CERTIFIED
        elif assignment.due_on < today:
            state = TrainingState.OVERDUE
        elif started:
            state = TrainingState.IN_PROGRESS
        else:
            state = TrainingState.NOT_STARTED
        items.append(
            TrainingItem(
                policy=policy,
                due_on=assignment.due_on,
                state=state,
                modules=modules[policy.pk],
                done_module_ids=frozenset(done[policy.pk]),
                quiz=quizzes.get(policy.pk),
                attempts=attempts[policy.pk],
                certificate=certificate,
                renew_by=renew_by,
            )
        )
    return sorted(items, key=lambda item: item.sort_key)
