"""The browser journeys' harness: the real application on a scratch database,
and a browser that records what each journey saw.

``app`` (once per run): a scratch database (a SQLite file under a temporary
``DJANGO_VAR_DIR``; with ``DATABASE_URL`` naming a PostgreSQL server, a new
database created on that server and dropped afterwards, never the one the URL
names), migrated, its static files collected and the demo loaded by
``seed_demo``; then gunicorn on a free 127.0.0.1 port and a ``qcluster``
(the task worker), both with production settings except HTTPS (plain HTTP on
the loopback): DEBUG off, the Content-Security-Policy on.

``journey(name)``: a browser context (Debian's Chromium, never a downloaded
one) whose pages are checked as they are visited: :meth:`Journey.visit`
takes a full-page screenshot into ``var/e2e/<journey>/`` and runs axe-core on
the page; serious or critical violations, browser errors and any refusal of
the Content-Security-Policy fail the journey at its end (``finish``). A
failing journey also leaves the page's HTML and the browser console there.

These tests are not collected by ``make test`` (pyproject's ``--ignore``);
``make e2e`` runs them with ``tests/e2e/pytest.ini``.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Page

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "var" / "e2e"
PASSWORD = "rollout-demo-2026"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
BLOCKING_IMPACTS = {"serious", "critical"}
# The page editor saves the draft in the background as one types; while a
# required field is still empty that POST is answered 400 with the form's
# errors (Wagtail shows "not saved"): the only failed request a journey accepts.
AUTOSAVE = re.compile(r"^http 400: POST \S+/admin/pages/(add/[\w/]+|\d+/edit/)$")
# Violations in the Wagtail admin's own markup, which no file of this project
# renders: recorded in axe.json, not blocking. Each names the rule, the element
# and why; anything else, and anything at all outside /admin/, fails.
WAGTAIL_OWN = {
    ("aria-input-field-name", ".notranslate"): (
        "Draftail, Wagtail's rich text editor: its contenteditable has "
        "role=textbox and no accessible name (the field's label is not tied to it)"
    ),
    ("aria-dialog-name", ".modal"): (
        "Wagtail's modals (the choosers, Approve with comment) have no title "
        "tied to their dialog role"
    ),
    ("list", ".fields"): (
        "the same modal's form: Wagtail renders its comment field in a <ul> "
        "without an <li>"
    ),
}


# --- The application ------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


@contextlib.contextmanager
def scratch_database() -> Iterator[str | None]:
    """``None`` for SQLite (the file lives in the run's ``DJANGO_VAR_DIR``),
    else the URL of a new PostgreSQL database beside the one ``DATABASE_URL``
    names, dropped at the end."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres", "pgsql")):
        yield None
        return
    import psycopg

    name = f"rollout_e2e_{secrets.token_hex(4)}"
    admin = psycopg.connect(url.replace("pgsql://", "postgres://"), autocommit=True)
    try:
        admin.execute(f'CREATE DATABASE "{name}"')
        yield _with_database(url, name)
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@dataclass
class App:
    url: str
    env: dict[str, str]
    var_dir: Path
    processes: list[subprocess.Popen] = field(default_factory=list)

    def manage(self, *args: str, timeout: int = 300) -> str:
        """A management command against the scratch database."""
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
            )
        return result.stdout

    def shell(self, code: str) -> str:
        """Python run by ``manage.py shell`` on the scratch database: the
        journeys' few steps that are not a person's (moving the clock)."""
        return self.manage("shell", "--no-imports", "-c", code)

    def start(self, name: str, *args: str) -> None:
        log = open(
            self.var_dir / f"{name}.log", "w"
        )  # kept open: the process writes to it
        self.processes.append(
            subprocess.Popen(
                [sys.executable, *args],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )

    def wait_until_up(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                with urllib.request.urlopen(self.url + "/accounts/login/", timeout=2):
                    return
            for process in self.processes:
                if process.poll() is not None:
                    raise RuntimeError(f"{process.args} exited: see {self.var_dir}")
            time.sleep(0.3)
        raise RuntimeError(f"the server did not answer at {self.url}")

    def stop(self) -> None:
        for process in self.processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, 15)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, 9)


