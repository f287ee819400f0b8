"""Benchmark of certificates: one PDF (ours, a bare reportlab script drawing
the same page the obvious way, and ours signed), and the bulk export of
10,000 certificates, unrendered then rendered.

Each measurement runs in a subprocess (``python -m bench.certificates STEP
...``) printing one JSON line. The PDF figures are CPU time (``process_time``)
per certificate over 200 renders in one process, after a warm-up render (the
font is parsed once per process).
"""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
import time

from bench import Context, Result, peak_rss_mib

TITLE = "Certificates"
DESCRIPTION = (
    "*pdf*: CPU per certificate PDF (`certificates.pdf.certificate_pdf`, QR code "
    "and embedded CJK font included, unsigned), beside a bare reportlab script "
    "drawing the same text and QR code the obvious way (`QrCodeWidget`), and "
    "the same PDF signed (PAdES, pyHanko, EC P-256): 200 renders in one "
    "process after a warm-up. *export*: `certificate_export_build` of "
    "10,000 certificates of one province (a ZIP of the PDFs and the CSV and "
    "XLSX register), first unrendered (the PDFs rendered first, spread over "
    "two workers: the export's process and a qcluster of one), then again once "
    "rendered; PDFs unsigned; one run per database; peak RSS of the building process."
)
RENDERS = 200
EXPORT_CERTIFICATES = 10_000


def run(ctx: Context) -> list[Result]:
    results: list[Result] = []
    sqlite = ctx.databases[0]
    url = sqlite.create("rollout_bench_certificates")
    ctx.migrate(url)
    renders = 40 if ctx.quick else RENDERS
    pdf = ctx.measure(url, "bench.certificates", "pdf", str(renders))
    for name in ("ours", "bare", "signed"):
        results.append(
            Result(
                f"pdf {name}",
                "—",
                renders,
                [pdf[name] * renders / 1000],
                pdf["peak_rss_mib"],
                note=f"{pdf[name]:.1f} ms CPU per PDF",
            )
        )
    count = 1_000 if ctx.quick else EXPORT_CERTIFICATES
    for database in ctx.databases:
        url = database.create("rollout_bench_certificates")
        ctx.migrate(url)
        figures = ctx.measure(url, "bench.certificates", "export", str(count))
        for phase in ("unrendered", "rendered"):
            results.append(
                Result(
                    f"export {phase}",
                    database.name,
                    count,
                    [figures[phase]],
                    figures["peak_rss_mib"],
                )
            )
        database.drop("rollout_bench_certificates")
    return results


def table(results: list[Result]) -> list[str]:
    lines = [
        "| benchmark | database | certificates | seconds | per certificate "
        "| peak RSS (MiB) |",
        "|---|---|--:|--:|--:|--:|",
    ]
    for r in results:
        per = r.note or f"{r.median / r.rows * 1000:.1f} ms"
        lines.append(
            f"| {r.benchmark} | {r.database} | {r.rows:,} | {r.median:.1f} "
            f"| {per} | {r.peak_rss_mib:.0f} |"
        )
    by_name = {r.benchmark: r for r in results}
    ours, bare = by_name.get("pdf ours"), by_name.get("pdf bare")
    if ours and bare:
        ratio = ours.median / bare.median
        met = ours.median / ours.rows < 0.020 and ratio <= 1.5
        lines += [
            "",
            f"- One PDF: {ours.note} (< 20 ms), {ratio:.2f}x the bare script "
            f"(≤ 1.5x): **{'met' if met else 'missed'}**; "
            f"signing: {by_name['pdf signed'].note}.",
        ]
    for r in results:
        if r.benchmark.startswith("export"):
            limit = 60 if r.benchmark == "export rendered" else 180
            verdict = "met" if r.median < limit else "missed"
            lines.append(
                f"- {r.benchmark} on {r.database}: {r.median:.0f} s for "
                f"{r.rows:,} (< {limit} s): **{verdict}**."
            )
    return lines


# --- The measurements (in a subprocess) ----------------------------------------------


def sample_data():
    from certificates.pdf import CertificateData

    return CertificateData(
        serial="RA-0123-4567-89AB-CDEF-X",
        holder_name="王小明",
        holder_unit="广东省 › 广州市 › 天河区",
        policy_code="SVC-2026-01",
        policy_title="首问负责制：谁首先受理，谁负责到底",
        version=2,
        issued_on=datetime.date(2026, 12, 2),
        expires_on=datetime.date(2028, 12, 2),
        verify_url="https://academy.example.cn/certificates/verify/"
        "RA-0123-4567-89AB-CDEF-X/",
    )


