"""Reading and checking the rows of a staff file (see ``staff.py``)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils.translation import gettext as _

from lms.models import Employee, Position
from lms.services.imports.readers import TableError, locate_columns, open_table
from lms.services.imports.report import ErrorLog

REQUIRED_COLUMNS = ("employee_no", "name", "unit_code", "position")
OPTIONAL_COLUMNS = ("email", "position_name", "active")

# The login's username is the employee number: the same characters as
# django.contrib.auth's UnicodeUsernameValidator.
EMPLOYEE_NO_RE = re.compile(r"^[\w.@+-]+\Z")
POSITION_CODE_RE = re.compile(r"^[-a-zA-Z0-9_]+\Z")
YES = frozenset({"1", "y", "yes", "true", "t", "active", "是", "在职", "有效"})
NO = frozenset({"0", "n", "no", "false", "f", "inactive", "否", "离职", "无效"})


class StaffRow(NamedTuple):
    row: int
    employee_no: str
    name: str
    unit_id: int
    position: str  # the position code
    email: str | None  # None: the file has no email column, keep what is stored
    active: bool


class StaffRowChecker:
    """Turns the rows of a file into StaffRow tuples, recording the bad ones.

    Keeps what the import needs across the file: the employee numbers seen
    (to find duplicates, and for ``--deactivate-missing``) and the new
    position codes, in file order, with their names.
    """

    def __init__(
        self,
        *,
        errors: ErrorLog,
        unit_ids: dict[str, int],
        position_ids: dict[str, int],
    ) -> None:
        self.errors = errors
        self.unit_ids = unit_ids
        self.position_ids = position_ids  # shared: the import adds new ones
        self.columns: dict[str, int] = {}
        self.seen: set[str] = set()
        # employee number → error entries waiting for the row it first was on
        self.duplicates: dict[str, list[list]] = {}
        self.new_positions: dict[str, str] = {}  # code → name, in file order
        self.rows_read = 0
        field = Employee._meta.get_field
        self.max_employee_no = field("employee_no").max_length
        self.max_name = field("name").max_length
        self.max_email = field("email").max_length
        self.max_position = Position._meta.get_field("code").max_length
        self.max_position_name = Position._meta.get_field("name").max_length
        self.validate_email = EmailValidator()

    def locate(self, header: list[str]) -> bool:
        self.columns, problems = locate_columns(
            header, REQUIRED_COLUMNS, OPTIONAL_COLUMNS
        )
        for column, message in problems:
            self.errors.add(1, column, message)
        return not problems

    def rows(
        self, rows: Iterable[tuple[int, list[str]]], *, first_pass: bool
    ) -> Iterator[StaffRow]:
        """Yield the valid rows as StaffRow; record the errors of the others.

        Each cell is checked even when an earlier one is wrong, in column
        order, so that every problem of a row is listed at once.
        """
        columns = self.columns
        i_no = columns["employee_no"]
        i_name = columns["name"]
        i_unit = columns["unit_code"]
        i_position = columns["position"]
        i_email = columns.get("email")
        i_position_name = columns.get("position_name")
        i_active = columns.get("active")
        width = max(columns.values()) + 1
        position_ids = self.position_ids

        for row, cells in rows:
            self.rows_read += 1
            if len(cells) < width:
                cells = cells + [""] * (width - len(cells))
            employee_no = cells[i_no]
            ok = self._employee_no_ok(row, employee_no, first_pass=first_pass)
            name = cells[i_name]
            if not self._name_ok(row, name):
                ok = False
            unit_id = self._unit_id(row, cells[i_unit])
            if unit_id is None:
                ok = False
            position = cells[i_position]
            if position not in position_ids and not self._position_ok(
                row, position, cells, i_position_name
            ):
                ok = False
            email = None
            if i_email is not None:
                email = cells[i_email]
                if email and not self._email_ok(row, email):
                    ok = False
            active = True
            if i_active is not None:
                active = self._active(row, cells[i_active])
                if active is None:
                    ok = False
            if ok:
                yield StaffRow(row, employee_no, name, unit_id, position, email, active)

    def _employee_no_ok(self, row: int, employee_no: str, *, first_pass: bool) -> bool:
        """Validate the number; on the first pass, note it (or that it repeats)."""
        if not employee_no:
            self.errors.add(row, "employee_no", _("A value is required."))
            return False
        if len(employee_no) > self.max_employee_no:
            self.errors.add(
                row, "employee_no", self._too_long(employee_no, "employee_no")
            )
            return False
        if not EMPLOYEE_NO_RE.match(employee_no):
            self.errors.add(
                row,
                "employee_no",
                _(
                    "“%(value)s” is not a valid employee number: use letters, "
                    "digits and @ . + - _ only."
                )
                % {"value": employee_no},
            )
            return False
        if not first_pass:
            return True
        if employee_no in self.seen:
            # The message names the row it first was on: filled in at the end
            # (``name_first_rows``).
            entry = self.errors.add(row, "employee_no", "")
            if entry is not None:
                self.duplicates.setdefault(employee_no, []).append(entry)
            return False
        self.seen.add(employee_no)
        return True

    def _name_ok(self, row: int, name: str) -> bool:
        if not name:
            self.errors.add(row, "name", _("A value is required."))
            return False
        if len(name) > self.max_name:
            self.errors.add(row, "name", self._too_long(name, "name"))
            return False
        return True

    def _unit_id(self, row: int, code: str) -> int | None:
        """The id of the unit ``code`` names; None (and an error) if none."""
        unit_id = self.unit_ids.get(code)
        if unit_id is not None:
            return unit_id
        if not code:
            self.errors.add(row, "unit_code", _("A value is required."))
        else:
            self.errors.add(
                row,
                "unit_code",
                _("Unknown unit code “%(code)s”.") % {"code": code},
            )
        return None

    def _active(self, row: int, cell: str) -> bool | None:
        """The yes/no of the ``active`` column (empty: yes); None if neither."""
        value = cell.lower()
        if value in NO:
            return False
        if not value or value in YES:
            return True
        self.errors.add(
            row,
            "active",
            _("“%(value)s” is not a yes/no value (use 1 or 0).") % {"value": cell},
        )
        return None

    def _position_ok(
        self, row: int, code: str, cells: list[str], i_name: int | None
    ) -> bool:
        """Validate a position code not stored yet; remember it to create it."""
        if not code:
            self.errors.add(row, "position", _("A value is required."))
            return False
        if len(code) > self.max_position:
            self.errors.add(row, "position", self._too_long(code, "position"))
            return False
        if not POSITION_CODE_RE.match(code):
            self.errors.add(
                row,
                "position",
                _(
                    "“%(code)s” is not a valid position code: use letters, digits, "
                    "hyphens and underscores only."
                )
                % {"code": code},
            )
            return False
        name = cells[i_name] if i_name is not None else ""
        if len(name) > self.max_position_name:
            self.errors.add(row, "position_name", self._too_long(name, "position_name"))
            return False
        if code not in self.new_positions:
            self.new_positions[code] = name or code
        return True

    def _email_ok(self, row: int, email: str) -> bool:
        if len(email) > self.max_email:
            self.errors.add(row, "email", self._too_long(email, "email"))
            return False
        try:
            self.validate_email(email)
        except ValidationError:
            self.errors.add(
                row,
                "email",
                _("“%(email)s” is not a valid email address.") % {"email": email},
            )
            return False
        return True

    def _too_long(self, value: str, column: str) -> str:
        limit = {
            "employee_no": self.max_employee_no,
            "name": self.max_name,
            "email": self.max_email,
            "position": self.max_position,
            "position_name": self.max_position_name,
        }[column]
        return _("Too long: %(length)d characters, at most %(limit)d.") % {
            "length": len(value),
            "limit": limit,
        }

    def name_first_rows(self, path: Path, encoding: str | None) -> None:
        """Find, in one more read, the row where each duplicated number first is."""
        first: dict[str, int] = {}
        i_no = self.columns["employee_no"]
        try:
            with open_table(path, encoding=encoding) as table:
                for row, cells in table.rows:
                    number = cells[i_no] if i_no < len(cells) else ""
                    if number in self.duplicates and number not in first:
                        first[number] = row
                        if len(first) == len(self.duplicates):
                            break
        except TableError:
            pass  # already reported; the rows found so far are named
        for number, entries in self.duplicates.items():
            if number in first:
                message = _(
                    "The employee number %(number)s appears twice: first on row "
                    "%(first)d."
                ) % {"number": number, "first": first[number]}
            else:
                message = _(
                    "The employee number %(number)s appears more than once."
                ) % {"number": number}
            for entry in entries:
                entry[2] = message
