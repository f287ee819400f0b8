"""Cells of the CSV and XLSX files the product writes.

A name typed into HR's spreadsheet can begin with ``=``, ``+``, ``-`` or
``@``: a spreadsheet program opening an export would take it for a formula
(``=cmd|' /C calc'!A0``). :func:`cell` neutralises such a value with a
leading apostrophe, which spreadsheets show as text and do not display; every
export goes through it.
"""

from __future__ import annotations

from typing import Any

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> Any:
    """``value`` safe to put in a spreadsheet cell: numbers, dates and empty
    values as they are, text that a spreadsheet would read as a formula
    prefixed with ``'``."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def row(values: list[Any]) -> list[Any]:
    return [cell(value) for value in values]
