"""The one stylesheet's colours are readable: every text colour it sets on a
background meets WCAG's 4.5:1 (AA), and the focus ring and field borders
3:1 against what surrounds them. Read from static/css/site.css, so a
changed colour is checked here before a browser sees it (axe checks the
rendered pages in make e2e)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

CSS = (
    Path(__file__).resolve().parent.parent / "static" / "css" / "site.css"
).read_text(encoding="utf-8")
VARIABLES = dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{3,6})", CSS))


def colour(value: str) -> str:
    return VARIABLES[value[2:]] if value.startswith("--") else value


def luminance(hex_colour: str) -> float:
    digits = hex_colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    channels = [int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [
        c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels
    ]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(one: str, other: str) -> float:
    high, low = sorted((luminance(colour(one)), luminance(colour(other))), reverse=True)
    return (high + 0.05) / (low + 0.05)


# (text, background, where) for every pairing the stylesheet makes.
TEXT = [
    ("--ink", "--bg", "page text"),
    ("--ink", "--card", "card text"),
    ("--muted", "--bg", "muted text, footer"),
    ("--muted", "--card", "muted text in a card"),
    ("--brand", "--bg", "links"),
    ("--brand", "--card", "links and outline buttons in a card"),
    ("#fff", "--brand", "header, primary buttons, procedure numbers"),
    ("--bad", "--card", "errors, overdue"),
    ("--bad", "#fbeeee", "overdue badge, don't box"),
    ("--ok", "#eef8f1", "certified badge, do box"),
    ("#7a4800", "#fff3dc", "to-renew badge"),
    ("--ink", "#e8eaf0", "badges"),
    ("--ink", "#e8f0fb", "messages"),
    ("--brand", "#eef4fb", "links in a callout"),
    ("--ink", "#fff7e6", "notices"),
]
NON_TEXT = [
    ("--ink", "--card", "focus ring on a card"),
    ("--ink", "--bg", "focus ring on the page"),
    ("#fff", "--brand", "focus ring in the header"),
    ("#767f8f", "--card", "field borders"),
]


def test_the_colours_paired_here_are_the_stylesheets():
    for text, background, _where in TEXT + NON_TEXT:
        for value in (text, background):
            if value.startswith("--"):
                assert value[2:] in VARIABLES, value
            else:
                assert value.lower() in CSS.lower(), f"{value} is no longer in site.css"


@pytest.mark.parametrize(("text", "background", "where"), TEXT)
def test_text_meets_aa_contrast(text, background, where):
    assert contrast(text, background) >= 4.5, where


@pytest.mark.parametrize(("part", "background", "where"), NON_TEXT)
def test_focus_ring_and_borders_meet_three_to_one(part, background, where):
    assert contrast(part, background) >= 3, where
