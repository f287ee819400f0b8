"""The demo's training progress: a campaign under way, not a blank slate.

A manager opening the demo should see what a real rollout looks like a few
weeks in: some provinces done, some close, some far behind, and a launch
officer able both to launch where staff are ready and to be refused where
they are not. So, for each demo measure of :data:`PLAN`, some employees have
learned the modules and passed the quiz over the past weeks (a few mistakes,
realistic scores), a few others failed once, and everyone else has not
started.

The rows are those the site writes for the same steps, built by the same
code: the draw (``attempt_draw``), the grade (``grade``) and the certificate
(``certificate_new``) of ``lms.services.attempts``; they are written in bulk
(a pass through ``attempt_start`` and ``attempt_submit`` per employee, each
reading the employee's standing, made ``seed_demo`` a minute long), and the
readiness counts follow them by the database's triggers as for any write.
The certificates' PDFs are rendered by the worker, as after real passes.

Who does what is drawn from the seed, per employee number, so a second run
makes the same choices; an employee who already has an attempt at the
measure is left as they are, so a second run changes nothing. The demo
accounts' own people (the employee and the manager) are left untouched: the
demo is theirs to try from the start.

Shares are by province, drawn once per seed: a third of the provinces done
(every county complete), a third close (some counties complete, the others
70–95 %), the rest behind (0–40 %). The launch officer's province is always
close and the demo employee's own county half-way, so that a launch there is
refused with blockers while other counties of the province can be launched.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from certificates.models import Certificate
from certificates.services import certificate_new
from cms.models import PolicyPage
from cms.quiz import quiz_pool
from lms.demo import constants as c
from lms.models import Assignment, ModuleProgress, OrgUnit, QuizAttempt
from lms.services.assignments import assignments_sync
from lms.services.attempts import attempt_draw, grade
from lms.services.certificates import certificates_render_soon


@dataclass(frozen=True)
class Campaign:
    """How far a measure's training has come: ``scale`` multiplies every
    share (1.0: the full campaign; 0.3: a measure published later)."""

    scale: float
    days: int  # the passes and failures spread over the last ``days``


# Measure code → its campaign. A measure not listed has not started (the
# demo's third measure: just published, nobody trained yet).
PLAN: dict[str, Campaign] = {
    "SVC-2026-01": Campaign(scale=1.0, days=21),
    "SVC-2026-02": Campaign(scale=0.3, days=7),
}
FAIL_SHARE = 0.05  # of those not certified: failed once, waiting to retry


@dataclass
class ProgressSummary:
    passed: int = 0
    failed: int = 0
    already: int = 0  # certified or attempted by an earlier run

    def line(self) -> str:
        return (
            f"Training progress: {self.passed:,} passed, {self.failed:,} failed once"
            f" ({self.already:,} already done)"
        )


def province_shares(provinces: list[str], seed: int) -> dict[str, str]:
    """Province code → "done", "close" or "behind" (a third each, by seed;
    the launch officer's province always "close")."""
    rng = random.Random(f"{seed}:provinces")
    order = sorted(provinces)
    rng.shuffle(order)
    third = len(order) // 3
    bands = dict.fromkeys(order[:third], "done")
    bands |= dict.fromkeys(order[third : 2 * third], "close")
    bands |= dict.fromkeys(order[2 * third :], "behind")
    if c.DEMO_LAUNCH_SCOPE in bands:
        bands[c.DEMO_LAUNCH_SCOPE] = "close"
    return bands


def unit_share(band: str, unit_code: str, seed: int) -> float:
    """The share of a unit's staff certified in the full campaign (0–1)."""
    rng = random.Random(f"{seed}:unit:{unit_code}")
    if unit_code == c.DEMO_EMPLOYEE_UNIT:
        return 0.5
    if band == "done":
        return 1.0
    if band == "close":
        return 1.0 if rng.random() < 0.4 else rng.uniform(0.70, 0.95)
    return rng.uniform(0.0, 0.40)


def _province_of(units: dict[int, tuple[str, str, str]]) -> dict[int, str]:
    """Unit id → the code of its province ("" for HQ)."""
    by_path = {
        path: code for path, code, level in units.values() if level == "province"
    }
    steplen = OrgUnit.steplen
    return {
        pk: by_path.get(path[: 2 * steplen], "") for pk, (path, _c, _l) in units.items()
    }


def progress_seed(
    *, seed: int = c.DEFAULT_SEED, log: Callable[[str], None] = lambda message: None
) -> ProgressSummary:
    """Train the demo staff as :data:`PLAN` says (see the module docstring)."""
    summary = ProgressSummary()
    units = {
        pk: (path, code, level)
        for pk, path, code, level in OrgUnit.objects.values_list(
            "pk", "path", "code", "level"
        )
    }
    province = _province_of(units)
    bands = province_shares(sorted(set(province.values()) - {""}), seed)
    untouched = {c.DEMO_EMPLOYEE_NO, c.DEMO_MANAGER_NO}
    now = timezone.now()
    for code, campaign in PLAN.items():
        policy = PolicyPage.objects.live().filter(code=code).first()
        quiz = policy and policy.quiz()
        if quiz is None:
            continue
        # The publication enqueued this sync; run it now (the worker's run
        # then finds nothing to do).
        assignments_sync(policy_id=policy.pk)
        tried = set(
            QuizAttempt.objects.filter(policy=policy).values_list(
                "employee_id", flat=True
            )
        )
        rows = (
            Assignment.objects.filter(policy=policy, is_active=True)
            .exclude(employee__employee_no__in=untouched)
            .select_related("employee")
            .order_by("employee__employee_no")
        )
        training = _Training(policy, quiz.live_revision_id, campaign, now)
        log(f"Training the demo staff on {code} ...")
        for row in rows:
            employee = row.employee
            band = bands.get(province[employee.unit_id], "close")
            share = unit_share(band, units[employee.unit_id][1], seed)
            rng = random.Random(f"{seed}:{code}:{employee.employee_no}")
            draw = rng.random()
            share *= campaign.scale
            if draw >= share + (1 - share) * FAIL_SHARE:
                continue  # not started
            if employee.pk in tried:
                summary.already += 1
                continue
            training.take(employee, passing=draw < share, rng=rng)
        training.write()
        summary.passed += len(training.certificates)
        summary.failed += len(training.attempts) - len(training.certificates)
    transaction.on_commit(certificates_render_soon)
    return summary


class _Training:
    """The rows of one measure's demo training, written by :meth:`write`."""

    def __init__(self, policy: PolicyPage, revision_id: int, campaign, now):
        self.policy = policy
        self.revision_id = revision_id
        self.pool = quiz_pool(revision_id=revision_id)
        self.modules = list(policy.modules())
        self.days = campaign.days
        self.now = now
        self.progress: list[ModuleProgress] = []
        self.attempts: list[QuizAttempt] = []
        self.certificates: list[Certificate] = []

    def take(self, employee, *, passing: bool, rng: random.Random) -> None:
        """The modules, then one attempt: passed with at most the mistakes the
        pass mark allows, or failed with every answer wrong."""
        policy = self.policy
        started = self.now - datetime.timedelta(
            days=rng.uniform(0.1, self.days), minutes=rng.randint(15, 240)
        )
        for minutes, module in enumerate(self.modules, start=1):
            self.progress.append(
                ModuleProgress(
                    employee=employee,
                    policy=policy,
                    module=module,
                    version=policy.version,
                    completed_at=started
                    - datetime.timedelta(minutes=10 * (len(self.modules) - minutes)),
                )
            )
        draw = attempt_draw(pool=self.pool, count=policy.questions_per_attempt, rng=rng)
        allowed = len(draw) * (100 - policy.pass_mark) // 100
        wrong = (
            set(rng.sample(range(len(draw)), rng.randint(0, allowed)))
            if passing
            else set(range(len(draw)))
        )
        answers = {}
        for index, (question_id, options) in enumerate(draw):
            correct = sorted(self.pool[question_id].correct_ids)
            if index in wrong:
                answers[question_id] = [o for o in options if o not in correct][:1]
            else:
                answers[question_id] = correct
        score = grade(pool=self.pool, draw=draw, answers=answers)
        submitted = started + datetime.timedelta(minutes=rng.randint(4, 25))
        self.attempts.append(
            QuizAttempt(
                employee=employee,
                policy=policy,
                version=policy.version,
                number=1,
                quiz_revision_id=self.revision_id,
                draw=draw,
                started_at=started,
                deadline=(
                    started + datetime.timedelta(minutes=policy.time_limit_minutes)
                    if policy.time_limit_minutes
                    else None
                ),
                answers=answers,
                score=score,
                passed=score >= policy.pass_mark,
                submitted_at=submitted,
            )
        )

    def write(self) -> None:
        ModuleProgress.objects.bulk_create(self.progress, batch_size=500)
        QuizAttempt.objects.bulk_create(self.attempts, batch_size=500)
        for attempt in self.attempts:
            if attempt.passed:
                self.certificates.append(
                    certificate_new(
                        employee=attempt.employee,
                        policy=self.policy,
                        attempt=attempt,
                        score=attempt.score,
                        issued_at=attempt.submitted_at,
                    )
                )
        Certificate.objects.bulk_create(self.certificates, batch_size=500)
