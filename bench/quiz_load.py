"""Load benchmark of quiz submission (``POST /my/attempts/<id>/submit/``).

PostgreSQL only (skipped, with the reason printed, without it). ``run(ctx)``:

1. creates the scratch database ``rollout_bench_quiz``, migrates it and fills it
   in a subprocess (``python -m bench.quiz_load prepare N FILE``): a small org
   tree, one policy imported and published like any other
   (``bench.courses``: one module, a quiz of 30 questions drawing 10),
   N employees with logins, assignments, module progress and ONE open attempt
   each (the first started with ``attempt_start``, the others bulk-created with
   the same shape: the live quiz revision and a draw made by the service's
   ``attempt_draw``), a database session and a CSRF secret each. FILE gets one line
   per attempt: id, expected outcome, cookies, form body (10 answers; about
   60 % passes);
2. for each gunicorn configuration of ``CONFIGS``: serves ``bench.bare_wsgi``
   (the project's application plus a bare view writing one row, outside the
   project's URLs), warms up, then measures ``ROUNDS`` rounds of the bare
   view then the submissions, ``ROUND_SECONDS`` each, with 16 clients (wrk
   with a Lua script when installed, else Python threads), every submission
   on an attempt not submitted before, with its owner's session; the verdict
   (:func:`verdicts`) takes medians and the median of the paired ratios;
3. checks the database (``python -m bench.quiz_load verify FILE``): one grade
   per submitted attempt, the number graded between the successful responses
   and the requests sent, outcomes as planned, at most one certificate per
   attempt and one per pass, one ``bench_hits`` row per bare write;
4. stops gunicorn and drops the database.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from http.client import HTTPConnection
from pathlib import Path

from bench import ROOT, Context, Database, Result, peak_rss_mib

TITLE = "Quiz submission under load"
DESCRIPTION = (
    "Graded quiz submissions over HTTP: gunicorn serving the project "
    "(`bench/bare_wsgi.py`: the real application, DEBUG off, no Redis, the file "
    "cache, `DJANGO_CONN_MAX_AGE=600`) on a PostgreSQL scratch database with "
    "N employees, each with a session and one open attempt (10 questions drawn "
    "from 30). 16 concurrent clients on loopback (connections kept alive by "
    "the gthread workers; sync workers close them after each response), on the same "
    "machine as the server and PostgreSQL; each request submits a different "
    "open attempt with its owner's session and CSRF token (about 60 % passes, "
    "each issuing a certificate) and is answered by a 302 to the result. In the "
    "same run and on the same gunicorn processes, the *bare* row is a Django "
    "view outside the project's URLs, through the same middleware, that "
    "inserts one row (autocommit). Latencies are per request as seen by the "
    "client; the load generator shares the 2 cores with the server and "
    "PostgreSQL. A submission is three queries after the connection's health "
    "check: the session, the attempt with its policy and its owner (Django "
    "authenticates the request with that row), and one statement that grades "
    "and certifies, each prepared on the server once per connection "
    "(`lms.sql.planned_cursor`). Targets (the issue): at least "
    "500 submissions/s, p99 under 100 ms, and at least a third of the bare "
    "view's rate."
)

DB_NAME = "rollout_bench_quiz"
CLIENTS = 16
QUESTIONS = 30
DRAW = 10
PASS_SHARE = 0.6
TARGET_RATE = 500
TARGET_P99_MS = 100
TARGET_RATIO = 3
# (label, gunicorn arguments)
CONFIGS = [
    ("sync, 6 workers", ["-w", "6", "-k", "sync"]),
    ("gthread, 4 workers × 4 threads", ["-w", "4", "-k", "gthread", "--threads", "4"]),
]
# The sessions are signed in ``prepare`` with the key gunicorn serves with.
SECRET_KEY = "rollout-bench-quiz-load-" + "x" * 40
WARMUP_SECONDS = 2
WARMUP_ATTEMPTS = 3_000
# The machine is shared: bare and quiz runs alternate in short rounds, so a
# slow minute weighs on both, and the report gives medians and paired ratios.
ROUNDS = 5
ROUND_SECONDS = 5
ROUND_ATTEMPTS = 5_000  # per quiz round: enough for 1,000/s


_LUA = r"""
local threads, counter = {}, 0
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end
function init(args)
  mode, nthreads = args[1], tonumber(args[3])
  items, pos, sent, ok, bad, exhausted, badcodes = {}, 0, 0, 0, 0, 0, ""
  local headers = {["Content-Type"] = "application/x-www-form-urlencoded"}
  bare = wrk.format("POST", "/bench/bare-write/", headers, "x=1")
  spare = wrk.format("GET", "/bench/bare-write/")
  if mode == "quiz" then
    local i = 0
    for line in io.lines(args[2]) do
      if i % nthreads == tid then
        local id, cookie, body = line:match("^(%d+)\t[PF]\t([^\t]*)\t(.*)$")
        items[#items + 1] = wrk.format("POST", "/my/attempts/" .. id .. "/submit/",
          {["Content-Type"] = "application/x-www-form-urlencoded",
           ["Cookie"] = cookie}, body)
      end
      i = i + 1
    end
  end
