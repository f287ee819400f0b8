"""Benchmark of readiness and the launch (``lms.selectors.readiness``,
``lms.services.launches``) on a real-size case.

``run(ctx)`` generates the HR files once (the 3,500-unit tree and
``BENCH_READINESS_STAFF`` employees, 1,000,000 by default, 50,000 with
``--quick``) and, for each database, prepares it once in a subprocess: the
tree and the staff imported with the import services, five live policies
whose audience is the whole group, assigned with the assignment sync
(``assignments_sync``: one row per employee and policy), and certificates at
realistic levels per province — ten provinces ready (96–100 % in every
county), ten close (80–95 %), eleven far behind (0–30 %); a fifth policy
with everyone certified, for the launch. Certificates are written with
``bulk_create`` (a pass through the quiz service per certificate would take
hours; the readiness query reads the same columns either way).

Each measurement is then a new process on that database:

- *readiness, whole tree (cold)*: the first ``readiness_for`` of the whole
  group (depth 1: HQ and the provinces; every county counts towards the
  blockers) in a process that has only opened its connection;
- *readiness, whole tree (warm)*: the same call again, median of 5;
- *plain GROUP BY*: one SQL statement counting assigned and certified by the
  employees' unit over the same rows (the same acceptance test written
  plainly: not revoked, not superseded, not expired), median of 5 — the
  floor the aggregate is compared with;
- *readiness, one province, depth 2 (warm)*: what the API's busiest call
  computes, median of 5;
- *whole tree, 100 counties changed since*: the stored counts of 100 random
  counties untrusted (as passes, revocations or transfers there would), then
  the whole tree: those recounted from the rows by unit id and written back,
  the rest read as stored — a busy day between two runs of the schedule;
- *whole tree, every count recounted*: every stored count of the policy
  untrusted (as a new version does), then the whole tree: counted from the
  rows over the scope and written back — the worst case, once per
  publication (the schedule does it within a minute);
- *launch of the whole group*: ``launch_record`` of the ready policy (lock,
  re-evaluation, a snapshot of every county, the record), withdrawn
  afterwards untimed so that the next run can launch again.

The preparation ends as the schedule would have left the database: every
count stored (``readiness_refresh``).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import statistics
import sys
import time

from bench import Context, Result, peak_rss_mib
from bench.generate import write_org, write_staff

TITLE = "Readiness and launch"
DESCRIPTION = (
    "`readiness_for` and `launch_record` on the generated 3,500-unit tree with "
    "the staff imported by the import services, five live whole-group policies "
    "assigned by `assignments_sync` (one assignment per employee and policy) and "
    "certificates at realistic levels (ten provinces ready, ten close, eleven "
    "far behind; about 60 % certified), plus one policy ready everywhere for the "
    "launch. Readiness reads the counts stored per unit where still exact "
    "(`lms.services.readiness_counts`) and recounts the rest from the rows. "
    "*cold*: the first call in a new process (connection already open); "
    "*warm*: median of 5 calls; *100 counties changed*: their counts recounted, "
    "the rest stored; *every count recounted*: the worst case, after a new "
    "version; *plain GROUP BY*: one hand-written SQL "
    "statement counting assigned and certified by unit over the same rows, the "
    "floor to compare with; *launch*: the whole group, with the lock, the "
    "re-evaluation, the snapshot of every county and the record. Every figure "
    "is one process on the prepared database; rows is the number of staff."
)
POLICIES = [f"BENCH-R{n}" for n in range(1, 5)]
READY = "BENCH-READY"
STEPS = ("cold", "warm", "groupby", "province", "some", "recount", "launch")


def _staff(ctx: Context) -> int:
    default = 50_000 if ctx.quick else 1_000_000
    return int(os.environ.get("BENCH_READINESS_STAFF", default))


def run(ctx: Context) -> list[Result]:
    staff_count = _staff(ctx)
    data = ctx.workdir / "readiness"
    data.mkdir(parents=True, exist_ok=True)
    org, staff = data / "org.csv", data / "staff.csv"
    write_staff(staff, write_org(org), staff=staff_count)
    results: list[Result] = []
    names = {
        "cold": "readiness, whole tree (cold)",
        "warm": "readiness, whole tree (warm)",
        "groupby": "plain GROUP BY over the same rows",
        "province": "readiness, one province, depth 2 (warm)",
        "some": "readiness, whole tree, 100 counties changed since",
        "recount": "readiness, whole tree, every count recounted",
        "launch": "launch of the whole group (ready policy)",
    }
    for database in ctx.databases:
        url = database.create("rollout_bench_ready")
        try:
            ctx.migrate(url)
            out = ctx.measure(url, "bench.readiness", "prepare", str(org), str(staff))
            sys.stderr.write(f"    prepared [{database.name}]: {out['result']}\n")
            figures = {step: [] for step in STEPS}
            queries = {}
            for _ in range(ctx.runs):
                out = ctx.measure(url, "bench.readiness", "measure")
                for step in STEPS:
                    figures[step].append(out["seconds"][step])
                queries = out["queries"]
                sys.stderr.write(f"    [{database.name}] {out['seconds']}\n")
            for step in STEPS:
                note = f"{queries[step]} queries" if step in queries else ""
                results.append(
                    Result(
                        names[step],
                        database.name,
                        staff_count,
                        figures[step],
                        out["peak_rss_mib"],
                        note,
                    )
                )
            if database.name.startswith("PostgreSQL"):
                results.append(_api_under_load(ctx, database, url, staff_count))
        finally:
            database.drop("rollout_bench_ready")
    return results


API_CLIENTS = 16
API_SECONDS = 10
API_GUNICORN = ["-w", "4", "-k", "sync"]
API_NAME = "readiness API, one province, depth 2, 16 clients (p95)"


def _api_under_load(ctx: Context, database, url: str, staff_count: int) -> Result:
    """``GET /api/v1/policies/…/readiness?unit=<province>&depth=2`` from 16
    clients for ``API_SECONDS`` against gunicorn (``bench.quiz_load``'s
    server), each request with the launch officer's API token, each client
    on its own province in turn; the figure is the 95th percentile."""
    from bench.quiz_load import _gunicorn

    out = ctx.measure(url, "bench.readiness", "token")
    with _gunicorn(ctx, url, API_GUNICORN, ctx.workdir) as server:
        paths = [
            f"/api/v1/policies/{POLICIES[0]}/readiness?unit={code}&depth=2"
            for code in out["provinces"]
        ]
        headers = {"Authorization": f"Bearer {out['token']}"}
        _api_load(server.port, paths, headers, seconds=2)  # warm-up
        if shutil.which("wrk"):  # a load generator in C leaves the cores to the server
            load = _api_wrk(server.port, paths[5], headers, seconds=API_SECONDS)
        else:
            load = _api_load(server.port, paths, headers, seconds=API_SECONDS)
    sys.stderr.write(f"    [{database.name}] API: {load}\n")
    return Result(
        API_NAME,
        database.name,
        staff_count,
        [load["p95"] / 1000],
        0.0,
        f"p50 {load['p50']:.0f} ms, {load['rate']:.0f} requests/s, "
        f"{load['errors']} errors, {load.get('tool', 'Python threads')}",
    )


_WRK_DONE = r"""
done = function(summary, latency, requests)
  local bad = summary.errors.status + summary.errors.connect
    + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format(
    "JSONRESULT {\"requests\": %d, \"seconds\": %f, \"errors\": %d, "
    .. "\"p50\": %f, \"p95\": %f, \"p99\": %f}\n",
    summary.requests, summary.duration / 1e6, bad,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000))
