"""Benchmark of activation (``lms.services.activation``): what "send activation
to a province" and "print a city's sheet" cost after an HR import.

``run(ctx)`` imports the generated tree and ``ctx.staff`` employees (no
passwords, 70 % with an e-mail address) into a fresh copy of a migrated
database, then, each in its own process: e-mails activation links to the
largest province's staff (every turn of ``ACTIVATION_TURN`` run in a row, as the
worker runs them; Django's in-memory e-mail backend, so the figure is the
application's own cost, not an SMTP server's), and prints the sheet of codes
of the largest city's staff without an address (codes issued and the PDF
rendered).
"""

from __future__ import annotations

import datetime
import json
import sys
import time

from bench import Context, Result, peak_rss_mib
from bench.generate import write_org, write_staff

TITLE = "Activation"
DESCRIPTION = (
    "After `org_import` and `staff_import` of the generated tree and staff "
    "(no passwords; 70 % with an e-mail address): a sending to the province "
    "with the most staff, every turn of `activation_batch_send` "
    "(500 e-mails a turn: a new link each, its digest stored, the e-mail "
    "rendered in the employee's language and handed to Django's in-memory "
    "backend); and `activation_sheet_slips` with `activation_sheet_pdf` for "
    "the city with the most staff without an address. Fresh database copy "
    "per run, a new process per measurement."
)


def run(ctx: Context) -> list[Result]:
    data = ctx.workdir / "activation"
    data.mkdir(parents=True, exist_ok=True)
    org, staff = data / "org.csv", data / "staff.csv"
    tree = write_org(org)
    write_staff(staff, tree, staff=ctx.staff)
    results: list[Result] = []
    for database in ctx.databases:
        figures: dict[str, tuple[list[float], list[float], int]] = {}
        for _ in range(ctx.runs):
            url = database.create("rollout_bench_activation")
            try:
                ctx.migrate(url)
                ctx.measure(url, "bench.activation", "import", str(org), str(staff))
                for step in ("send", "sheet"):
                    out = ctx.measure(url, "bench.activation", step)
                    seconds, rss, _rows = figures.get(step, ([], [], 0))
                    seconds.append(out["seconds"])
                    rss.append(out["peak_rss_mib"])
                    figures[step] = (seconds, rss, out["rows"])
            finally:
                database.drop("rollout_bench_activation")
        for step, name in (
            ("send", "activation links e-mailed to the largest province"),
            ("sheet", "activation sheet of the largest city (codes and PDF)"),
        ):
            seconds, rss, rows = figures[step]
            results.append(
                Result(f"{name}: {rows:,}", database.name, rows, seconds, max(rss))
            )
    return results


def measure(step: str, *paths: str) -> dict:
    """One step in this process (the subprocess side of ``run``)."""
    import django

    django.setup()
    from django.conf import settings

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    from lms.activation_sheet import SheetData, Slip, activation_sheet_pdf
    from lms.models import OrgUnit, User
    from lms.services import activation
    from lms.services.imports import org_import, staff_import

    if step == "import":
        org_import(path=paths[0])
        report = staff_import(path=paths[1])
        return {"seconds": 0.0, "peak_rss_mib": peak_rss_mib(), "rows": report.created}
    admin = User.objects.filter(username="bench-admin").first()
    admin = admin or User.objects.create_superuser("bench-admin", password=None)

    start = time.perf_counter()
    if step == "send":
        # A province's staff sit in its counties: counted by path prefix.
        provinces = OrgUnit.objects.filter(level="province")
        province = max(
            provinces,
            key=lambda p: activation.activation_selection(unit=p).count(),
        )
        # The turns run here one after another, as the worker runs them.
        activation._enqueue = lambda batch_id: None
        start = time.perf_counter()
        batch = activation.ActivationBatch.objects.create(
            unit=province, never_signed_in=False, language="zh-hans", created_by=admin
        )
        sent = 0
        while True:
            done = activation.activation_batch_send(batch_id=batch.pk, turn=500)
            sent += done
            if done < 500:
                break
        rows = sent
    else:
        cities = OrgUnit.objects.filter(level="city")
        city = max(
            cities,
            key=lambda c: (
                activation.activation_selection(unit=c).filter(email="").count()
            ),
        )
        start = time.perf_counter()
        slips = activation.activation_sheet_slips(user=admin, unit=city)
        activation_sheet_pdf(
            SheetData(
                unit=city.name,
                activate_url=settings.SITE_URL + "/accounts/activate/",
                generated_on=datetime.date.today(),  # noqa: DTZ011
                expires_on=datetime.date.today(),  # noqa: DTZ011
                slips=[Slip(**vars(s)) for s in slips],
            ),
            font_path=settings.CERTIFICATE_FONT,
        )
        rows = len(slips)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "peak_rss_mib": peak_rss_mib(), "rows": rows}


if __name__ == "__main__":
    print(json.dumps(measure(sys.argv[1], *sys.argv[2:])))  # noqa: T201