end
function request()
  sent = sent + 1
  if mode == "bare" then return bare end
  pos = pos + 1
  if pos > #items then
    exhausted = exhausted + 1
    return spare
  end
  return items[pos]
end
function response(status, headers, body)
  local location = headers["Location"] or headers["location"] or ""
  if (mode == "bare" and status == 200) or
     (status == 302 and location:find("/my/attempts/", 1, true) == 1) then
    ok = ok + 1
  else
    bad = bad + 1
    if #badcodes < 200 then badcodes = badcodes .. status .. " " end
  end
end
function done(summary, latency, requests)
  local s, o, b, e, codes = 0, 0, 0, 0, ""
  for _, t in ipairs(threads) do
    s = s + t:get("sent"); o = o + t:get("ok"); b = b + t:get("bad")
    e = e + t:get("exhausted"); codes = codes .. t:get("badcodes")
  end
  local er = summary.errors
  io.write(string.format(
    'JSONRESULT {"requests": %d, "duration_us": %d, "sent": %d, "ok": %d, ' ..
    '"bad": %d, "exhausted": %d, "badcodes": "%s", "socket_errors": %d, ' ..
    '"p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d, "mean_us": %d}\n',
    summary.requests, summary.duration, s, o, b, e, codes,
    er.connect + er.read + er.write + er.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    latency.max, latency.mean))
