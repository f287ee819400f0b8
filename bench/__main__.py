"""``python -m bench [NAME ...] [--quick] [--runs N] [--output FILE] [--only NAME]``.

Runs every benchmark module of ``MODULES`` (or only those named, e.g.
``python -m bench assignments``) on SQLite and, when its server answers,
PostgreSQL, then writes the figures with a description of the machine to
docs/benchmarks.md (``--quick`` prints them instead, unless ``--output``). When
only some modules run, the other modules' sections of the file are kept.

Environment: ``BENCH_STAFF`` (staff rows; 500,000, or 50,000 with
``--quick``), ``BENCH_RUNS`` (3, or 1 with ``--quick``), ``BENCH_POSTGRES_URL``
(default ``postgres://postgres@127.0.0.1:5432/postgres``; an empty value skips
PostgreSQL).

To add a benchmark: write ``bench/<name>.py`` with ``TITLE``, ``DESCRIPTION``
and ``run(ctx) -> list[Result]`` (see ``bench/imports.py``) and list it here.
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import os
import platform
import sqlite3
import sys
import tempfile
from importlib.metadata import version
from pathlib import Path

from bench import DEFAULT_POSTGRES_URL, ROOT, Context, Database, Result

MODULES = [
    "bench.imports",
    "bench.assignments",
    "bench.quiz_load",
    "bench.certificates",
    "bench.readiness",
    "bench.activation",
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="50,000 staff, 1 run")
    parser.add_argument("--runs", type=int, help="runs per figure")
    parser.add_argument("--output", type=Path, help="the Markdown file to write")
    parser.add_argument("--only", help="run only the module of that name")
    parser.add_argument(
        "names", nargs="*", help="run only these modules (e.g. imports, assignments)"
    )
    args = parser.parse_args(argv)

    staff = int(os.environ.get("BENCH_STAFF") or (50_000 if args.quick else 500_000))
    runs = args.runs or int(os.environ.get("BENCH_RUNS") or (1 if args.quick else 3))
    output = args.output or (None if args.quick else ROOT / "docs" / "benchmarks.md")
    names = [*args.names, *([args.only] if args.only else [])]
    unknown = [n for n in names if f"bench.{n}" not in MODULES]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")
    modules = [m for m in MODULES if not names or m.removeprefix("bench.") in names]

    with tempfile.TemporaryDirectory(prefix="rollout-bench-") as workdir:
        databases = [Database("SQLite", sqlite3.sqlite_version, workdir=Path(workdir))]
        postgres_url = os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL)
        postgres_version = _postgres_version(postgres_url) if postgres_url else None
        if postgres_version:
            databases.append(Database("PostgreSQL", postgres_version, postgres_url))
        else:
            _say(f"PostgreSQL not reachable at {postgres_url!r}: SQLite only.")
        ctx = Context(
            quick=args.quick,
            runs=runs,
            staff=staff,
            workdir=Path(workdir),
            databases=databases,
        )
        sections = []
        for name in modules:
            module = importlib.import_module(name)
            _say(f"{name}: {staff:,} staff, {runs} run(s) on " + _names(databases))
            results = module.run(ctx)
            for result in results:
                _say(
                    f"  {result.benchmark} [{result.database}]: median "
                    f"{result.median:.1f} s, {result.rows_per_second:,.0f} rows/s, "
                    f"peak RSS {result.peak_rss_mib:.0f} MiB"
                )
            sections.append((name, module, results))

    text = render(ctx, sections)
    if output and len(modules) < len(MODULES) and output.exists():
        text = merge(output.read_text(encoding="utf-8"), text)
    if output:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
        _say(f"Wrote {output}.")
    else:
        sys.stdout.write(text)
    return 0


def _postgres_version(url: str) -> str | None:
    try:
        import psycopg

        with psycopg.connect(url, connect_timeout=3) as connection:
            return connection.execute("SHOW server_version").fetchone()[0].split()[0]
    except Exception:  # noqa: BLE001 - any failure means "no PostgreSQL here"
        return None


def _names(databases: list[Database]) -> str:
    return ", ".join(database.name for database in databases)


def _say(text: str) -> None:
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


def machine(ctx: Context) -> list[tuple[str, str]]:
    cpu = platform.processor() or platform.machine()
    memory = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    rows = [
        ("CPU", cpu),
        ("cores", str(os.cpu_count())),
        ("memory", memory or "unknown"),
        ("system", platform.platform()),
        ("Python", platform.python_version()),
        ("Django", version("Django")),
        ("Wagtail", version("wagtail")),
        ("SQLite", sqlite3.sqlite_version),
    ]
    postgres = [d.version for d in ctx.databases if d.label == "PostgreSQL"]
    rows.append(("PostgreSQL", postgres[0] if postgres else "not measured"))
    return rows


def render(ctx: Context, sections: list[tuple[str, object, list[Result]]]) -> str:
    today = datetime.datetime.now(tz=datetime.UTC).strftime("%Y-%m-%d")
    lines = [
        "# Benchmarks",
        "",
        f"Written by `make bench` (`python -m bench`) on {today}. Each figure is "
        f"measured {ctx.runs} time(s), each time in a new process on a fresh "
        "database; *min* and *median* are wall-clock seconds, rows/s uses the "
        "median, and peak RSS is the largest resident set size of the measuring "
        "process over the runs (`resource.getrusage`), Django included.",
        "",
        "## Machine",
        "",
        "| | |",
        "|---|---|",
    ]
    lines += [f"| {key} | {value} |" for key, value in machine(ctx)]
    for name, module, results in sections:
        lines += [
            "",
            f"## {module.TITLE} (`{name.replace('.', '/')}.py`)",
            "",
            module.DESCRIPTION,
            "",
        ]
        if hasattr(module, "table"):  # a module with its own table (quiz_load)
            lines += module.table(results)
            continue
        lines += [
            "| benchmark | database | rows | runs | min (s) | median (s) | rows/s "
            "| peak RSS (MiB) |",
            "|---|---|--:|--:|--:|--:|--:|--:|",
        ]
        lines += [
            f"| {r.benchmark} | {r.database} | {r.rows:,} | {len(r.seconds)} "
            f"| {r.best:.1f} | {r.median:.1f} | {r.rows_per_second:,.0f} "
            f"| {r.peak_rss_mib:.0f} |"
            for r in results
        ]
    return "\n".join(lines) + "\n"


def _sections(text: str) -> tuple[str, dict[str, str]]:
    """The text before the first ``## `` heading, and each section by heading."""
    preface, *parts = text.split("\n## ")
    sections = {}
    for part in parts:
        heading = part.split("\n", 1)[0]
        sections[heading] = "## " + part.rstrip("\n") + "\n"
    return preface.rstrip("\n") + "\n", sections


def merge(old: str, new: str) -> str:
    """``new`` (some modules' figures) over ``old``: sections of the same heading
    are replaced, the others kept in their place, new ones appended."""
    _old_preface, old_sections = _sections(old)
    new_preface, new_sections = _sections(new)
    merged = {**old_sections, **new_sections}
    return "\n".join([new_preface, *merged.values()])


if __name__ == "__main__":
    raise SystemExit(main())
