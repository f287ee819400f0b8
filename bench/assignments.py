"""Benchmark of the assignment sync (``lms.services.assignments``).

``run(ctx)`` generates the HR files once (a 3,500-unit tree and ``ctx.staff``
employees) and, for each database, prepares a template once: migrated, the
tree and the staff imported with the import services, two live policies
created (no assignment yet). Then, for each run, on a fresh copy of the
template, each measurement is a subprocess running this module as
``python -m bench.assignments STEP``, which prints a JSON line:

- ``first``: the first sync of the whole-group policy (every position, the
  whole group): one row inserted per active employee;
- ``again``: the same sync again, nothing to change;
- ``leavers``: 5 % of the staff deactivated (untimed), then the sync: their
  rows deactivated;
- ``transfers``: the policy of 16 provinces (every position) synced once
  (untimed), 5 % of the active staff transferred to a random county
  (untimed), then the sync: those who left its provinces deactivated, those
  who entered them assigned.
"""

from __future__ import annotations

import json
import random
import sys
import time

from bench import Context, Result, peak_rss_mib
from bench.generate import write_org, write_staff

TITLE = "Assignment sync"
DESCRIPTION = (
    "`assignments_sync` (one policy: `INSERT … SELECT` of the missing rows, one "
    "`UPDATE` reactivating, one deactivating, all in one transaction) on the "
    "generated tree and staff of the HR import benchmark, loaded with the import "
    "services. *first*: the first sync of a policy whose audience is every "
    "position in the whole group (one row per employee); *again*: the same sync "
    "with nothing to change; *leavers*: after 5 % of the staff were deactivated "
    "(their rows deactivated); *transfers*: on a policy of 16 of the 31 "
    "provinces, already synced, after 5 % of the active staff moved to a random "
    "county (rows deactivated for those who left its provinces, created for "
    "those who entered them). Each run uses a fresh copy of a prepared database "
    "and a new process per measurement; the time is that of the service call "
    "(commit included), rows is the staff count; the peak RSS of *transfers* "
    "includes its untimed preparation (the staff read in Python)."
)
SHARE = 0.05
AUDIENCE_PROVINCES = 16
WHOLE_GROUP = "BENCH-ALL"
PROVINCES = "BENCH-PROV"
STEPS = ("first", "again", "leavers", "transfers")


def run(ctx: Context) -> list[Result]:
    data = ctx.workdir / "assignments"
    data.mkdir(parents=True, exist_ok=True)
    org = data / "org.csv"
    staff = data / "staff.csv"
    write_staff(staff, write_org(org), staff=ctx.staff)

    results: list[Result] = []
    for database in ctx.databases:
        template = database.create("rollout_bench_assign_template")
        ctx.migrate(template)
        ctx.measure(template, "bench.assignments", "prepare", str(org), str(staff))
        figures: dict[str, tuple[list[float], list[float]]] = {
            step: ([], []) for step in STEPS
        }
        try:
            for _ in range(ctx.runs):
                url = database.create(
                    "rollout_bench_assign", template="rollout_bench_assign_template"
                )
                try:
                    for step in STEPS:
                        out = ctx.measure(url, "bench.assignments", step)
                        figures[step][0].append(out["seconds"])
                        figures[step][1].append(out["peak_rss_mib"])
                        _note(step, database.name, out)
                finally:
                    database.drop("rollout_bench_assign")
        finally:
            database.drop("rollout_bench_assign_template")
        names = {
            "first": f"first sync: {ctx.staff:,} rows created",
            "again": "re-run, nothing to change",
            "leavers": f"after {SHARE:.0%} of the staff left (deactivated)",
            "transfers": f"after {SHARE:.0%} transfers, {AUDIENCE_PROVINCES}-province "
            "policy",
        }
        for step in STEPS:
            seconds, rss = figures[step]
            results.append(
                Result(names[step], database.name, ctx.staff, seconds, max(rss))
            )
    return results


def _note(step: str, database: str, out: dict) -> None:
    seconds, result = out["seconds"], out["result"]
    sys.stderr.write(f"    {step} [{database}]: {seconds:.1f} s {result}\n")


# --- The subprocess side ----------------------------------------------------------