def _environment(var_dir: Path, port: int, database_url: str | None) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "Q_"))
        and key not in {"DATABASE_URL", "REDIS_URL"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_VAR_DIR=str(var_dir),
        DJANGO_MEDIA_ROOT=str(var_dir / "media"),
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SITE_URL=f"http://127.0.0.1:{port}",
        DJANGO_HTTPS="0",  # plain HTTP on the loopback; everything else as deployed
        Q_WORKERS="1",
        PYTHONUNBUFFERED="1",
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


@pytest.fixture(scope="session")
def app() -> Iterator[App]:
    var_dir = Path(tempfile.mkdtemp(prefix="rollout-e2e-"))
    port = _free_port()
    with scratch_database() as database_url:
        app = App(
            url=f"http://127.0.0.1:{port}",
            env=_environment(var_dir, port, database_url),
            var_dir=var_dir,
        )
        app.manage("migrate", "--noinput")
        app.manage("collectstatic", "--noinput")
        app.manage("seed_demo")
        app.start("qcluster", "manage.py", "qcluster")
        app.start(
            "gunicorn",
            "-m",
            "gunicorn",
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--timeout",
            "120",
        )
        try:
            app.wait_until_up()
            yield app
        finally:
            app.stop()
            if os.environ.get("E2E_KEEP"):
                sys.stderr.write(f"\nrollout e2e: state kept in {var_dir}\n")
            else:
                shutil.rmtree(var_dir, ignore_errors=True)


# --- The browser ----------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict:
    """Debian's Chromium; Playwright downloads no browser of its own."""
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.exit("make e2e needs Chromium: apt-get install chromium", returncode=3)
    return {
        "executable_path": executable,
        "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    }


@dataclass
class Journey:
    """What one journey saw: screenshots, axe results, the browser's console."""

    name: str
    context: BrowserContext
    page: Page
    base_url: str
    folder: Path
    axe: Axe
    step: int = 0
    console: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    tolerated: list[str] = field(default_factory=list)
    pages_checked: list[str] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.base_url + path

    def goto(self, path: str, label: str | None = None):
        response = self.page.goto(self.url(path))
        if label:
            self.visit(label)
        return response

    def visit(self, label: str, *, axe: bool = True) -> None:
        """A page as the person sees it: a full-page screenshot, then axe."""
        self.page.wait_for_load_state("load")
        self._wait_for_admin_messages()
        self.step += 1
        self.page.screenshot(
            path=self.folder / f"{self.step:02d}-{label}.png", full_page=True
        )
        if axe:
            self.check_accessibility(label)

    def _wait_for_admin_messages(self) -> None:
        """Wagtail shows its messages 100 ms after load, sliding them in:
        measured half-way, their contrast would be wrong."""
        if self.page.locator("[data-controller='w-messages'] li").count():
            with contextlib.suppress(Exception):
                self.page.wait_for_selector(".messages.appear", timeout=3_000)
            self.page.wait_for_timeout(600)

    def check_accessibility(self, label: str) -> None:
        results = self.axe.run(self.page)
        self.pages_checked.append(f"{label} {self.page.url}")
        in_admin = "/admin/" in self.page.url
        for violation in results.response["violations"]:
            if violation["impact"] not in BLOCKING_IMPACTS:
                continue
            targets = [" ".join(node["target"]) for node in violation["nodes"]]
            line = (
                f"axe {violation['impact']} {violation['id']} on {label} "
                f"({self.page.url}): {violation['help']} {targets[:5]}"
            )
            if in_admin and all((violation["id"], t) in WAGTAIL_OWN for t in targets):
                self.tolerated.append(line)
            else:
                self.problems.append(line)

    def save_failure(self) -> None:
        with contextlib.suppress(Exception):
            (self.folder / "failure.html").write_text(
                self.page.content(), encoding="utf-8"
            )
            self.page.screenshot(path=self.folder / "failure.png", full_page=True)
        (self.folder / "console.log").write_text(
            "\n".join(self.console) + "\n", encoding="utf-8"
        )

    def finish(self) -> None:
        """Fail on what the journey met along the way."""
        (self.folder / "console.log").write_text(
            "\n".join(self.console) + "\n", encoding="utf-8"
        )
        (self.folder / "axe.json").write_text(
            json.dumps(
                {
                    "pages": self.pages_checked,
                    "problems": self.problems,
                    "wagtail_own": self.tolerated,
                },
                indent=1,
                ensure_ascii=False,
            ),
            encoding="utf-8",
        )
        refused = [line for line in self.console if "Content Security Policy" in line]
        # A failed request is judged by its "http" line (which names it), not
        # by the browser's anonymous "Failed to load resource" echo of it.
        errors = [
            line
            for line in self.console
            if line.startswith(("pageerror", "error", "http"))
            and "Failed to load resource" not in line
            and not AUTOSAVE.search(line)
        ]
        assert not self.problems, "\n".join(self.problems)
        assert not refused, "the CSP refused something:\n" + "\n".join(refused)
        assert not errors, "browser errors:\n" + "\n".join(errors)


@pytest.fixture
def journey(browser: Browser, app: App, request: pytest.FixtureRequest):
    """``journey(name, locale=…, viewport=…)`` opens a fresh browser context."""
    opened: list[Journey] = []
    axe = Axe()

    def open_journey(
        name: str, *, locale: str = "en-US", viewport: dict | None = None
    ) -> Journey:
        folder = ARTIFACTS / name
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        context = browser.new_context(
            locale=locale,
            viewport=viewport or DESKTOP,
            timezone_id="Asia/Shanghai",
            # No animation half-way when axe measures contrast.
            reduced_motion="reduce",
            accept_downloads=True,
        )
        context.set_default_timeout(20_000)
        page = context.new_page()
        trip = Journey(name, context, page, app.url, folder, axe)
        page.on("console", lambda m: trip.console.append(f"{m.type}: {m.text}"))
        page.on("pageerror", lambda e: trip.console.append(f"pageerror: {e}"))
        page.on(
            "response",
            lambda r: (
                r.status >= 400
                and trip.console.append(f"http {r.status}: {r.request.method} {r.url}")
            ),
        )
        opened.append(trip)
        return trip

    yield open_journey
    failed = getattr(request.node, "failed_call", False)
    for trip in opened:
        if failed:
            trip.save_failure()
        trip.context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed:
        item.failed_call = True


def sign_in(trip: Journey, username: str, *, path: str = "/accounts/login/") -> None:
    """Sign in on the site's form (employee number or login, the password)."""
    page = trip.page
    page.goto(trip.url(path))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button.primary")
    page.wait_for_load_state("load")