end
"""


def _api_wrk(port: int, path: str, headers: dict, *, seconds: int) -> dict:
    """The same load from wrk (2 threads, 16 connections) on one province."""
    import subprocess
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_WRK_DONE)
    command = ["wrk", "-t2", f"-c{API_CLIENTS}", f"-d{seconds}s", "-s", script.name]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    result = subprocess.run(
        [*command, f"http://127.0.0.1:{port}{path}"],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=False,
    )
    os.unlink(script.name)
    line = next(
        (x for x in result.stdout.splitlines() if x.startswith("JSONRESULT ")), None
    )
    if result.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed:\n{result.stdout}\n{result.stderr}")
    raw = json.loads(line.removeprefix("JSONRESULT "))
    return {**raw, "rate": raw["requests"] / raw["seconds"], "tool": "wrk"}


def _api_load(port: int, paths: list[str], headers: dict, *, seconds: int) -> dict:
    import threading
    from http.client import HTTPConnection

    stop_at = time.monotonic() + seconds
    latencies: list[float] = []
    errors: list[int] = []
    statuses: set[int] = set()
    lock = threading.Lock()

    def client(index: int) -> None:
        connection = HTTPConnection("127.0.0.1", port, timeout=30)
        local, failed, n = [], 0, index
        while time.monotonic() < stop_at:
            path = paths[n % len(paths)]
            n += API_CLIENTS
            start = time.perf_counter()
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            local.append(time.perf_counter() - start)
            if response.status != 200:
                failed += 1
                with lock:
                    statuses.add(response.status)
        connection.close()
        with lock:
            latencies.extend(local)
            errors.append(failed)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(API_CLIENTS)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 60)
    elapsed = time.perf_counter() - start
    latencies.sort()

    def percentile(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(len(latencies) * p))] * 1000

    return {
        "requests": len(latencies),
        "rate": len(latencies) / elapsed,
        "errors": sum(errors),
        "statuses": sorted(statuses),
        "p50": percentile(0.50),
        "p95": percentile(0.95),
        "p99": percentile(0.99),
    }


def table(results: list[Result]) -> list[str]:
    lines = [
        "| benchmark | database | staff | runs | min (ms) | median (ms) | queries "
        "| peak RSS (MiB) |",
        "|---|---|--:|--:|--:|--:|--:|--:|",
    ]
    lines += [
        f"| {r.benchmark} | {r.database} | {r.rows:,} | {len(r.seconds)} "
        f"| {r.best * 1000:.0f} | {r.median * 1000:.0f} | {r.note or '—'} "
        f"| {r.peak_rss_mib:.0f} |"
        for r in results
    ]
    databases = sorted({r.database for r in results})
    postgres = next((d for d in databases if d.startswith("PostgreSQL")), None)

    def median(name: str, database: str) -> float | None:
        for r in results:
            if r.benchmark.startswith(name) and r.database == database:
                return r.median
        return None

    def verdict(ok: bool) -> str:
        return "**met**" if ok else "**missed**"

    lines.append("")
    if postgres:
        cold = median("readiness, whole tree (cold)", postgres)
        warm = median("readiness, whole tree (warm)", postgres)
        plain = median("plain GROUP BY", postgres)
        launch = median("launch", postgres)
        api = median(API_NAME, postgres)
        if api is not None:
            lines.append(
                f"- Readiness API p95, one province at depth 2 under 16 clients: "
                f"{api * 1000:.0f} ms (< 100 ms): {verdict(api < 0.1)}."
            )
        lines += [
            f"- PostgreSQL, whole tree: cold {cold * 1000:.0f} ms (< 500 ms): "
            f"{verdict(cold < 0.5)}; warm {warm * 1000:.0f} ms (< 50 ms): "
            f"{verdict(warm < 0.05)}; {warm / plain:.2f}x the plain GROUP BY "
            f"(≤ 2x): {verdict(warm <= 2 * plain)}.",
            f"- Launch of the whole group on PostgreSQL: {launch * 1000:.0f} ms "
            f"(< 1 s): {verdict(launch < 1)}.",
        ]
    sqlite = next((d for d in databases if d.startswith("SQLite")), None)
    if postgres and sqlite:
        warm_pg = median("readiness, whole tree (warm)", postgres)
        warm_lite = median("readiness, whole tree (warm)", sqlite)
        lines.append(
            f"- SQLite, whole tree warm: {warm_lite * 1000:.0f} ms, "
            f"{warm_lite / warm_pg:.2f}x PostgreSQL (≤ 3x): "
            f"{verdict(warm_lite <= 3 * warm_pg)}."
        )
    return lines


# --- The subprocess side ----------------------------------------------------------


def _rates(provinces: list[str], seed: int = 7) -> dict[str, tuple[int, int]]:
    """Each province's range of county certification rates (%)."""
    rng = random.Random(seed)
    order = provinces[:]
    rng.shuffle(order)
    ranges = {}
    for i, code in enumerate(order):
        ranges[code] = (96, 100) if i < 10 else (80, 95) if i < 20 else (0, 30)
    return ranges