end
"""


@dataclass
class LoadResult(Result):
    kind: str = ""  # "quiz" or "bare"
    config: str = ""
    tool: str = ""
    ok: int = 0
    errors: int = 0
    error_detail: str = ""
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    p99_ms: float = 0.0
    client_cpu_s: float = 0.0
    server_cpu_s: float = 0.0
    machine_busy: float = 0.0
    extra: dict = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.rows_per_second


_REPORT: dict = {}


def run(ctx: Context) -> list[Result]:
    postgres = [d for d in ctx.databases if d.label == "PostgreSQL"]
    if not postgres:
        reason = "PostgreSQL not reachable (BENCH_POSTGRES_URL): quiz_load skipped."
        _say(reason)
        _REPORT["skipped"] = reason
        return []
    database = postgres[0]
    configs = CONFIGS[:1] if ctx.quick else CONFIGS
    rounds, seconds = (3, 3) if ctx.quick else (ROUNDS, ROUND_SECONDS)
    attempts = len(configs) * (WARMUP_ATTEMPTS + rounds * ROUND_ATTEMPTS)
    staff = int(os.environ.get("BENCH_QUIZ_STAFF") or attempts)
    workdir = ctx.workdir / "quiz_load"
    workdir.mkdir(parents=True, exist_ok=True)
    targets = workdir / "targets.tsv"
    url = database.create(DB_NAME)
    results: list[Result] = []
    try:
        ctx.migrate(url)
        _say(f"  preparing {staff:,} employees with an open attempt each")
        prepared = ctx.measure(
            url, "bench.quiz_load", "prepare", str(staff), str(targets)
        )
        _say(f"  prepared in {prepared['seconds']:.0f} s")
        lines = targets.read_text(encoding="utf-8").splitlines()
        tool = "wrk" if shutil.which("wrk") else "python"
        cursor = 0
        totals = {"quiz_ok": 0, "quiz_sent": 0, "bare_ok": 0, "bare_sent": 0}
        plan = [
            ("bare", WARMUP_SECONDS, 0, 0),
            ("quiz", WARMUP_SECONDS, WARMUP_ATTEMPTS, 0),
        ]
        for number in range(1, rounds + 1):
            plan += [
                ("bare", seconds, 0, number),
                ("quiz", seconds, ROUND_ATTEMPTS, number),
            ]
        for label, args in configs:
            with _gunicorn(ctx, url, args, workdir) as server:
                for kind, duration, count, number in plan:
                    chunk = lines[cursor : cursor + count]
                    cursor += count
                    out = _load(tool, server, kind, chunk, duration, workdir)
                    totals[f"{kind}_ok"] += out["ok"]
                    totals[f"{kind}_sent"] += out["sent"]
                    if number:
                        result = _result(database, label, tool, kind, out)
                        result.extra["round"] = number
                        results.append(result)
                        _say(
                            f"    {label} round {number} {kind}: {result.rate:,.0f}/s "
                            f"p50 {result.p50_ms:.1f} p99 {result.p99_ms:.1f} ms, "
                            f"errors {result.errors}"
                        )
        check = ctx.measure(url, "bench.quiz_load", "verify", str(targets))
        check.update(totals)
        check["consistent"] = consistent(check)
        _REPORT["check"] = check
        _REPORT["staff"] = staff
        _REPORT["rounds"] = rounds
        _REPORT["seconds"] = seconds
        _REPORT["prepare_seconds"] = prepared["seconds"]
        _say(f"  check: {json.dumps(check)}")
    finally:
        database.drop(DB_NAME)
    return results


# --- Serving ----------------------------------------------------------------------


@dataclass
class _Server:
    port: int
    process: subprocess.Popen

    def pids(self) -> list[int]:
        pids = [self.process.pid]
        with contextlib.suppress(OSError):
            children = Path(
                f"/proc/{self.process.pid}/task/{self.process.pid}/children"
            )
            pids += [int(p) for p in children.read_text().split()]
        return pids


@contextlib.contextmanager
def _gunicorn(ctx: Context, url: str, args: list[str], workdir: Path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = ctx.environment(url)
    for name in ("DJANGO_DEBUG", "REDIS_URL"):
        env.pop(name, None)
    env.update(
        DJANGO_CONN_MAX_AGE="600",
        DJANGO_SECRET_KEY=SECRET_KEY,
        DJANGO_HTTPS="0",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
    )
    log = (workdir / "gunicorn.log").open("a", encoding="utf-8")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "bench.bare_wsgi:application",
            "-b",
            f"127.0.0.1:{port}",
            "--timeout",
            "60",
            *args,
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=log,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {workdir / 'gunicorn.log'}")
            try:
                connection = HTTPConnection("127.0.0.1", port, timeout=5)
                connection.request("GET", "/bench/bare-write/")
                if connection.getresponse().status == 405:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not answer within 30 s")
            time.sleep(0.2)
        yield _Server(port, process)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


# --- Load -------------------------------------------------------------------------


def _cpu_ticks(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError, IndexError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def _machine() -> tuple[int, int]:
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def _load(tool, server: _Server, kind, chunk, seconds, workdir: Path) -> dict:
    pids = server.pids()
    server_before, (busy0, total0) = _cpu_ticks(pids), _machine()
    if tool == "wrk":
        out = _wrk(server.port, kind, chunk, seconds, workdir)
    else:
        out = _python_client(server.port, kind, chunk, seconds)
    busy1, total1 = _machine()
    out["server_cpu_s"] = _cpu_ticks(pids) - server_before
    out["machine_busy"] = (busy1 - busy0) / max(total1 - total0, 1)
    return out


def _wrk(port: int, kind: str, chunk: list[str], seconds: int, workdir: Path) -> dict:
    script = workdir / "submit.lua"
    script.write_text(_LUA, encoding="utf-8")
    data = workdir / "chunk.tsv"
    data.write_text("".join(line + "\n" for line in chunk), encoding="utf-8")
    threads = 2
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = subprocess.run(
        [
            "wrk",
            f"-t{threads}",
            f"-c{CLIENTS}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}/",
            "--",
            kind,
            str(data),
            str(threads),
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=False,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    line = next(
        (x for x in result.stdout.splitlines() if x.startswith("JSONRESULT ")), None
    )
    if result.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed:\n{result.stdout}\n{result.stderr}")
    raw = json.loads(line.removeprefix("JSONRESULT "))
    return {
        "ok": raw["ok"],
        "sent": raw["sent"],
        "completed": raw["requests"],
        "errors": raw["bad"] + raw["socket_errors"],
        "error_detail": (raw["badcodes"].strip()[:80] or "")
        + (f" socket errors {raw['socket_errors']}" if raw["socket_errors"] else ""),
        "exhausted": raw["exhausted"],
        "seconds": raw["duration_us"] / 1e6,
        "p50": raw["p50_us"] / 1000,
        "p95": raw["p95_us"] / 1000,
        "p99": raw["p99_us"] / 1000,
        "client_cpu_s": (after.ru_utime + after.ru_stime)
        - (before.ru_utime + before.ru_stime),
    }


def _python_client(port: int, kind: str, chunk: list[str], seconds: int) -> dict:
    """16 threads, each with one keep-alive connection and its share of ``chunk``."""
    stop_at = time.monotonic() + seconds
    lock = threading.Lock()
    latencies: list[float] = []
    counts = {"ok": 0, "sent": 0, "errors": 0, "exhausted": 0}
    codes: list[str] = []

    def client(index: int) -> None:
        mine = chunk[index::CLIENTS]
        connection = HTTPConnection("127.0.0.1", port, timeout=10)
        local: list[float] = []
        ok = sent = errors = exhausted = 0
        position = 0
        while time.monotonic() < stop_at:
            headers = {"Content-Type": "application/x-www-form-urlencoded"}
            if kind == "bare":
                path, body = "/bench/bare-write/", "x=1"
            elif position < len(mine):
                attempt, _outcome, cookie, body = mine[position].split("\t", 3)
                position += 1
                path = f"/my/attempts/{attempt}/submit/"
                headers["Cookie"] = cookie
            else:
                exhausted += 1
                break
            start = time.perf_counter()
            sent += 1
            try:
                connection.request("POST", path, body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                status = response.status
            except OSError as error:
                connection.close()
                status, response = type(error).__name__, None
            local.append(time.perf_counter() - start)
            location = response.getheader("Location", "") if status == 302 else ""
            if (kind == "bare" and status == 200) or location.startswith(
                "/my/attempts/"
            ):
                ok += 1
            else:
                errors += 1
                if len(codes) < 20:
                    codes.append(str(status))
        connection.close()
        with lock:
            latencies.extend(local)
            for key, value in (
                ("ok", ok),
                ("sent", sent),
                ("errors", errors),
                ("exhausted", exhausted),
            ):
                counts[key] += value

    before = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    workers = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=seconds + 30)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_SELF)
    latencies.sort()

    def percentile(p: float) -> float:
        if not latencies:
            return 0.0
        return latencies[min(len(latencies) - 1, int(len(latencies) * p))] * 1000

    return {
        **counts,
        "completed": len(latencies),
        "error_detail": " ".join(codes),
        "seconds": elapsed,
        "p50": percentile(0.50),
        "p95": percentile(0.95),
        "p99": percentile(0.99),
        "client_cpu_s": (after.ru_utime + after.ru_stime)
        - (before.ru_utime + before.ru_stime),
    }


def _result(database: Database, label: str, tool: str, kind: str, out: dict):
    detail = out["error_detail"]
    if out["exhausted"]:
        detail += f" ran out of open attempts ({out['exhausted']} requests)"
    return LoadResult(
        benchmark=kind,
        database=database.name,
        rows=out["ok"],
        seconds=[out["seconds"]],
        peak_rss_mib=peak_rss_mib(),
        kind=kind,
        config=label,
        tool=tool,
        ok=out["ok"],
        errors=out["errors"] + out["exhausted"],
        error_detail=detail.strip(),
        p50_ms=out["p50"],
        p95_ms=out["p95"],
        p99_ms=out["p99"],
        client_cpu_s=out["client_cpu_s"],
        server_cpu_s=out["server_cpu_s"],
        machine_busy=out["machine_busy"],
    )


# --- Report -----------------------------------------------------------------------


def table(results: list[Result]) -> list[str]:
    """The Markdown of this module's section after its description."""
    if not results:
        return [f"Not measured: {_REPORT.get('skipped', 'no result')}."]
    tool = results[0].tool
    tool_text = (
        "wrk 4 (2 threads, 16 connections, a Lua script giving each request "
        "another attempt)"
        if tool == "wrk"
        else "Python (16 threads with `http.client` keep-alive connections: the "
        "client competes with the server for the 2 cores)"
    )
    lines = [
        f"{_REPORT.get('staff', 0):,} employees and open attempts (prepared in "
        f"{_REPORT.get('prepare_seconds', 0):.0f} s). Per gunicorn configuration, "
        f"after a {WARMUP_SECONDS} s warm-up of each kind, "
        f"{_REPORT.get('rounds', 0)} rounds of {_REPORT.get('seconds', 0)} s of "
        "bare writes then "
        f"{_REPORT.get('seconds', 0)} s of submissions; load tool: {tool_text}. "
        "Each row is one run; the verdict below takes the medians of the rounds "
        "and the median of each round's ratio bare/quiz (this machine is shared, "
        "and its speed varies by ±15 % from minute to minute).",
        "",
        "| gunicorn | round | request | ok | req/s | p50 (ms) | p95 (ms) "
        "| p99 (ms) | errors | gunicorn CPU (s) | machine busy |",
        "|---|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for r in results:
        kind = "quiz submit" if r.kind == "quiz" else "bare write"
        errors = f"{r.errors}" + (f" ({r.error_detail})" if r.error_detail else "")
        lines.append(
            f"| {r.config} | {r.extra.get('round', '')} | {kind} | {r.ok:,} "
            f"| {r.rate:,.0f} | {r.p50_ms:.1f} | {r.p95_ms:.1f} | {r.p99_ms:.1f} "
            f"| {errors} | {r.server_cpu_s:.1f} | {r.machine_busy:.0%} |"
        )
    lines += ["", "Against the targets (≥ 500/s, p99 < 100 ms, within 3x of bare):", ""]
    for config, verdict in verdicts(results).items():
        lines.append(
            f"- {config}: median {verdict['rate']:,.0f} submissions/s "
            f"({'≥' if verdict['met_rate'] else '<'} 500), median p99 "
            f"{verdict['p99']:.0f} ms (worst round {verdict['worst_p99']:.0f}; "
            f"{'<' if verdict['met_p99'] else '≥'} 100), bare median "
            f"{verdict['bare']:,.0f} writes/s, median ratio {verdict['ratio']:.2f}x "
            f"({'≤' if verdict['met_ratio'] else '>'} 3), errors {verdict['errors']}: "
            f"{'**met**' if verdict['met'] else '**missed**'}."
        )
    check = _REPORT.get("check")
    if check:
        lines += [
            "",
            "Database check after the runs (warm-ups included): "
            f"{check['graded']:,} attempts graded for {check['quiz_ok']:,} "
            f"successful submissions and {check['quiz_sent']:,} sent (the "
            "difference: requests in flight when a run ended, graded without the "
            f"client reading the answer); {check['ungraded_submitted']} submitted "
            f"without a grade; {check['outcome_mismatch']} outcomes other than "
            f"planned; {check['passed']:,} passes, {check['certificates']:,} "
            f"certificates, {check['passes_without_certificate']} passes without "
            f"and {check['certificates_not_passed']} certificates without a pass, "
            f"{check['attempts_with_several_certificates']} attempts with more "
            f"than one; {check['bench_hits']:,} rows written by "
            f"{check['bare_ok']:,} successful bare writes ({check['bare_sent']:,} "
            f"sent). Consistent: **{'yes' if check['consistent'] else 'NO'}**.",
        ]
    return lines


def verdicts(results: list[Result]) -> dict[str, dict]:
    """Per configuration: the medians of its rounds and the targets met."""
    out: dict[str, dict] = {}
    for config in dict.fromkeys(r.config for r in results):
        rounds: dict[int, dict[str, LoadResult]] = {}
        for r in results:
            if r.config == config:
                rounds.setdefault(r.extra.get("round", 0), {})[r.kind] = r
        pairs = [p for p in rounds.values() if "quiz" in p and "bare" in p]
        if not pairs:
            continue
        quiz = [p["quiz"] for p in pairs]
        verdict = {
            "rate": statistics.median(q.rate for q in quiz),
            "p99": statistics.median(q.p99_ms for q in quiz),
            "worst_p99": max(q.p99_ms for q in quiz),
            "bare": statistics.median(p["bare"].rate for p in pairs),
            "ratio": statistics.median(
                p["bare"].rate / p["quiz"].rate if p["quiz"].rate else float("inf")
                for p in pairs
            ),
            "errors": sum(q.errors for q in quiz),
        }
        verdict["met_rate"] = verdict["rate"] >= TARGET_RATE
        verdict["met_p99"] = verdict["p99"] < TARGET_P99_MS
        verdict["met_ratio"] = verdict["ratio"] <= TARGET_RATIO
        verdict["met"] = (
            verdict["met_rate"]
            and verdict["met_p99"]
            and verdict["met_ratio"]
            and verdict["errors"] == 0
        )
        out[config] = verdict
    return out


def _say(text: str) -> None:
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


# --- The subprocess side ----------------------------------------------------------


def prepare(staff: int, path: str) -> dict:
    """Fill the scratch database; write one line per open attempt to ``path``."""
    os.environ["DJANGO_SECRET_KEY"] = SECRET_KEY
    import django

    django.setup()
    from datetime import timedelta
    from urllib.parse import urlencode

    from django.conf import settings
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.db import connection, transaction
    from django.utils import timezone
    from django.utils.crypto import get_random_string
    from django.utils.timezone import localdate

    from bench.courses import bench_course
    from bench.staff import bench_staff, bench_units
    from cms.models import ModulePage
    from cms.quiz import quiz_pool
    from lms.models import (
        Assignment,
        ModuleProgress,
        Position,
        QuizAttempt,
    )
    from lms.services.attempts import attempt_draw, attempt_start

    start = time.perf_counter()
    rng = random.Random(7)
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE bench_hits (id bigserial PRIMARY KEY, at timestamptz)"
        )
    _province, counties = bench_units(counties=4)
    position = Position.objects.create(code="counter", name="counter")
    policy = bench_course(
        code="BENCH-QUIZ",
        questions=QUESTIONS,
        draw=DRAW,
        pass_mark=80,
        max_attempts=3,
        attempt_wait_minutes=0,
    )
    modules = list(
        ModulePage.objects.live().child_of(policy).values_list("pk", flat=True)
    )
    with transaction.atomic():
        users, employees = bench_staff(
            count=staff, prefix="B", counties=counties, position=position
        )
        Assignment.objects.bulk_create(
            Assignment(
                employee=employee,
                policy=policy,
                assigned_at=now,
                due_on=localdate(now) + timedelta(days=30),
            )
            for employee in employees
        )
        ModuleProgress.objects.bulk_create(
            ModuleProgress(
                employee=employee,
                policy=policy,
                module_id=module,
                version=policy.version,
                completed_at=now,
            )
            for employee in employees
            for module in modules
        )
    sample = attempt_start(employee=employees[0], policy=policy)
    pool = quiz_pool(revision_id=sample.quiz_revision_id)
    with transaction.atomic():
        attempts = [sample] + QuizAttempt.objects.bulk_create(
            QuizAttempt(
                employee=employee,
                policy=policy,
                version=sample.version,
                number=sample.number,
                quiz_revision_id=sample.quiz_revision_id,
                draw=attempt_draw(pool=pool, count=policy.questions_per_attempt),
                started_at=now,
                deadline=sample.deadline,
            )
            for employee in employees[1:]
        )
        backend = settings.AUTHENTICATION_BACKENDS[0]
        store = SessionStore()
        sessions, lines = [], []
        for user, attempt in zip(users, attempts, strict=True):
            key = get_random_string(32, "abcdefghijklmnopqrstuvwxyz0123456789")
            sessions.append(
                Session(
                    session_key=key,
                    session_data=store.encode(
                        {
                            "_auth_user_id": str(user.pk),
                            "_auth_user_backend": backend,
                            "_auth_user_hash": user.get_session_auth_hash(),
                        }
                    ),
                    expire_date=now + timedelta(days=1),
                )
            )
            secret = get_random_string(32)
            passes = rng.random() < PASS_SHARE
            wrong = rng.randint(0, 2) if passes else rng.randint(3, len(attempt.draw))
            fields = [("csrfmiddlewaretoken", secret)]
            for index, (question_id, option_ids) in enumerate(attempt.draw):
                correct = pool[question_id].correct_ids
                right = index >= wrong
                choice = next(o for o in option_ids if (o in correct) == right)
                fields.append((question_id, choice))
            cookie = f"sessionid={key}; csrftoken={secret}"
            outcome = "P" if passes else "F"
            lines.append(f"{attempt.pk}\t{outcome}\t{cookie}\t{urlencode(fields)}\n")
        Session.objects.bulk_create(sessions, batch_size=5000)
    # Vacuumed and analysed like a database in service: autovacuum would
    # otherwise work through the freshly loaded tables during the measurement.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    rng.shuffle(lines)
    Path(path).write_text("".join(lines), encoding="utf-8")
    return {"seconds": time.perf_counter() - start, "peak_rss_mib": peak_rss_mib()}


