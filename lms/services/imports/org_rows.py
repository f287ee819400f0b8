"""Reading and checking the rows of an organisation file (see ``org.py``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import NamedTuple

from django.utils.translation import gettext as _

from lms.models import OrgUnit
from lms.services.imports.readers import locate_columns, open_table
from lms.services.imports.report import ErrorLog

REQUIRED_COLUMNS = ("code", "name", "parent_code", "level")
PROGRESS_EVERY = 500


class UnitRow(NamedTuple):
    row: int
    code: str
    name: str
    parent_code: str | None
    level: str | None  # None when the level is not valid


class UnitRowReader:
    """Reads the rows of a file into UnitRow tuples, recording the bad values.

    ``rows`` keeps the first row of each code (a later one is an error);
    ``progress(rows_read, None)`` is called every PROGRESS_EVERY rows.
    """

    def __init__(
        self, *, errors: ErrorLog, progress: Callable[[int, int | None], None]
    ) -> None:
        self.errors = errors
        self.progress = progress
        self.rows: dict[str, UnitRow] = {}  # code → first row with that code
        self.rows_read = 0
        self.ranks = OrgUnit.LEVEL_RANK
        field = OrgUnit._meta.get_field
        self.max_code = field("code").max_length
        self.max_name = field("name").max_length

    def read(self, path: Path, encoding: str | None) -> bool:
        """Read and check each row; False when the header is unusable."""
        with open_table(path, encoding=encoding) as table:
            columns, problems = locate_columns(table.header, REQUIRED_COLUMNS, ())
            for column, message in problems:
                self.errors.add(1, column, message)
            if problems:
                return False
            self._read_rows(table.rows, columns)
        self.progress(self.rows_read, None)
        return True

    def _read_rows(
        self, rows: Iterable[tuple[int, list[str]]], columns: dict[str, int]
    ) -> None:
        i_code, i_name, i_parent, i_level = (columns[name] for name in REQUIRED_COLUMNS)
        width = max(columns.values()) + 1
        for row, cells in rows:
            self.rows_read += 1
            if self.rows_read % PROGRESS_EVERY == 0:
                self.progress(self.rows_read, None)
            if len(cells) < width:
                cells = cells + [""] * (width - len(cells))
            code, name = cells[i_code], cells[i_name]
            parent_code, level = cells[i_parent], cells[i_level].lower()
            self._check_values(row, code=code, name=name, parent_code=parent_code)
            self._check_level(row, level, cells[i_level])
            if code:
                self._keep(
                    UnitRow(
                        row,
                        code,
                        name,
                        parent_code or None,
                        level if level in self.ranks else None,
                    )
                )

    def _check_values(self, row: int, *, code: str, name: str, parent_code: str):
        """Code and name are required; no value may be longer than its column."""
        for column, value, limit in (
            ("code", code, self.max_code),
            ("name", name, self.max_name),
            ("parent_code", parent_code, self.max_code),
        ):
            if column != "parent_code" and not value:
                self.errors.add(row, column, _("A value is required."))
            elif len(value) > limit:
                self.errors.add(
                    row,
                    column,
                    _("Too long: %(length)d characters, at most %(limit)d.")
                    % {"length": len(value), "limit": limit},
                )

    def _check_level(self, row: int, level: str, cell: str) -> None:
        if not level:
            self.errors.add(row, "level", _("A value is required."))
        elif level not in self.ranks:
            self.errors.add(
                row,
                "level",
                _("“%(value)s” is not a level: use one of %(levels)s.")
                % {"value": cell, "levels": ", ".join(self.ranks)},
            )

    def _keep(self, unit_row: UnitRow) -> None:
        """Keep the first row of each code; a second one is an error."""
        first = self.rows.get(unit_row.code)
        if first is None:
            self.rows[unit_row.code] = unit_row
            return
        self.errors.add(
            unit_row.row,
            "code",
            _("The unit code %(code)s appears twice: first on row %(first)d.")
            % {"code": unit_row.code, "first": first.row},
        )