def prepare(org: str, staff: str) -> dict:
    import django

    django.setup()
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from certificates.models import Certificate
    from certificates.serials import new_serial
    from cms.models import CatalogPage, HomePage, PolicyPage
    from lms.models import Assignment, ManagerScope, OrgUnit, User
    from lms.roles import LAUNCH_OFFICER, roles_sync
    from lms.services.assignments import assignments_sync
    from lms.services.imports import org_import, staff_import

    start = time.perf_counter()
    for report in (org_import(path=org), staff_import(path=staff)):
        if not report.ok:
            raise SystemExit(f"import refused: {[str(e) for e in report.errors[:5]]}")
    home = HomePage.objects.get()
    catalogue = home.add_child(instance=CatalogPage(title="Bench", slug="bench"))
    policies = []
    for code in [*POLICIES, READY]:
        policy = catalogue.add_child(
            instance=PolicyPage(
                title=code, slug=code.lower(), code=code, summary=code, live=False
            )
        )
        PolicyPage.objects.filter(pk=policy.pk).update(live=True)
        policies.append(PolicyPage.objects.get(pk=policy.pk))
    for policy in policies:
        assignments_sync(policy_id=policy.pk)

    units = list(OrgUnit.objects.values_list("pk", "path", "level", "code"))
    provinces = {path: code for _pk, path, level, code in units if level == "province"}
    ranges = _rates(sorted(provinces.values()))
    rng = random.Random(11)
    rate: dict[int, int] = {}
    for pk, path, _level, _code in units:
        province = provinces.get(path[: OrgUnit.steplen * 2])
        low, high = ranges.get(province, (90, 100))
        rate[pk] = rng.randint(low, high)
    now = timezone.now()
    written = 0
    for policy in policies:
        rows = (
            Assignment.objects.filter(policy=policy)
            .values_list("employee_id", "employee__unit_id", "employee__employee_no")
            .order_by()
            .iterator(chunk_size=10_000)
        )
        batch = []
        for employee_id, unit_id, employee_no in rows:
            share = 100 if policy.code == READY else rate[unit_id]
            if rng.random() * 100 >= share:
                continue
            batch.append(
                Certificate(
                    serial=new_serial(),
                    employee_id=employee_id,
                    policy_id=policy.pk,
                    version=1,
                    score=100,
                    issued_at=now,
                    holder_name="bench",
                    employee_no=employee_no,
                    policy_code=policy.code,
                    policy_title=policy.title,
                    rendered_at=now,
                )
            )
            if len(batch) == 5_000:
                Certificate.objects.bulk_create(batch)
                written += len(batch)
                batch = []
        Certificate.objects.bulk_create(batch)
        written += len(batch)
    roles_sync()
    officer = User.objects.create(username="bench-launch", first_name="基准")
    officer.groups.add(*Group.objects.filter(name=LAUNCH_OFFICER))
    ManagerScope.objects.create(user=officer, unit=OrgUnit.get_first_root_node())
    _analyze()
    # What the schedule does every minute: every count stored (timed here,
    # the figure is the measurement's "recount" below, per policy).
    from lms.services.readiness_counts import readiness_refresh

    readiness_refresh()
    _analyze()
    return {
        "seconds": time.perf_counter() - start,
        "peak_rss_mib": peak_rss_mib(),
        "result": {
            "assignments": Assignment.objects.count(),
            "certificates": written,
            "seconds": round(time.perf_counter() - start),
        },
    }