def verify(path: str) -> dict:
    """What the database holds after the runs."""
    import django

    django.setup()
    from django.db import connection
    from django.db.models import Count

    from certificates.models import Certificate
    from lms.models import QuizAttempt

    planned = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        attempt_id, outcome, _rest = line.split("\t", 2)
        planned[int(attempt_id)] = outcome == "P"
    submitted = QuizAttempt.objects.filter(submitted_at__isnull=False)
    graded = dict(
        submitted.filter(score__isnull=False).values_list("pk", "passed").iterator()
    )
    certified = set(Certificate.objects.values_list("attempt_id", flat=True))
    passed = {pk for pk, ok in graded.items() if ok}
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM bench_hits")
        hits = cursor.fetchone()[0]
    out = {
        "graded": len(graded),
        "ungraded_submitted": submitted.filter(score__isnull=True).count(),
        "outcome_mismatch": sum(planned.get(pk) != ok for pk, ok in graded.items()),
        "passed": len(passed),
        "certificates": Certificate.objects.count(),
        "passes_without_certificate": len(passed - certified),
        "certificates_not_passed": len(certified - passed),
        "attempts_with_several_certificates": Certificate.objects.values("attempt")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count(),
        "bench_hits": hits,
    }
    return {"seconds": 0.0, "peak_rss_mib": peak_rss_mib(), **out}


def consistent(check: dict) -> bool:
    return (
        check["quiz_ok"] <= check["graded"] <= check["quiz_sent"]
        and check["ungraded_submitted"] == 0
        and check["outcome_mismatch"] == 0
        and check["passes_without_certificate"] == 0
        and check["certificates_not_passed"] == 0
        and check["attempts_with_several_certificates"] == 0
        and check["certificates"] == check["passed"]
        and check["bare_ok"] <= check["bench_hits"] <= check["bare_sent"]
    )


if __name__ == "__main__":
    if sys.argv[1] == "prepare":
        result = prepare(int(sys.argv[2]), sys.argv[3])
    else:
        result = verify(sys.argv[2])
    print(json.dumps(result))  # noqa: T201
