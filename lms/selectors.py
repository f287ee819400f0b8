"""Reads that cross relations: scoping by org subtree, unit paths."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from enum import StrEnum

from django.db.models import (
    CharField,
    Count,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Length, Substr
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from certificates.models import Certificate
from cms.models import MaterialChange, ModulePage, PolicyPage, PolicyVersion, QuizPage
from lms.models import (
    Assignment,
    AudiencePosition,
    AudienceUnit,
    Employee,
    ImportJob,
    ManagerScope,
    ModuleProgress,
    OrgUnit,
    Position,
    QuizAttempt,
    User,
)

FULL_VIEW_PERMISSION = "lms.change_employee"


def scope_paths_for(*, user: User) -> list[str] | None:
    """Tree paths of the subtrees ``user`` may see; ``None`` means everything."""
    if not user.is_authenticated or not user.is_active:
        return []
    if user.is_superuser or user.has_perm(FULL_VIEW_PERMISSION):
        return None
    paths = sorted(
        ManagerScope.objects.filter(user=user).values_list("unit__path", flat=True)
    )
    # Drop scopes nested inside another scope of the same user.
    kept: list[str] = []
    for path in paths:
        if not any(path.startswith(outer) for outer in kept):
            kept.append(path)
    return kept


def _subtree_filter(paths: list[str], field: str) -> Q:
    query = Q(pk__in=[])
    for path in paths:
        query |= Q(**{f"{field}__startswith": path})
    return query


def units_visible_to(*, user: User) -> QuerySet[OrgUnit]:
    return units_in_scope(paths=scope_paths_for(user=user))


def employees_visible_to(*, user: User) -> QuerySet[Employee]:
    """Employees in the user's scopes (all of them for administrators)."""
    return employees_in_scope(paths=scope_paths_for(user=user))


def units_in_scope(*, paths: list[str] | None) -> QuerySet[OrgUnit]:
    """Units in the subtrees of ``paths`` (from ``scope_paths_for``; ``None``: all)."""
    units = OrgUnit.objects.all()
    return units if paths is None else units.filter(_subtree_filter(paths, "path"))


def employees_in_scope(*, paths: list[str] | None) -> QuerySet[Employee]:
    """Employees in the subtrees of ``paths`` (``None``: all of them)."""
    employees = Employee.objects.select_related("unit", "position")
    if paths is None:
        return employees
    return employees.filter(_subtree_filter(paths, "unit__path"))


def employees_in_subtree(*, unit: OrgUnit) -> QuerySet[Employee]:
    return Employee.objects.filter(unit__path__startswith=unit.path)


def audience_queryset(*, policy: PolicyPage) -> QuerySet[Employee]:
    """The employees in ``policy``'s audience: active, holding one of its
    positions (none listed: any position), in the subtree of one of its units
    (none listed: the whole group).

    The audience rows read are those in the database, i.e. the live version of
    the page (a draft's audience lives in its revision). Two small queries read
    the positions and unit paths; the queryset then filters on them with
    ``position_id IN (...)`` and the path index of the units, whatever the
    number of staff.
    """
    position_ids = list(
        AudiencePosition.objects.filter(policy_id=policy.pk)
        .order_by()
        .values_list("position_id", flat=True)
    )
    paths = sorted(
        AudienceUnit.objects.filter(policy_id=policy.pk)
        .order_by()
        .values_list("unit__path", flat=True)
    )
    employees = Employee.objects.filter(is_active=True)
    if position_ids:
        employees = employees.filter(position_id__in=position_ids)
    if paths:
        # Nested units add nothing to their ancestor's subtree.
        outermost: list[str] = []
        for path in paths:
            if not any(path.startswith(outer) for outer in outermost):
                outermost.append(path)
        units = OrgUnit.objects.filter(_subtree_filter(outermost, "path"))
        employees = employees.filter(unit_id__in=units.values("pk"))
    return employees


def unit_lineage(*, unit: OrgUnit) -> list[OrgUnit]:
    """The unit's ancestors from HQ down, then the unit itself (one query)."""
    return [*unit.get_ancestors(), unit]


# --- Listings of the admin: counts and parent names in the same query ---------


def _parent_path(outer_path_field: str) -> Substr:
    """The parent's path of the unit whose path is ``outer_path_field``."""
    return Substr(
        OuterRef(outer_path_field),
        1,
        Length(OuterRef(outer_path_field)) - OrgUnit.steplen,
    )


def _count(queryset: QuerySet) -> Coalesce:
    """A correlated ``COUNT(*)`` of ``queryset``, 0 when empty."""
    counted = (
        queryset.order_by()
        .annotate(_one=Value(1, output_field=IntegerField()))
        .values("_one")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def units_annotate_for_listing(units: QuerySet[OrgUnit]) -> QuerySet[OrgUnit]:
    """Add ``parent_name`` and ``active_staff`` (active employees in the subtree).

    Both are correlated subqueries of the listing's own query: a page of units
    costs one query whatever its size (the staff count follows the path index
    of each unit's subtree).
    """
    active_staff = Employee.objects.filter(
        is_active=True, unit__path__startswith=OuterRef("path")
    )
    return units.annotate(
        parent_name=units_parent_name(), active_staff=_count(active_staff)
    )


def units_parent_name(path_field: str = "path") -> Subquery:
    """Annotation: the name of the parent of the unit at ``path_field``."""
    parent = OrgUnit.objects.filter(path=_parent_path(path_field)).values("name")
    return Subquery(parent[:1], output_field=CharField())


def employees_annotate_for_listing(
    employees: QuerySet[Employee],
) -> QuerySet[Employee]:
    """Join unit and position, and add ``unit_parent_name`` (one query per page)."""
    return employees.select_related("unit", "position").annotate(
        unit_parent_name=units_parent_name("unit__path")
    )


def positions_annotate_for_listing(
    positions: QuerySet[Position], *, paths: list[str] | None = None
) -> QuerySet[Position]:
    """Add ``active_staff``: active employees holding each position, in the
    subtrees of ``paths`` (``None``: everywhere)."""
    active_staff = employees_in_scope(paths=paths).filter(
        is_active=True, position=OuterRef("pk")
    )
    return positions.annotate(active_staff=_count(active_staff))


def unit_parent(*, unit: OrgUnit) -> OrgUnit | None:
    if unit.depth <= 1:
        return None
    return OrgUnit.objects.filter(path=unit.path[: -OrgUnit.steplen]).first()


@dataclass(frozen=True)
class AdminSummary:
    units: int
    active_staff: int
    last_import: ImportJob | None


def admin_summary(*, user: User) -> AdminSummary:
    """What the admin's home page shows: units and active staff in the user's
    scope, and the latest HR import for those who may run imports."""
    units = units_visible_to(user=user)
    staff = employees_visible_to(user=user).filter(is_active=True)
    last_import = None
    if user.has_perm("lms.run_import"):
        last_import = (
            ImportJob.objects.select_related("created_by").order_by("-pk").first()
        )
    return AdminSummary(
        units=units.count(),
        active_staff=staff.select_related(None).count(),
        last_import=last_import,
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


def employee_for(*, user: User) -> Employee | None:
    """The employee record of a login (``None`` for e.g. an administrator)."""
    if not user.is_authenticated:
        return None
    return Employee.objects.select_related("unit").filter(user=user).first()
