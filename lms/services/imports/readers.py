"""Reading HR spreadsheets (CSV or XLSX) one row at a time.

``open_table(path)`` yields a :class:`Table` whose ``rows`` stream the data
rows as lists of trimmed strings, with their spreadsheet row numbers (the
header is row 1). Nothing holds the whole file in memory: CSV goes through the
csv module over an incremental text stream, XLSX through openpyxl's read-only
mode. Anything that makes the file unreadable raises :class:`TableError`.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import re
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

try:
    from lxml.etree import XMLSyntaxError
except ImportError:  # pragma: no cover - lxml is optional for openpyxl
    XMLSyntaxError = SyntaxError
from xml.etree.ElementTree import ParseError

_XML_ERRORS = (ParseError, XMLSyntaxError)
_READ_ERRORS = (
    KeyError,
    ValueError,
    TypeError,
    IndexError,
    EOFError,
    zlib.error,
    zipfile.BadZipFile,
    *_XML_ERRORS,
)

CSV_EXTENSIONS = (".csv", ".txt")
XLSX_EXTENSIONS = (".xlsx",)
# Chinese-locale Excel saves "CSV" in the ANSI code page, GBK, which GB18030
# extends; anything that is not valid UTF-8 is read as GB18030.
FALLBACK_ENCODING = "gb18030"
_DETECT_CHUNK = 1 << 20


class TableError(Exception):
    """The file cannot be read; ``row`` 0 means the whole file."""

    def __init__(self, row: int, message: str) -> None:
        super().__init__(message)
        self.row = row
        self.message = message


@dataclass
class Table:
    header: list[str]  # lower-cased, trimmed column names, in file order
    rows: Iterator[tuple[int, list[str]]]  # (row number, trimmed cells)
    encoding: str | None  # the text encoding used (CSV only)


def normalise_header(cells: list[str]) -> list[str]:
    return [cell.replace("\ufeff", "").strip().lower() for cell in cells]


@contextmanager
def open_table(path: Path, *, encoding: str | None = None) -> Iterator[Table]:
    """Open ``path`` by its extension; blank rows are skipped (not renumbered)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in CSV_EXTENSIONS:
        with _open_csv(path, encoding) as table:
            yield table
    elif suffix in XLSX_EXTENSIONS:
        with _open_xlsx(path) as table:
            yield table
    else:
        hint = (
            _("Save it from Excel as .xlsx or CSV first.")
            if suffix in (".xls", ".xlsm", ".ods", ".et")
            else ""
        )
        raise TableError(
            0,
            (
                _(
                    "The file type “%(suffix)s” is not supported: use a .csv, .txt "
                    "or .xlsx file."
                )
                % {"suffix": suffix or path.name}
                + (" " + hint if hint else "")
            ),
        )


def locate_columns(
    header: list[str], required: tuple[str, ...], optional: tuple[str, ...]
) -> tuple[dict[str, int], list[tuple[str, str]]]:
    """Index of each known column, and (column, reason) for header problems.

    Columns other than ``required`` and ``optional`` are ignored.
    """
    where: dict[str, int] = {}
    problems: list[tuple[str, str]] = []
    for index, name in enumerate(header):
        if name not in required and name not in optional:
            continue
        if name in where:
            problems.append(
                (name, _("The column “%(column)s” appears twice.") % {"column": name})
            )
        else:
            where[name] = index
    present = ", ".join(name for name in header if name) or _("nothing")
    for name in required:
        if name not in where:
            problems.append(
                (
                    name,
                    _(
                        "The required column “%(column)s” is missing (the header "
                        "row has: %(present)s)."
                    )
                    % {"column": name, "present": present},
                )
            )
    return where, problems


# --- CSV ------------------------------------------------------------------------

# Python calls these text encodings, but no spreadsheet is saved in them.
_NOT_FILE_ENCODINGS = {
    "undefined",
    "idna",
    "punycode",
    "unicode-escape",
    "raw-unicode-escape",
}


