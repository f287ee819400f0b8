"""A certificate as a PDF: a pure function from data to bytes.

:func:`certificate_pdf` draws one A4 landscape page, in Chinese and English
side by side (staff read Chinese; auditors and partners may not): the
holder's name and units, the measure's code, title and version, the dates,
the serial and a QR code to the public verification page. It touches no
database and no settings but the font path it is given, so it can be
benchmarked and tested on its own.

Chinese needs a font with CJK glyphs. A TrueType/OpenType collection such as
WenQuanYi Micro Hei (Debian's ``fonts-wqy-microhei``, Apache-2.0) is embedded
as a subset of the glyphs used (a few tens of KB); where no such font is
installed the page uses reportlab's built-in CID font ``STSong-Light``, which
PDF readers supply themselves (nothing embedded, so its look depends on the
reader) — ``certificates.checks`` warns about it.

:func:`pdf_font`, :func:`qr_draw` and :func:`date_text` are shared with the
other bilingual documents of the product (the launch evidence, in ``lms``).
"""

from __future__ import annotations

import datetime
import functools
import io
import itertools
from dataclasses import dataclass
from pathlib import Path

from reportlab.graphics.barcode import qrencoder
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

FALLBACK_FONT = "STSong-Light"
INK = HexColor("#1b2a3a")
ACCENT = HexColor("#0b5cad")
MUTED = HexColor("#5b6775")


@dataclass(frozen=True)
class CertificateData:
    """What a certificate PDF shows (all copied at issue)."""

    serial: str
    holder_name: str
    holder_unit: str  # e.g. "广东省 › 广州市 › 天河区"
    policy_code: str
    policy_title: str
    version: int
    issued_on: datetime.date
    expires_on: datetime.date | None
    verify_url: str
    issuer: str = "Rollout Academy"


@functools.cache
def pdf_font(path: str | None) -> str:
    """The registered name of the font at ``path`` (a .ttf, .otf or the first
    face of a .ttc), or of the built-in CID font when there is none."""
    if path and Path(path).is_file():
        name = "CertificateFont"
        pdfmetrics.registerFont(TTFont(name, path, subfontIndex=0))
        return name
    pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_FONT))
    return FALLBACK_FONT


def font_embeds(path: str | None) -> bool:
    """Whether certificates drawn with ``path`` embed their font."""
    return pdf_font(path) != FALLBACK_FONT


def date_text(value: datetime.date | None) -> tuple[str, str]:
    """A date in Chinese and in ISO form (read the same everywhere)."""
    if value is None:
        return "长期有效", "does not expire"
    return f"{value.year}年{value.month}月{value.day}日", value.isoformat()


def _centred(pdf: canvas.Canvas, font: str, size: float, y: float, text: str):
    pdf.setFont(font, size)
    pdf.drawCentredString(landscape(A4)[0] / 2, y, text)


def _fit(pdf: canvas.Canvas, font: str, text: str, size: float, width: float):
    """The largest size up to ``size`` at which ``text`` fits ``width``."""
    while size > 9 and pdf.stringWidth(text, font, size) > width:
        size -= 1
    return size


# Any of the eight mask patterns is a valid QR code; trying all eight to
# score them (what reportlab's widget does, twice) costs 15 times the drawing.
_QR_MASK = 2
_QR_QUIET = 2  # modules of white border (the page around is white too)


def qr_runs(data: str) -> tuple[int, list[tuple[int, int, int]]]:
    """A QR code of ``data`` (error correction M): its size in modules, and
    its dark runs as (row, first column, length), left to right."""
    code = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    code.addData(data)
    code.version = code.calculate_version()
    code.makeImpl(False, _QR_MASK)
    runs = []
    for row, modules in enumerate(code.modules):
        column = 0
        for dark, run in itertools.groupby(modules):
            length = sum(1 for _ in run)
            if dark:
                runs.append((row, column, length))
            column += length
    return code.getModuleCount(), runs


