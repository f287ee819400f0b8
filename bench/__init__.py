"""Benchmarks of Rollout Academy: ``make bench`` (``python -m bench``).

A benchmark module (listed in ``bench.__main__.MODULES``) exposes ``TITLE``,
``DESCRIPTION`` and ``run(ctx: Context) -> list[Result]``. It measures in
subprocesses, one per figure and run, each with its own ``DATABASE_URL``: a
fresh database per run, copied from a migrated template (see
:class:`Database`), and a clean peak RSS per measurement. The helpers here do
the database plumbing and the subprocess calls.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/postgres"


@dataclass
class Result:
    benchmark: str
    database: str  # e.g. "SQLite 3.40.1"
    rows: int
    seconds: list[float]
    peak_rss_mib: float
    note: str = ""

    @property
    def best(self) -> float:
        return min(self.seconds)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.median if self.median else 0.0


@dataclass
class Database:
    """A database server to measure on: SQLite files or a PostgreSQL server."""

    label: str  # "SQLite" or "PostgreSQL"
    version: str
    admin_url: str = ""  # PostgreSQL: where to CREATE / DROP DATABASE
    workdir: Path = field(default_factory=Path)

    @property
    def name(self) -> str:
        return f"{self.label} {self.version}"

    def url(self, name: str) -> str:
        if self.label == "SQLite":
            return f"sqlite:///{self.workdir / (name + '.sqlite3')}"
        parts = urlsplit(self.admin_url)
        return urlunsplit(parts._replace(path="/" + name))

    def create(self, name: str, *, template: str | None = None) -> str:
        """A new empty database (or a copy of ``template``); returns its URL."""
        self.drop(name)
        if self.label == "SQLite":
            target = self.workdir / f"{name}.sqlite3"
            if template:
                shutil.copyfile(self.workdir / f"{template}.sqlite3", target)
            return self.url(name)
        suffix = f" TEMPLATE {template}" if template else ""
        self._admin(f"CREATE DATABASE {name}{suffix}")
        return self.url(name)

    def drop(self, name: str) -> None:
        if self.label == "SQLite":
            for path in self.workdir.glob(f"{name}.sqlite3*"):
                path.unlink()
        else:
            self._admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as connection:
            connection.execute(sql)


@dataclass
class Context:
    quick: bool
    runs: int
    staff: int
    workdir: Path
    databases: list[Database]

    def environment(self, database_url: str) -> dict[str, str]:
        return {
            **os.environ,
            "DATABASE_URL": database_url,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_VAR_DIR": str(self.workdir / "var"),
            "PYTHONPATH": str(ROOT),
        }

    def migrate(self, database_url: str) -> None:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
            cwd=ROOT,
            env=self.environment(database_url),
            check=True,
        )

    def measure(self, database_url: str, module: str, *args: str) -> dict:
        """Run ``python -m module *args`` on that database; its last line is JSON."""
        result = subprocess.run(
            [sys.executable, "-m", module, *args],
            cwd=ROOT,
            env=self.environment(database_url),
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"{module} {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
            )
        return json.loads(result.stdout.strip().splitlines()[-1])


def peak_rss_mib() -> float:
    """The peak resident set size of this process so far (Linux: KiB)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
