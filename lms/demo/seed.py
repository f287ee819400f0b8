"""``seed_demo``: the demo organisation, staff, accounts and policies, in steps.

Each step takes the :class:`SeedContext` and adds a line to its summary. The
organisation and the staff go through the HR import services
(``lms.services.imports``), exactly as an administrator's files would: both
upsert (by unit code, by employee number), so a second run with the same
options changes nothing. The whole seed runs in one transaction.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction

from certificates.signing import signing_configured, signing_pair_create
from lms.demo import constants as c
from lms.demo.accounts import demo_accounts_ensure
from lms.demo.org import (
    Division,
    divisions_load,
    divisions_quick,
    divisions_write,
    staff_generate,
    staff_write,
)
from lms.demo.policies import DemoPoliciesError, demo_policies_seed
from lms.demo.progress import progress_seed
from lms.models import Employee, OrgUnit, User
from lms.services.imports import org_import, staff_import

if TYPE_CHECKING:
    from lms.services.imports.report import ImportReport


class DemoSeedError(Exception):
    """A step failed; the transaction is rolled back and nothing is changed."""


@dataclass
class SeedContext:
    staff: int = c.DEFAULT_STAFF
    full_tree: bool = False
    seed: int = c.DEFAULT_SEED
    reset_passwords: bool = False
    progress: bool = True
    workdir: Path = Path(".")
    log: Callable[[str], None] = lambda message: None
    summary: list[str] = field(default_factory=list)
    divisions: list[Division] = field(default_factory=list)  # set by seed_org

    @property
    def whole_tree(self) -> bool:
        return self.full_tree or self.staff >= c.FULL_TREE_STAFF


def _check(report: ImportReport, what: str) -> None:
    if not report.ok:
        lines = [str(error) for error in report.errors[:10]]
        if len(report.errors) > len(lines):
            lines.append(f"... and {len(report.errors) - len(lines)} more")
        raise DemoSeedError(f"The demo {what} file was refused:\n" + "\n".join(lines))


def _counts(report: ImportReport) -> str:
    return (
        f"{report.created:,} created, {report.updated:,} updated, "
        f"{report.unchanged:,} unchanged"
    )


def _progress(ctx: SeedContext, total: int) -> Callable[[int, int | None], None]:
    """Log every fifth of a long import, in its check and its write pass."""
    step = max(total // 5, 1)
    logged: dict[str, int] = {}

    def progress(done: int, total_known: int | None = None) -> None:
        phase = "checked" if total_known is None else "written"
        if total >= 20_000 and done >= logged.get(phase, 0) + step:
            logged[phase] = done - done % step
            ctx.log(f"  {done:,} / {total:,} rows {phase}")

    return progress


def seed_org(ctx: SeedContext) -> None:
    """The real tree of China (lms/data/cn_divisions.csv), whole or quick."""
    divisions = divisions_load()
    if ctx.whole_tree:
        path = c.DIVISIONS_CSV
    else:
        divisions = divisions_quick(divisions)
        path = divisions_write(divisions, ctx.workdir / "demo_org.csv")
    ctx.divisions = divisions
    ctx.log(f"Importing {len(divisions):,} units from {path.name} ...")
    report = org_import(path=path, encoding="utf-8")
    _check(report, "organisation")
    ctx.summary.append(f"Units: {len(divisions):,} ({_counts(report)})")


def seed_staff(ctx: SeedContext) -> None:
    """``ctx.staff`` generated employees over the units of ``seed_org``."""
    rows = staff_generate(units=ctx.divisions, count=ctx.staff, seed=ctx.seed)
    path = staff_write(rows, ctx.workdir / "demo_staff.csv")
    ctx.log(f"Importing {len(rows):,} staff ...")
    report = staff_import(
        path=path, encoding="utf-8", progress=_progress(ctx, len(rows))
    )
    _check(report, "staff")
    ctx.summary.append(f"Staff: {len(rows):,} ({_counts(report)})")


def seed_accounts(ctx: SeedContext) -> None:
    """One account per role (lms/demo/accounts.py)."""
    results = demo_accounts_ensure(reset_passwords=ctx.reset_passwords)
    created = sum(result.created for result in results)
    passwords = sum(result.password_set for result in results)
    ctx.summary.append(
        f"Accounts: {len(results)} ({created} created, "
        f"{passwords} given the demo password)"
    )


def seed_policies(ctx: SeedContext) -> None:
    """The demo measures (lms/data/policies/*.json) through the policy import,
    written by the demo trainer and published by the demo approver."""
    ctx.log("Importing the demo policies ...")
    accounts = {
        u.username: u for u in User.objects.filter(username__in=["trainer", "approver"])
    }
    try:
        seeded = demo_policies_seed(
            trainer=accounts.get("trainer"), approver=accounts.get("approver")
        )
    except DemoPoliciesError as error:
        raise DemoSeedError(str(error)) from error
    ctx.summary.append(seeded.summary())


def seed_progress(ctx: SeedContext) -> None:
    """The demo staff's training under way (lms/demo/progress.py): passes and
    failed attempts through the quiz services, drawn from the seed."""
    if not ctx.progress:
        ctx.summary.append("Training progress: none (--no-progress)")
        return
    ctx.summary.append(progress_seed(seed=ctx.seed, log=ctx.log).line())


def seed_signing(ctx: SeedContext) -> None:
    """A self-signed pair for signing the demo's certificate PDFs, at the
    configured paths, unless a pair is already there."""
    if signing_configured():
        ctx.summary.append("Certificate signing: the configured key")
        return
    signing_pair_create(
        key_path=Path(settings.CERTIFICATE_SIGNING_KEY),
        cert_path=Path(settings.CERTIFICATE_SIGNING_CERT),
        issuer=settings.CERTIFICATE_ISSUER,
    )
    ctx.summary.append(
        f"Certificate signing: a self-signed demo key in "
        f"{Path(settings.CERTIFICATE_SIGNING_KEY).parent}"
    )


# The steps, in order. The policies come after the accounts: the demo trainer
# writes their revisions and the demo approver publishes them; the staff
# train on them once published (their certificates signed by the demo key).
SEED_STEPS: list[Callable[[SeedContext], None]] = [
    seed_org,
    seed_staff,
    seed_accounts,
    seed_policies,
    seed_signing,
    seed_progress,
]


def demo_seed(
    *,
    staff: int = c.DEFAULT_STAFF,
    full_tree: bool = False,
    seed: int = c.DEFAULT_SEED,
    reset_passwords: bool = False,
    progress: bool = True,
    log: Callable[[str], None] | None = None,
) -> list[str]:
    """Run every seed step in one transaction; return the summary lines."""
    if staff < 2:
        raise DemoSeedError("The demo needs at least 2 staff (employee and manager).")
    with tempfile.TemporaryDirectory(prefix="rollout-demo-") as workdir:
        ctx = SeedContext(
            staff=staff,
            full_tree=full_tree,
            seed=seed,
            reset_passwords=reset_passwords,
            progress=progress,
            workdir=Path(workdir),
            log=log or (lambda message: None),
        )
        with transaction.atomic():
            for step in SEED_STEPS:
                step(ctx)
    # Imports never delete: after a bigger demo, the database holds more.
    ctx.summary.append(
        f"In the database: {OrgUnit.objects.count():,} units, "
        f"{Employee.objects.filter(is_active=True).count():,} active staff"
    )
    return ctx.summary
