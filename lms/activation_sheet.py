"""The printed activation sheet: data to PDF bytes (no database).

A4 pages of ten slips (two columns, five rows) with dashed cutting lines;
each slip is bilingual, like the certificates, and names one person, their
one-time code, the address to open (and a QR code of it, the employee number
filled in, never the code) and the last day the code works. The fonts and QR
drawing are the certificates' (``certificates.pdf``).
"""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass
from urllib.parse import urlencode

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from certificates.pdf import ACCENT, INK, MUTED, date_text, pdf_font, qr_draw

COLUMNS, ROWS = 2, 5
MARGIN = 10 * mm
QR_SIDE = 22 * mm


@dataclass(frozen=True)
class Slip:
    employee_no: str
    name: str
    unit: str
    position: str
    code: str  # printed form, ABCDE-FGHJK


@dataclass(frozen=True)
class SheetData:
    unit: str  # e.g. "440106 天河区"
    activate_url: str  # the activation page, absolute
    generated_on: datetime.date
    expires_on: datetime.date
    slips: list[Slip]
    issuer: str = "Rollout Academy"


def _slip(pdf: canvas.Canvas, font: str, data: SheetData, slip: Slip, x, y, w, h):
    pad = 5 * mm
    top = y + h - pad
    pdf.setFillColor(ACCENT)
    pdf.setFont(font, 10)
    pdf.drawString(
        x + pad, top - 3 * mm, f"{data.issuer} · 账号激活 Account activation"
    )
    pdf.setFillColor(INK)
    pdf.setFont(font, 13)
    pdf.drawString(x + pad, top - 10 * mm, f"{slip.name}  {slip.employee_no}")
    pdf.setFont(font, 8)
    pdf.setFillColor(MUTED)
    pdf.drawString(x + pad, top - 15 * mm, f"{slip.unit} · {slip.position}")
    pdf.setFillColor(INK)
    pdf.setFont(font, 8)
    pdf.drawString(x + pad, top - 21 * mm, "激活码 Activation code")
    pdf.setFont("Courier-Bold", 17)
    pdf.drawString(x + pad, top - 28 * mm, slip.code)
    zh_day, iso_day = date_text(data.expires_on)
    text_width = w - 2 * pad
    pdf.setFont(font, 7.5)
    lines = [
        "打开以下网址，输入员工编号和激活码，设置密码。",
        "Open this address, enter your employee number and this code,",
        "then choose your password. The code works once.",
        f"有效期至 {zh_day} · valid until {iso_day}",
    ]
    for number, line in enumerate(lines):
        pdf.drawString(x + pad, top - (36 + 4 * number) * mm, line)
    # The address on a line of its own, as large as fits the slip.
    size = 9
    while size > 6 and pdf.stringWidth(data.activate_url, font, size) > text_width:
        size -= 0.5
    pdf.setFont(font, size)
    pdf.setFillColor(ACCENT)
    pdf.drawString(x + pad, top - 32 * mm, data.activate_url)
    pdf.setFillColor(INK)
    link = f"{data.activate_url}?{urlencode({'employee_no': slip.employee_no})}"
    qr_draw(pdf, link, x + w - pad - QR_SIDE, top - 4 * mm - QR_SIDE, QR_SIDE)


def _cut_lines(pdf: canvas.Canvas, width, height, slip_w, slip_h) -> None:
    pdf.saveState()
    pdf.setStrokeColor(MUTED)
    pdf.setDash(3, 3)
    pdf.setLineWidth(0.4)
    for column in range(1, COLUMNS):
        x = MARGIN + column * slip_w
        pdf.line(x, MARGIN, x, height - MARGIN)
    for row in range(ROWS + 1):
        y = MARGIN + row * slip_h
        pdf.line(MARGIN, y, width - MARGIN, y)
    pdf.restoreState()


def activation_sheet_pdf(data: SheetData, *, font_path: str | None = None) -> bytes:
    font = pdf_font(font_path)
    buffer = io.BytesIO()
    width, height = A4
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=1)
    pdf.setTitle(f"激活码 Activation codes · {data.unit}")
    pdf.setAuthor(data.issuer)
    slip_w = (width - 2 * MARGIN) / COLUMNS
    slip_h = (height - 2 * MARGIN - 6 * mm) / ROWS
    per_page = COLUMNS * ROWS
    pages = max(1, -(-len(data.slips) // per_page))
    for page in range(pages):
        _cut_lines(pdf, width, height - 6 * mm, slip_w, slip_h)
        chunk = data.slips[page * per_page : (page + 1) * per_page]
        for index, slip in enumerate(chunk):
            column, row = index % COLUMNS, index // COLUMNS
            x = MARGIN + column * slip_w
            y = height - 6 * mm - MARGIN - (row + 1) * slip_h
            _slip(pdf, font, data, slip, x, y, slip_w, slip_h)
        pdf.setFont(font, 7.5)
        pdf.setFillColor(MUTED)
        zh_day, iso_day = date_text(data.generated_on)
        pdf.drawString(
            MARGIN,
            height - MARGIN,
            f"{data.unit} · 打印于 {zh_day} printed {iso_day} · "
            "妥善保管：每个激活码只能使用一次 Keep safe: each code works once",
        )
        pdf.drawRightString(width - MARGIN, height - MARGIN, f"{page + 1} / {pages}")
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()