def qr_draw(pdf: canvas.Canvas, url: str, x: float, y: float, side: float) -> None:
    """A QR code of ``url`` filling a ``side`` square, drawn as one path of
    the dark runs of each row."""
    count, runs = qr_runs(url)
    box = side / (count + 2 * _QR_QUIET)
    path = pdf.beginPath()
    for row, column, length in runs:
        path.rect(
            x + (column + _QR_QUIET) * box,
            y + side - (row + _QR_QUIET + 1) * box,
            length * box,
            box,
        )
    pdf.saveState()
    pdf.setFillColor(INK)
    pdf.drawPath(path, stroke=0, fill=1)
    pdf.restoreState()


def certificate_pdf(data: CertificateData, *, font_path: str | None = None) -> bytes:
    """The PDF of one certificate (one A4 landscape page)."""
    font = pdf_font(font_path)
    buffer = io.BytesIO()
    width, height = landscape(A4)
    pdf = canvas.Canvas(buffer, pagesize=(width, height), pageCompression=1)
    pdf.setTitle(f"{data.serial} · {data.policy_code}")
    pdf.setAuthor(data.issuer)
    pdf.setSubject(data.policy_title)
    pdf.setCreator(data.issuer)

    pdf.setStrokeColor(ACCENT)
    pdf.setLineWidth(2)
    pdf.rect(12 * mm, 12 * mm, width - 24 * mm, height - 24 * mm)
    pdf.setLineWidth(0.5)
    pdf.rect(15 * mm, 15 * mm, width - 30 * mm, height - 30 * mm)

    pdf.setFillColor(ACCENT)
    _centred(pdf, font, 30, height - 45 * mm, "培训合格证书")
    pdf.setFillColor(MUTED)
    _centred(pdf, font, 14, height - 54 * mm, "Certificate of training")

    pdf.setFillColor(INK)
    _centred(pdf, font, 12, height - 70 * mm, "兹证明 · This certifies that")
    _centred(pdf, font, 28, height - 84 * mm, data.holder_name)
    pdf.setFillColor(MUTED)
    _centred(pdf, font, 11, height - 92 * mm, data.holder_unit)

    pdf.setFillColor(INK)
    _centred(
        pdf,
        font,
        12,
        height - 106 * mm,
        "已完成以下服务措施的培训并通过考核 · "
        "has completed the training on, and passed the assessment of",
    )
    title = data.policy_title
    _centred(
        pdf, font, _fit(pdf, font, title, 20, width - 60 * mm), height - 119 * mm, title
    )
    pdf.setFillColor(MUTED)
    _centred(
        pdf,
        font,
        12,
        height - 128 * mm,
        f"{data.policy_code} · 第 {data.version} 版 · version {data.version}",
    )

    issued_zh, issued_en = date_text(data.issued_on)
    expires_zh, expires_en = date_text(data.expires_on)
    pdf.setFillColor(INK)
    left = 30 * mm
    rows = [
        ("发证日期 Issued", f"{issued_zh} · {issued_en}"),
        ("有效期至 Valid until", f"{expires_zh} · {expires_en}"),
        ("证书编号 Serial", data.serial),
        ("发证单位 Issued by", data.issuer),
    ]
    y = 52 * mm
    for label, value in rows:
        pdf.setFont(font, 10)
        pdf.setFillColor(MUTED)
        pdf.drawString(left, y, label)
        pdf.setFont(font, 11)
        pdf.setFillColor(INK)
        pdf.drawString(left + 42 * mm, y, value)
        y -= 7 * mm

    side = 34 * mm
    qr_x, qr_y = width - 30 * mm - side, 26 * mm
    qr_draw(pdf, data.verify_url, qr_x, qr_y, side)
    pdf.setFont(font, 8)
    pdf.setFillColor(MUTED)
    pdf.drawCentredString(qr_x + side / 2, qr_y - 4 * mm, "扫码验证 · Scan to verify")

    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