def _bare_pdf(data, font_path: str) -> bytes:
    """The same page with plain reportlab calls, the QR code by its widget."""
    import io

    from reportlab.graphics import renderPDF
    from reportlab.graphics.barcode.qr import QrCodeWidget
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    if "Bare" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("Bare", font_path, subfontIndex=0))
    buffer = io.BytesIO()
    width, height = landscape(A4)
    pdf = canvas.Canvas(buffer, pagesize=(width, height))
    pdf.rect(12 * mm, 12 * mm, width - 24 * mm, height - 24 * mm)
    lines = [
        (30, "培训合格证书"),
        (14, "Certificate of training"),
        (12, "兹证明 · This certifies that"),
        (28, data.holder_name),
        (11, data.holder_unit),
        (12, "已完成以下服务措施的培训并通过考核 · has completed the training"),
        (20, data.policy_title),
        (12, f"{data.policy_code} · 第 {data.version} 版 · version {data.version}"),
    ]
    y = height - 45 * mm
    for size, text in lines:
        pdf.setFont("Bare", size)
        pdf.drawCentredString(width / 2, y, text)
        y -= 11 * mm
    for i, text in enumerate(
        [data.issued_on.isoformat(), str(data.expires_on), data.serial, data.issuer]
    ):
        pdf.setFont("Bare", 11)
        pdf.drawString(30 * mm, 52 * mm - i * 7 * mm, text)
    widget = QrCodeWidget(data.verify_url, barLevel="M")
    left, bottom, right, top = widget.getBounds()
    side = 34 * mm
    drawing = Drawing(
        side, side, transform=[side / (right - left), 0, 0, side / (top - bottom), 0, 0]
    )
    drawing.add(widget)
    renderPDF.draw(drawing, pdf, width - 64 * mm, 26 * mm)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _cpu_ms(render, count: int) -> float:
    render()
    start = time.process_time()
    for _ in range(count):
        render()
    return (time.process_time() - start) / count * 1000


def _pdf(count: int) -> dict:
    import tempfile
    from pathlib import Path

    import django

    django.setup()
    from django.conf import settings

    from certificates.pdf import certificate_pdf
    from certificates.signing import pdf_sign, signing_pair_create

    data, font = sample_data(), settings.CERTIFICATE_FONT
    figures = {
        "ours": _cpu_ms(lambda: certificate_pdf(data, font_path=font), count),
        "bare": _cpu_ms(lambda: _bare_pdf(data, font), count),
    }
    with tempfile.TemporaryDirectory() as workdir:
        key, cert = Path(workdir) / "k.pem", Path(workdir) / "c.pem"
        signing_pair_create(key_path=key, cert_path=cert, issuer="Bench")
        settings.CERTIFICATE_SIGNING_KEY, settings.CERTIFICATE_SIGNING_CERT = (
            str(key),
            str(cert),
        )
        figures["signed"] = _cpu_ms(
            lambda: pdf_sign(certificate_pdf(data, font_path=font), reason="bench"),
            count,
        )
    figures["peak_rss_mib"] = peak_rss_mib()
    return figures


def _export(count: int) -> dict:
    import django

    django.setup()
    from django.contrib.auth.models import Group
    from django.db import transaction
    from django.utils import timezone

    from bench.courses import bench_course
    from bench.staff import bench_staff, bench_units
    from certificates.models import Certificate
    from certificates.services import certificate_new
    from lms.models import (
        CertificateExport,
        Position,
        QuizAttempt,
        User,
    )
    from lms.services.certificate_exports import certificate_export_build

    province, counties = bench_units(counties=10)
    position = Position.objects.create(code="counter", name="营业厅柜面")
    policy = bench_course(code="BENCH-CERT", questions=10, draw=10)
    revision = policy.quiz().live_revision_id
    now = timezone.now()
    with transaction.atomic():
        _users, employees = bench_staff(
            count=count, prefix="C", counties=counties, position=position
        )
        attempts = QuizAttempt.objects.bulk_create(
            QuizAttempt(
                employee=e,
                policy=policy,
                version=1,
                number=1,
                quiz_revision_id=revision,
                draw=[],
                started_at=now,
                submitted_at=now,
                score=100,
                passed=True,
            )
            for e in employees
        )
        Certificate.objects.bulk_create(
            certificate_new(
                employee=e, policy=policy, attempt=a, score=a.score, issued_at=now
            )
            for e, a in zip(employees, attempts, strict=True)
        )
    admin = User.objects.create(username="bench-admin", is_superuser=True)
    admin.groups.add(*Group.objects.filter(name="Administrators"))
    figures = {}
    # A second worker (a qcluster of one) takes the rendering chunks the export
    # enqueues: "two workers", the export's own process being the first.
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        env={**os.environ, "Q_WORKERS": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(3)  # the cluster starts
        for phase in ("unrendered", "rendered"):
            export = CertificateExport.objects.create(unit=province, requested_by=admin)
            start = time.perf_counter()
            built = certificate_export_build(export_id=export.pk)
            figures[phase] = time.perf_counter() - start
            assert built.count == count, built.count
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    figures["peak_rss_mib"] = peak_rss_mib()
    return figures


if __name__ == "__main__":
    step, count = sys.argv[1], int(sys.argv[2])
    print(json.dumps(_pdf(count) if step == "pdf" else _export(count)))  # noqa: T201