def prepare(org: str, staff: str) -> dict:
    """Load the tree and the staff, and create the two live policies."""
    import django

    django.setup()
    from cms.models import CatalogPage, HomePage, PolicyPage
    from lms.models import AudienceUnit, OrgUnit
    from lms.services.imports import org_import, staff_import

    for report in (org_import(path=org), staff_import(path=staff)):
        if not report.ok:
            raise SystemExit(f"import refused: {[str(e) for e in report.errors[:5]]}")
    home = HomePage.objects.get()
    catalogue = home.add_child(instance=CatalogPage(title="Bench", slug="bench"))
    for code in (WHOLE_GROUP, PROVINCES):
        policy = catalogue.add_child(
            instance=PolicyPage(
                title=code, slug=code.lower(), code=code, summary=code, live=False
            )
        )
        # Live without a publication: no task is enqueued, no module needed.
        PolicyPage.objects.filter(pk=policy.pk).update(live=True)
    provinces = OrgUnit.objects.filter(level="province").order_by("code")
    AudienceUnit.objects.bulk_create(
        AudienceUnit(policy_id=PolicyPage.objects.get(code=PROVINCES).pk, unit=unit)
        for unit in provinces[:AUDIENCE_PROVINCES]
    )
    return {"seconds": 0.0, "peak_rss_mib": peak_rss_mib(), "result": {}}


def measure(step: str) -> dict:
    """Prepare the step's changes (untimed), then time one sync."""
    import django

    django.setup()
    from django.db.models.functions import Mod

    from cms.models import PolicyPage
    from lms.models import Employee
    from lms.services.assignments import assignments_sync

    whole_group = PolicyPage.objects.get(code=WHOLE_GROUP).pk
    provinces = PolicyPage.objects.get(code=PROVINCES).pk
    active = Employee.objects.filter(is_active=True)
    policy_id = whole_group
    if step == "first":
        expect = {"created": active.count()}
    elif step == "again":
        expect = {"created": 0, "reactivated": 0, "deactivated": 0}
    elif step == "leavers":
        every = round(1 / SHARE)
        leaving = active.annotate(bucket=Mod("id", every)).filter(bucket=1)
        expect = {"deactivated": leaving.update(is_active=False)}
    else:
        policy_id = provinces
        assignments_sync(policy_id=policy_id)
        expect = _transfer(provinces)
    start = time.perf_counter()
    result = assignments_sync(policy_id=policy_id)
    seconds = time.perf_counter() - start
    got = result.as_dict()
    if any(got[key] != value for key, value in expect.items()):
        raise SystemExit(f"{step}: expected {expect}, got {got}")
    return {"seconds": seconds, "peak_rss_mib": peak_rss_mib(), "result": got}


def _transfer(policy_id: int) -> dict[str, int]:
    """Move ``SHARE`` of the active staff to a random county; return the changes
    the sync of the province policy must make."""
    from django.db import connection, transaction

    from lms.models import AudienceUnit, Employee, OrgUnit

    rng = random.Random(4)
    paths = list(
        AudienceUnit.objects.filter(policy_id=policy_id).values_list(
            "unit__path", flat=True
        )
    )
    unit_path = dict(OrgUnit.objects.values_list("id", "path"))
    counties = list(
        OrgUnit.objects.filter(level="county")
        .order_by("pk")
        .values_list("pk", flat=True)
    )

    def inside(unit_id: int) -> bool:
        return unit_path[unit_id].startswith(tuple(paths))

    moves, left, entered = [], 0, 0
    staff = Employee.objects.filter(is_active=True).order_by("pk")
    for pk, unit_id in staff.values_list("pk", "unit_id"):
        if rng.random() >= SHARE:
            continue
        target = counties[rng.randrange(len(counties))]
        if target == unit_id:
            continue
        left += inside(unit_id) and not inside(target)
        entered += inside(target) and not inside(unit_id)
        moves.append((target, pk))
    meta = Employee._meta
    quote = connection.ops.quote_name
    sql = (
        f"UPDATE {quote(meta.db_table)} SET {quote('unit_id')} = %s "
        f"WHERE {quote(meta.pk.column)} = %s"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(sql, moves)
    return {"created": entered, "reactivated": 0, "deactivated": left}


if __name__ == "__main__":
    if sys.argv[1] == "prepare":
        out = prepare(sys.argv[2], sys.argv[3])
    else:
        out = measure(sys.argv[1])
    print(json.dumps(out))  # noqa: T201
