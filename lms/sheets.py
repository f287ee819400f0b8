"""Cells of the CSV and XLSX files the product writes.

A name typed into HR's spreadsheet can begin with ``=``, ``+``, ``-`` or
``@``: a spreadsheet program opening an export would take it for a formula
(``=cmd|' /C calc'!A0``). :func:`cell` neutralises such a value with a
leading apostrophe, which spreadsheets show as text and do not display; every
export of ours goes through it, and :func:`csv_neutralised` applies it to
every CSV response of the site, Wagtail's own reports included
(``config.security.SpreadsheetSafeCsvMiddleware``). A plain number ("-3") is
not a formula and is left as it is.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterable, Iterator
from typing import Any

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


def cell(value: Any) -> Any:
    """``value`` safe to put in a spreadsheet cell: numbers, dates and empty
    values as they are, text that a spreadsheet would read as a formula
    prefixed with ``'``."""
    if (
        isinstance(value, str)
        and value.startswith(_FORMULA_STARTS)
        and not _NUMBER.fullmatch(value)
    ):
        return "'" + value
    return value


def row(values: list[Any]) -> list[Any]:
    return [cell(value) for value in values]


class _Line:
    """A file-like ``csv.writer`` target that hands back what it is given."""

    def write(self, text: str) -> str:
        return text


def _lines(chunks: Iterable[bytes], decoder) -> Iterator[str]:
    pending = ""
    for chunk in chunks:
        pending += decoder.decode(chunk)
        *complete, pending = pending.split("\n")
        for line in complete:
            yield line + "\n"
    pending += decoder.decode(b"", final=True)
    if pending:
        yield pending


def csv_neutralised(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """The UTF-8 CSV ``chunks`` again, with every cell through :func:`cell`,
    starting with a byte-order mark (Excel opens a CSV without one in the
    ANSI code page, and Chinese names come out garbled). Streams row by row;
    a cell that spans lines (quoted newlines) is read whole."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    writer = csv.writer(_Line())
    first = True
    for values in csv.reader(_lines(chunks, decoder)):
        if first:
            first = False
            if values and values[0].startswith("\ufeff"):
                values[0] = values[0][1:]
            yield codecs.BOM_UTF8
        yield writer.writerow(row(values)).encode("utf-8")
