"""Benchmark of the HR import (``lms.services.imports``).

``run(ctx)`` generates the files once (a 3,500-unit tree and ``ctx.staff``
employees, then the same staff with 5 % of them in another county), and for
each database and run: imports the tree into a fresh copy of a migrated
database, imports the staff (the first import), then the file with the
transfers (the re-import). Each measurement is a subprocess running this
module as ``python -m bench.imports STEP FILE``, which prints a JSON line.
"""

from __future__ import annotations

import json
import sys
import time

from bench import Context, Result, peak_rss_mib
from bench.generate import write_org, write_staff

TITLE = "HR import"
DESCRIPTION = (
    "`org_import` of a generated tree of 3,500 units (HQ, 31 provinces, 340 "
    "cities, 3,128 counties) into an empty database, then `staff_import` of the "
    "generated staff file (UTF-8 CSV, 70 % with an email) into that tree: the "
    "first import creates every employee and login, the re-import reads a file "
    "where 5 % of the staff moved to another county. Each run uses a fresh copy "
    "of a migrated database and a new process per measurement; the time is that "
    "of the service call (check pass, apply pass, commit)."
)
TRANSFER_SHARE = 0.05


def run(ctx: Context) -> list[Result]:
    data = ctx.workdir / "imports"
    data.mkdir(parents=True, exist_ok=True)
    org = data / "org.csv"
    staff = data / "staff.csv"
    transfers = data / "staff-transfers.csv"
    tree = write_org(org)
    write_staff(staff, tree, staff=ctx.staff)
    moved = write_staff(transfers, tree, staff=ctx.staff, transfer_share=TRANSFER_SHARE)

    results: list[Result] = []
    for database in ctx.databases:
        template = database.create("rollout_bench_template")
        ctx.migrate(template)
        figures: dict[str, tuple[list[float], list[float]]] = {
            "org": ([], []),
            "first": ([], []),
            "again": ([], []),
        }
        try:
            for _ in range(ctx.runs):
                url = database.create(
                    "rollout_bench", template="rollout_bench_template"
                )
                try:
                    for step, path, expect in (
                        ("org", org, len(tree.codes)),
                        ("first", staff, ctx.staff),
                        ("again", transfers, moved),
                    ):
                        out = ctx.measure(url, "bench.imports", step, str(path))
                        if out["check"] != expect:
                            raise RuntimeError(f"{step}: expected {expect}, got {out}")
                        figures[step][0].append(out["seconds"])
                        figures[step][1].append(out["peak_rss_mib"])
                finally:
                    database.drop("rollout_bench")
        finally:
            database.drop("rollout_bench_template")
        for step, name, rows in (
            ("org", "org_import: 3,500 units, empty database", len(tree.codes)),
            ("first", f"staff_import: first import, {ctx.staff:,} staff", ctx.staff),
            (
                "again",
                f"staff_import: re-import, {moved:,} transferred "
                f"({TRANSFER_SHARE:.0%})",
                ctx.staff,
            ),
        ):
            seconds, rss = figures[step]
            results.append(Result(name, database.name, rows, seconds, max(rss)))
    return results


def measure(step: str, path: str) -> dict:
    """Run one import in this process (the subprocess side of ``run``)."""
    import django

    django.setup()
    from lms.services.imports import org_import, staff_import

    start = time.perf_counter()
    if step == "org":
        report = org_import(path=path)
        check = report.created
    else:
        report = staff_import(path=path)
        check = report.created if step == "first" else report.transferred
    seconds = time.perf_counter() - start
    if not report.ok:
        raise SystemExit(f"import refused: {[str(e) for e in report.errors[:5]]}")
    return {"seconds": seconds, "peak_rss_mib": peak_rss_mib(), "check": check}


if __name__ == "__main__":
    print(json.dumps(measure(sys.argv[1], sys.argv[2])))  # noqa: T201