def text_encoding(name: str) -> str:
    """``name`` if it is a text encoding a file can be saved in (UTF-8,
    GB18030, UTF-16, Latin-1...), else :class:`TableError`: ``rot13``,
    ``hex``, ``base64`` or ``undefined`` are codecs but not encodings of a
    CSV file."""
    try:
        info = codecs.lookup(name)
    except LookupError as exc:
        raise TableError(
            0, _("Unknown encoding “%(encoding)s”.") % {"encoding": name}
        ) from exc
    if not info._is_text_encoding or info.name in _NOT_FILE_ENCODINGS:
        raise TableError(
            0,
            _(
                "“%(encoding)s” is not a text encoding: use UTF-8, GB18030 or "
                "another encoding a CSV file is saved in."
            )
            % {"encoding": name},
        )
    return name


def detect_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) when the whole file decodes so, else GB18030."""
    with path.open("rb") as stream:
        start = stream.read(4)
        if start.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        stream.seek(0)
        if without_bom := _utf16_without_bom(stream.read(4096)):
            return without_bom
        stream.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while chunk := stream.read(_DETECT_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return FALLBACK_ENCODING
    return "utf-8"


def _utf16_without_bom(start: bytes) -> str | None:
    """UTF-16 saved without a byte-order mark: a header of ASCII column names
    puts a NUL byte beside every character (after it: little-endian)."""
    sample = start[: len(start) - len(start) % 2]
    if len(sample) < 8:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) >= len(odd) * 0.9 and even.count(0) == 0:
        return "utf-16-le"
    if even.count(0) >= len(even) * 0.9 and odd.count(0) == 0:
        return "utf-16-be"
    return None


def _check_readable(path: Path) -> None:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise TableError(
            0, _("The file cannot be opened: %(reason)s") % {"reason": exc.strerror}
        ) from exc
    if size == 0:
        raise TableError(0, _("The file is empty."))
    with path.open("rb") as stream:
        magic = stream.read(4)
    if magic == b"PK\x03\x04":
        raise TableError(
            0,
            _(
                "This is an Excel workbook, not a CSV file: give it the .xlsx "
                "extension or save it as CSV."
            ),
        )
    if magic == b"\xd0\xcf\x11\xe0":
        raise TableError(
            0,
            _(
                "This is an old Excel (.xls) workbook, not a CSV file: save it "
                "from Excel as .xlsx or CSV."
            ),
        )


def _decode_failure(path: Path, encoding: str, detected: bool) -> TableError:
    """The error for the first line that ``encoding`` cannot decode.

    The text stream decodes ahead of the csv reader, so the row being read when
    the error surfaces is not the culprit: find the line again, in bytes.
    """
    row = _first_undecodable_line(path, encoding)
    if detected:
        message = _(
            "Row %(row)d cannot be read as UTF-8 or GB18030: save the file as "
            "“CSV UTF-8” or give its encoding with --encoding."
        )
    else:
        message = _(
            "Row %(row)d cannot be read with the encoding “%(encoding)s”: check "
            "the encoding."
        )
    return TableError(row, message % {"row": row, "encoding": encoding})


def _first_undecodable_line(path: Path, encoding: str) -> int:
    decoder = codecs.getincrementaldecoder(encoding)()
    line = 0
    with path.open("rb") as stream:
        try:
            for line, data in enumerate(stream, start=1):  # noqa: B007
                decoder.decode(data)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return max(line, 1)
    return max(line, 1)


@contextmanager
def _open_csv(path: Path, encoding: str | None) -> Iterator[Table]:
    _check_readable(path)
    detected = not encoding
    if encoding:
        text_encoding(encoding)
    else:
        encoding = detect_encoding(path)
    with path.open("r", encoding=encoding, newline="") as stream:
        try:
            first_line = stream.readline()
            stream.seek(0)
        except UnicodeDecodeError as exc:
            raise _decode_failure(path, encoding, detected) from exc
        delimiter = _delimiter(first_line)
        reader = csv.reader(stream, delimiter=delimiter)
        try:
            header_cells = next(reader, None)
        except UnicodeDecodeError as exc:
            raise _decode_failure(path, encoding, detected) from exc
        except csv.Error as exc:
            raise TableError(
                1, _("The header row is not valid CSV: %(reason)s") % {"reason": exc}
            ) from exc
        if header_cells is None:
            raise TableError(0, _("The file is empty."))
        yield Table(
            header=normalise_header(header_cells),
            rows=_csv_rows(reader, path, encoding, detected),
            encoding=encoding,
        )


def _delimiter(first_line: str) -> str:
    """Comma, unless the header is clearly tab- or semicolon-separated."""
    if "," in first_line:
        return ","
    if "\t" in first_line:
        return "\t"
    if ";" in first_line:
        return ";"
    return ","


def _csv_rows(
    reader: Any, path: Path, encoding: str, detected: bool
) -> Iterator[tuple[int, list[str]]]:
    row = 1
    try:
        for row, cells in enumerate(reader, start=2):
            stripped = [cell.strip() for cell in cells]
            if any(stripped):
                if any("\x00" in cell for cell in stripped):
                    raise TableError(
                        row,
                        _(
                            "The row holds a NUL character: the file is not a "
                            "text (CSV) file."
                        ),
                    )
                yield row, stripped
    except UnicodeDecodeError as exc:
        raise _decode_failure(path, encoding, detected) from exc
    except csv.Error as exc:
        raise TableError(
            row + 1, _("The row is not valid CSV: %(reason)s") % {"reason": exc}
        ) from exc


# --- XLSX -----------------------------------------------------------------------


def cell_text(value: Any) -> str:
    """A spreadsheet value as the text a person sees (1001.0 → "1001")."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return str(value).strip()


