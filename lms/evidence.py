"""A launch record's evidence as a PDF: a pure function from the record's
stored fields to bytes (no query, no settings but the font path given).

A4 portrait, Chinese and English side by side like the certificates (and
with their font and QR drawing, ``certificates.pdf``): the measure's code,
title and version, the scope, who launched it and when, the note, the
thresholds applied, the readiness snapshot — the scope, every position,
then every unit at the threshold level in a table that runs over as many
pages as a province's ~100 counties (or the group's ~3,000) need, its
header repeated — and a QR code to the public page that confirms the record
exists (reference, measure, version, scope, date; nothing about people).
"""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    Flowable,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from certificates.pdf import ACCENT, INK, MUTED, date_text, pdf_font, qr_draw

LEVELS = {
    "hq": "集团 group",
    "province": "省 province",
    "city": "市 city",
    "county": "县区 county",
}


@dataclass(frozen=True)
class EvidenceData:
    """What the evidence shows: copied from a ``Launch`` record."""

    reference: str
    kind: str  # "launch" or "withdrawal"
    policy_code: str
    policy_title: str
    version: int
    unit_code: str
    unit_name: str
    by_name: str
    at: datetime.datetime  # local time
    note: str
    thresholds: dict
    snapshot: dict
    confirm_url: str
    withdraws: str | None = None
    issuer: str = "Rollout Academy"


class _QR(Flowable):
    def __init__(self, url: str, side: float):
        super().__init__()
        self.url, self.side = url, side
        self.width = self.height = side

    def draw(self):
        qr_draw(self.canv, self.url, 0, 0, self.side)


def _percent(row: dict) -> str:
    return "—" if row.get("percent") is None else f"{row['percent']} %"


def _figures(row: dict) -> list[str]:
    return [
        str(row["certified"]),
        str(row["assigned"]),
        _percent(row),
        str(row.get("exempt", 0)),
    ]


def evidence_pdf(data: EvidenceData, *, font_path: str | None = None) -> bytes:
    font = pdf_font(font_path)
    text = ParagraphStyle(
        "text", fontName=font, fontSize=9.5, leading=13, textColor=INK, wordWrap="CJK"
    )
    muted = ParagraphStyle("muted", parent=text, fontSize=8.5, textColor=MUTED)
    title = ParagraphStyle(
        "title", parent=text, fontSize=20, leading=26, textColor=ACCENT
    )
    heading = ParagraphStyle(
        "heading", parent=text, fontSize=12, leading=18, spaceBefore=8, textColor=ACCENT
    )
    withdrawal = data.kind == "withdrawal"
    story: list = [
        Paragraph(
            "撤回上线记录 · Launch withdrawal"
            if withdrawal
            else "上线凭证 · Launch evidence",
            title,
        ),
        Paragraph(escape(f"{data.policy_code} · {data.policy_title}"), heading),
    ]
    day_zh, day_en = date_text(data.at.date())
    thresholds = data.thresholds
    positions = ", ".join(
        f"{code} {value} %"
        for code, value in sorted(thresholds.get("positions", {}).items())
    )
    facts = [
        ("记录编号 Record", data.reference),
        ("版本 Version", f"第 {data.version} 版 · version {data.version}"),
        ("范围 Scope", f"{data.unit_code} {data.unit_name}"),
        (
            "时间 When",
            f"{day_zh} {data.at:%H:%M} · {day_en} {data.at:%H:%M}",
        ),
        ("操作人 By", data.by_name),
        ("撤回原因 Reason" if withdrawal else "备注 Note", data.note or "—"),
    ]
    if data.withdraws:
        facts.append(("撤回的记录 Withdraws", data.withdraws))
    if thresholds:
        facts.append(
            (
                "阈值 Thresholds",
                f"总体 overall {thresholds.get('overall')} % · "
                f"每个{LEVELS.get(thresholds.get('unit_level'), '')} "
                f"{thresholds.get('unit')} %"
                + (f" · 岗位 positions: {positions}" if positions else "")
                + (
                    f" · 免于培训上限 exemption cap {thresholds['exemption_cap']} %"
                    if thresholds.get("exemption_cap") is not None
                    else ""
                )
                + (
                    f" · 不早于 not before {thresholds['not_before']}"
                    if thresholds.get("not_before")
                    else ""
                ),
            )
        )
    story.append(
        Table(
            [
                [Paragraph(label, muted), Paragraph(escape(value), text)]
                for label, value in facts
            ],
            colWidths=[40 * mm, 130 * mm],
            style=TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]),
        )
    )
    story += _snapshot(data.snapshot, text, muted, heading)
    story += [
        Spacer(1, 8 * mm),
        _QR(data.confirm_url, 28 * mm),
        Paragraph(
            escape(f"扫码确认此记录 · Scan to confirm this record: {data.confirm_url}"),
            muted,
        ),
    ]

    buffer = io.BytesIO()

    def footer(canvas, doc):
        canvas.saveState()
        canvas.setFont(font, 8)
        canvas.setFillColor(MUTED)
        canvas.drawString(
            18 * mm,
            10 * mm,
            f"{data.issuer} · {data.policy_code} v{data.version} · {data.reference}",
        )
        canvas.drawRightString(
            A4[0] - 18 * mm, 10 * mm, f"第 {doc.page} 页 · page {doc.page}"
        )
        canvas.restoreState()

    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=18 * mm,
        title=f"{data.reference} · {data.policy_code}",
        author=data.issuer,
        subject=data.policy_title,
        creator=data.issuer,
    )
    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def _table(header: list[str], rows: list[list[str]], font: str, widths) -> Table:
    table = Table([header, *rows], colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font),
                ("FONTSIZE", (0, 0), (-1, -1), 8.5),
                ("TEXTCOLOR", (0, 0), (-1, 0), MUTED),
                ("LINEBELOW", (0, 0), (-1, 0), 0.6, ACCENT),
                ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), ["#ffffff", "#f2f5f8"]),
            ]
        )
    )
    return table


def _snapshot(snapshot: dict, text, muted, heading) -> list:
    if not snapshot:
        return []
    font = text.fontName
    scope = snapshot["scope"]
    figures = ["已认证 certified", "应培训 assigned", "%", "免于培训 exempt"]
    story = [
        Paragraph("上线时的就绪度 · Readiness when launched", heading),
        Paragraph(
            escape(
                f"{scope['code']} {scope['name']}: {scope['certified']} / "
                f"{scope['assigned']} ({_percent(scope)}), "
                f"免于培训 exempt {scope.get('exempt', 0)}"
            ),
            text,
        ),
    ]
    if snapshot.get("positions"):
        story += [
            Spacer(1, 3 * mm),
            _table(
                ["岗位 Position", *figures, "阈值 threshold"],
                [
                    [
                        f"{p['code']} {p['name']}",
                        *_figures(p),
                        "—" if p.get("threshold") is None else f"{p['threshold']} %",
                    ]
                    for p in snapshot["positions"]
                ],
                font,
                [54 * mm, 24 * mm, 24 * mm, 20 * mm, 26 * mm, 24 * mm],
            ),
        ]
    units = snapshot.get("units", [])
    story += [
        Spacer(1, 3 * mm),
        Paragraph(
            f"阈值层级的每个单位 · Every unit at the threshold level: {len(units)}",
            muted,
        ),
        _table(
            ["单位 Unit", *figures],
            [[f"{u['code']} {u['name']}", *_figures(u)] for u in units],
            font,
            [74 * mm, 24 * mm, 24 * mm, 20 * mm, 30 * mm],
        ),
    ]
    return story