def _analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


GROUP_BY = """
SELECT e.unit_id, COUNT(*), COUNT(c.id)
FROM lms_assignment a
JOIN lms_employee e ON e.id = a.employee_id
LEFT JOIN certificates_certificate c
  ON c.employee_id = a.employee_id AND c.policy_id = a.policy_id
 AND c.revoked_at IS NULL AND c.superseded_at IS NULL
 AND (c.expires_at IS NULL OR c.expires_at > %s)
WHERE a.policy_id = %s AND a.is_active AND e.is_active
GROUP BY e.unit_id
"""


def _timed(call, times: int = 5) -> float:
    seconds = []
    for _ in range(times):
        start = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds)


def measure() -> dict:
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from cms.models import PolicyPage
    from lms.models import OrgUnit, ReadinessCount, User
    from lms.selectors.readiness import readiness_for
    from lms.services.launches import launch_record, launch_withdraw

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    import gc

    gc.freeze()  # as config.wsgi does once the application is loaded
    policy = PolicyPage.objects.get(code=POLICIES[0])
    ready = PolicyPage.objects.get(code=READY)
    hq = OrgUnit.get_first_root_node()
    province = OrgUnit.objects.filter(level="province").order_by("code")[5]
    seconds, queries = {}, {}

    start = time.perf_counter()
    with CaptureQueriesContext(connection) as captured:
        readiness = readiness_for(policy=policy, scope=hq, depth=1)
    seconds["cold"] = time.perf_counter() - start
    queries["cold"] = len(captured)
    assert readiness.overall.assigned > 0
    seconds["warm"] = _timed(lambda: readiness_for(policy=policy, scope=hq, depth=1))

    def group_by():
        with connection.cursor() as cursor:
            cursor.execute(GROUP_BY, [timezone.now(), policy.pk])
            return cursor.fetchall()

    group_by()
    seconds["groupby"] = _timed(group_by)
    seconds["province"] = _timed(
        lambda: readiness_for(policy=policy, scope=province, depth=2)
    )
    counties = list(
        OrgUnit.objects.filter(level="county")
        .order_by("?")
        .values_list("pk", flat=True)[:100]
    )
    untrust = ReadinessCount.objects.filter(policy=policy)
    untrust.filter(unit_id__in=counties).update(counted_generation=None)
    start = time.perf_counter()
    readiness_for(policy=policy, scope=hq, depth=1)
    seconds["some"] = time.perf_counter() - start
    untrust.update(counted_generation=None)
    start = time.perf_counter()
    with CaptureQueriesContext(connection) as captured:
        readiness_for(policy=policy, scope=hq, depth=1)
    seconds["recount"] = time.perf_counter() - start
    queries["recount"] = len(captured)
    officer = User.objects.get(username="bench-launch")
    start = time.perf_counter()
    with CaptureQueriesContext(connection) as captured:
        record = launch_record(policy=ready, unit=hq, user=officer, note="bench")
    seconds["launch"] = time.perf_counter() - start
    queries["launch"] = len(captured)
    counties = len(record.snapshot["units"])
    launch_withdraw(policy=ready, unit=hq, user=officer, reason="bench: next run")
    return {
        "seconds": seconds,
        "queries": queries,
        "peak_rss_mib": peak_rss_mib(),
        "result": {
            "assigned": readiness.overall.assigned,
            "certified": readiness.overall.certified,
            "blockers": len(readiness.blockers),
            "counties_in_snapshot": counties,
        },
    }


def token() -> dict:
    """An API token of the launch officer (for the load; the database is
    dropped afterwards) and the provinces' codes, under the key gunicorn
    serves with (tokens are hashed with it)."""
    import django

    from bench.quiz_load import SECRET_KEY

    os.environ["DJANGO_SECRET_KEY"] = SECRET_KEY
    django.setup()
    from wagtail.models import APIToken

    from lms.models import OrgUnit, User

    officer = User.objects.get(username="bench-launch")
    _record, secret = APIToken.create_token(user=officer, name="bench load")
    provinces = OrgUnit.objects.filter(level="province").order_by("code")
    return {
        "token": secret,
        "provinces": list(provinces.values_list("code", flat=True)),
    }


if __name__ == "__main__":
    if sys.argv[1] == "prepare":
        out = prepare(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "token":
        out = token()
    else:
        out = measure()
    print(json.dumps(out))  # noqa: T201