# What a workbook may hold before any of it is parsed (``_inspect_xlsx``):
# Excel's own limit for a cell, a generous bound on rows and columns for an
# HR feed, and on the unpacked size of the file and of each of its parts.
MAX_CELL_CHARACTERS = 32_767
MAX_ROWS = 1_000_000
MAX_COLUMNS = 702  # ZZ
MAX_CELLS = 30_000_000  # a million staff with thirty columns
MAX_PART_BYTES = 1 << 30  # a worksheet or the shared strings
MAX_OTHER_PART_BYTES = 32 << 20  # styles, the workbook, relations, themes...
MAX_TOTAL_BYTES = 2 << 30
MAX_ENTRIES = 10_000
# A cell's text in the XML: UTF-8 (up to 4 bytes a character) with entities;
# one cell or one shared string with its markup (rich-text runs included).
_MAX_TEXT_BYTES = MAX_CELL_CHARACTERS * 6
_MAX_ELEMENT_BYTES = 4 << 20
_SCAN_CHUNK = 1 << 20
# Cell and row references worth a second look (as openpyxl reads them: any
# case, "$", either quote): three letters or more, or seven digits or more.
_BIG_REFERENCE = re.compile(
    rb"""\sr\s*=\s*["']\$?(?:([A-Za-z]{3,})\$?\d+|[A-Za-z]{0,3}\$?(\d{7,}))["']"""
)
# The root element of a part: a worksheet, the shared strings, or else.
_ROOT = re.compile(rb"<(?:(\w+):)?(worksheet|sst)[\s>]")
_BIG_PARTS = re.compile(r"xl/(worksheets/[^/]+\.xml|sharedStrings\.xml)", re.IGNORECASE)


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + letter - 64
    return number


