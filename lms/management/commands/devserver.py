"""``manage.py devserver [ADDRPORT]``: what ``make run`` serves, the web
server (``runserver``) and a task worker (``qcluster``) side by side, stopped
together and cleanly by Ctrl-C or a signal.

The web server reloads itself when a Python file changes (Django's
reloader); the worker does not, so this command restarts it when one of the
project's Python files changes (:func:`code_stamp`, checked every
``WATCH_SECONDS``): a task edited while ``make run`` serves runs its new code.

Each child runs in its own process group, so the terminal's Ctrl-C reaches
this command only; it then asks both to stop (SIGTERM to the worker's main
process, which stops its workers once their task in hand is done; to the web
server's group), waits, and ends with status 0. Should one child
end on its own, the other is stopped too and its status is passed on.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

GRACE_SECONDS = 15
WATCH_SECONDS = 2.0
# Folders of the project not to watch for changed code.
UNWATCHED = {".venv", "var", "media", "staticfiles", "node_modules", ".git"}


def code_stamp(root: Path) -> tuple[int, float]:
    """How many Python files the project has and the latest change among
    them: it moves when a file is edited, added or removed."""
    count, latest = 0, 0.0
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = [
            name
            for name in subfolders
            if name not in UNWATCHED and not name.startswith(".")
        ]
        for name in files:
            if name.endswith(".py"):
                count += 1
                try:
                    latest = max(latest, os.stat(os.path.join(folder, name)).st_mtime)
                except FileNotFoundError:
                    pass
    return count, latest


class Command(BaseCommand):
    help = "Serve the site and run a task worker until Ctrl-C (make run)."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args, addrport: str, **options):
        manage = [sys.executable, sys.argv[0]]
        children = {
            "worker": _start([*manage, "qcluster"]),
            "web": _start([*manage, "runserver", addrport]),
        }
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        status = 0
        stamp = code_stamp(settings.BASE_DIR)
        checked = time.monotonic()
        while not stopping:
            if time.monotonic() - checked >= WATCH_SECONDS:
                checked = time.monotonic()
                now = code_stamp(settings.BASE_DIR)
                if now != stamp:
                    stamp = now
                    self.stdout.write("Code changed: restarting the task worker.")
                    _stop(children["worker"], signal.SIGTERM)
                    children["worker"] = _start([*manage, "qcluster"])
            ended = next(
                (
                    (name, c.returncode)
                    for name, c in children.items()
                    if c.poll() is not None
                ),
                None,
            )
            if ended:
                name, status = ended
                self.stderr.write(f"The {name} process ended (status {status}).")
                break
            time.sleep(0.2)
        self.stdout.write("Stopping the web server and the task worker ...")
        # The worker's main process stops its own workers (they finish the
        # task in hand); the web server's reloader and server go together.
        children["worker"].send_signal(signal.SIGTERM)
        _signal(children["web"], signal.SIGTERM)
        deadline = time.monotonic() + GRACE_SECONDS
        for child in children.values():
            try:
                child.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                _signal(child, signal.SIGKILL)
                child.wait()
            _signal(child, signal.SIGKILL)  # anything left in its group
        self.stdout.write("Stopped.")
        if status:
            sys.exit(status if status > 0 else 1)


def _start(command: list[str]) -> subprocess.Popen:
    return subprocess.Popen(command, start_new_session=True)


def _stop(child: subprocess.Popen, signum: int) -> None:
    """Stop ``child`` (it finishes the task in hand), killing it past the
    grace period."""
    child.send_signal(signum)
    try:
        child.wait(timeout=GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        _signal(child, signal.SIGKILL)
        child.wait()
    _signal(child, signal.SIGKILL)


def _signal(child: subprocess.Popen, signum: int) -> None:
    try:
        os.killpg(child.pid, signum)
    except (ProcessLookupError, PermissionError):
        pass