def _inspect_xlsx(path: Path) -> None:
    """Refuse a workbook that would cost far more to read than it looks:
    before openpyxl parses anything, stream every XML part of the ZIP
    through cheap checks (unpacked sizes, the longest text and the largest
    cell or shared string, the rows, cells and references of worksheets).
    The worksheet's ``<dimension>`` is never trusted: its rows are read as
    they come, and :func:`_xlsx_rows` checks them again once parsed."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise TableError(
            0, _("The file is not a valid Excel (.xlsx) workbook.")
        ) from exc
    with archive:
        entries = archive.infolist()
        names = {info.filename for info in entries}
        if "xl/workbook.xml" not in names:
            raise TableError(
                0,
                _(
                    "The file is a ZIP archive without an Excel workbook in it: "
                    "save the sheet from Excel as .xlsx."
                ),
            )
        total = sum(info.file_size for info in entries)
        if len(entries) > MAX_ENTRIES or total > MAX_TOTAL_BYTES:
            raise _too_big(path.name, "2 GB")
        for info in entries:
            if info.filename.lower().endswith((".xml", ".rels", ".vml")):
                _PartScan(archive, info).run()


def _too_big(part: str, size: str) -> TableError:
    return TableError(
        0,
        _("The workbook is too large to import (%(part)s unpacks to over %(size)s).")
        % {"part": part, "size": size},
    )


class _PartScan:
    """One part of the workbook, read in chunks: the length of the longest
    text (between two "<"), of the longest cell or shared string (between
    two of their opening tags), and for a worksheet its rows, cells and
    references. A tag cut by the end of a chunk is missed by the counts,
    which a bound can afford."""

    def __init__(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
        self.archive, self.info = archive, info
        big = bool(_BIG_PARTS.fullmatch(info.filename))
        self.limit = MAX_PART_BYTES if big else MAX_OTHER_PART_BYTES
        self.size = "1 GB" if big else "32 MB"
        self.kind = None  # "worksheet", "sst" or "" once the root is seen
        self.element = b""  # the opening of a cell or a shared string
        self.runs = {b"<": 0}  # bytes since the last separator
        self.rows = self.cells = 0

    def run(self) -> None:
        if self.info.file_size > self.limit:
            raise _too_big(self.info.filename, self.size)
        read, tail = 0, b""
        try:
            with self.archive.open(self.info) as stream:
                while chunk := stream.read(_SCAN_CHUNK):
                    read += len(chunk)
                    if read > self.limit:
                        raise _too_big(self.info.filename, self.size)
                    if self.kind is None:
                        self._root(chunk)
                    self._lengths(chunk)
                    if self.kind == "worksheet":
                        self._worksheet(tail + chunk, chunk)
                    tail = chunk[-40:]
        except (zipfile.BadZipFile, EOFError, zlib.error) as exc:
            raise TableError(
                0,
                _("The workbook is damaged: %(part)s cannot be unpacked.")
                % {"part": self.info.filename},
            ) from exc

    def _root(self, chunk: bytes) -> None:
        match = _ROOT.search(chunk)
        if match is None:
            self.kind = ""
            return
        prefix, self.kind = match.group(1), match.group(2).decode()
        opening = b"<" + (prefix + b":" if prefix else b"")
        self.element = opening + (b"c" if self.kind == "worksheet" else b"si")
        self.runs[self.element] = 0

    def _lengths(self, chunk: bytes) -> None:
        for separator, limit in ((b"<", _MAX_TEXT_BYTES), (self.element, None)):
            if not separator:
                continue
            # The first piece continues the previous chunk's last one; the
            # last goes on into the next chunk.
            pieces = chunk.split(separator)
            run = self.runs[separator] + len(pieces[0])
            longest = run
            if len(pieces) > 1:
                longest = max(run, max(map(len, pieces[1:-1]), default=0))
                run = len(pieces[-1])
            self.runs[separator] = run
            if max(run, longest) > (limit or _MAX_ELEMENT_BYTES):
                raise _cell_too_long()

    def _worksheet(self, data: bytes, chunk: bytes) -> None:
        _check_references(data)
        prefix = self.element[1:-1]  # b"" or b"x:"
        self.rows += chunk.count(b"<" + prefix + b"row")
        self.cells += chunk.count(self.element)
        if self.rows > MAX_ROWS + 1:
            raise TableError(
                0,
                _(
                    "The workbook holds more than %(limit)s rows: at most "
                    "%(limit)s rows can be imported from one file."
                )
                % {"limit": f"{MAX_ROWS:,}"},
            )
        if self.cells > MAX_CELLS:
            raise TableError(
                0,
                _("The workbook holds more than %(limit)s cells.")
                % {"limit": f"{MAX_CELLS:,}"},
            )


def _cell_too_long() -> TableError:
    return TableError(
        0,
        _("A cell of the workbook holds more than %(limit)s characters.")
        % {"limit": f"{MAX_CELL_CHARACTERS:,}"},
    )


def _check_references(data: bytes) -> None:
    for match in _BIG_REFERENCE.finditer(data):
        letters, digits = match.groups()
        if letters and (len(letters) > 3 or _column_number(letters) > MAX_COLUMNS):
            raise TableError(
                0,
                _(
                    "The workbook uses column %(column)s: an HR file has at most "
                    "%(limit)s columns."
                )
                % {"column": letters.decode().upper(), "limit": MAX_COLUMNS},
            )
        if digits and int(digits) > MAX_ROWS:
            raise _row_beyond(int(digits))


def _unreadable(exc: BaseException) -> TableError:
    """One line for a workbook openpyxl cannot parse."""
    if isinstance(exc, IndexError):
        message = _(
            "The workbook is damaged: a cell refers to a shared text that does "
            "not exist."
        )
    elif isinstance(exc, _XML_ERRORS):
        message = _("The workbook is damaged: its XML cannot be read (%(reason)s).") % {
            "reason": str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        }
    else:
        message = _("The file is not a valid Excel (.xlsx) workbook.")
    return TableError(0, message)


@contextmanager
def _open_xlsx(path: Path) -> Iterator[Table]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        if path.stat().st_size == 0:
            raise TableError(0, _("The file is empty."))
    except OSError as exc:
        raise TableError(
            0, _("The file cannot be opened: %(reason)s") % {"reason": exc.strerror}
        ) from exc
    _inspect_xlsx(path)
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, *_READ_ERRORS) as exc:
        raise _unreadable(exc) from exc
    except OSError as exc:
        raise TableError(
            0, _("The file cannot be opened: %(reason)s") % {"reason": exc.strerror}
        ) from exc
    try:
        if not workbook.worksheets:
            raise TableError(0, _("The workbook has no worksheet."))
        sheet = workbook.worksheets[0]
        # The <dimension> a file claims is not trusted: rows as they come.
        sheet.reset_dimensions()
        rows = sheet.iter_rows(values_only=True)
        try:
            header_values = next(rows, None)
        except _READ_ERRORS as exc:
            raise _unreadable(exc) from exc
        if header_values is None:
            raise TableError(0, _("The file is empty."))
        yield Table(
            header=normalise_header([cell_text(v) for v in header_values]),
            rows=_xlsx_rows(rows),
            encoding=None,
        )
    finally:
        workbook.close()


def _row_beyond(row: int) -> TableError:
    return TableError(
        0,
        _(
            "The workbook uses row %(row)s: at most %(limit)s rows can be "
            "imported from one file."
        )
        % {"row": f"{row:,}", "limit": f"{MAX_ROWS:,}"},
    )


def _too_wide(row: int) -> TableError:
    return TableError(
        row,
        _("Row %(row)d has more than %(limit)s columns.")
        % {"row": row, "limit": MAX_COLUMNS},
    )


def _xlsx_rows(rows: Iterator[tuple[Any, ...]]) -> Iterator[tuple[int, list[str]]]:
    # Read-only worksheets yield empty tuples for missing rows, so the count
    # stays the spreadsheet's row number.
    row = 1
    try:
        for row, values in enumerate(rows, start=2):
            # The checks before parsing, once more on the rows openpyxl gives.
            if row > MAX_ROWS:
                raise _row_beyond(row)
            if not values:  # a row the file does not have
                continue
            if len(values) > MAX_COLUMNS:
                raise _too_wide(row)
            cells = [cell_text(value) for value in values]
            if any(len(cell) > MAX_CELL_CHARACTERS for cell in cells):
                raise _cell_too_long()
            if any(cells):
                yield row, cells
    except _READ_ERRORS as exc:
        error = _unreadable(exc)
        raise TableError(
            row + 1,
            _("Row %(row)d cannot be read: %(reason)s")
            % {"row": row + 1, "reason": error.message},
        ) from exc
