"""The staff import: upsert employees, and their logins, from an HR file.

Two streaming passes over the file, so memory stays bounded whatever its size
(only the set of employee numbers seen is kept):

1. *check*: every row is validated; batch by batch, the employee numbers are
   looked up (``employee_no IN (...)``) so that a new employee's login name is
   known to be free, and for a dry run the rows are compared with the stored
   employees to count the changes. Nothing is written.
2. *apply* (only when the check found no error, and not for a dry run): the
   file is read again inside one transaction; each batch creates the missing
   users then employees (``bulk_create``) and updates the changed ones (one
   ``executemany`` UPDATE per table, see ``staff_write.rows_update``). With
   ``--deactivate-missing`` the active employees are then walked in primary-key
   order, a chunk at a time, and those the file did not name are deactivated.
   When anyone was created, transferred, given another position, deactivated
   or reactivated, the assignments of every live policy are synced by a task
   enqueued after the commit (``lms.services.assignments``).

This module runs the passes. Reading and checking the rows lives in
``staff_rows.py``, comparing them with the stored employees in
``staff_compare.py``, and the writes in ``staff_write.py``.
"""

from __future__ import annotations

from collections.abc import Container, Iterator
from pathlib import Path

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lms.models import Employee, OrgUnit, Position, User
from lms.services.assignments import assignments_sync_staff_enqueue
from lms.services.imports.readers import TableError, open_table
from lms.services.imports.report import (
    ErrorLog,
    ImportReport,
    ProgressCallback,
    RowError,
)
from lms.services.imports.staff_compare import (
    StaffComparison,
    logins_taken,
    stored_employees,
    stored_numbers,
)
from lms.services.imports.staff_rows import StaffRow, StaffRowChecker
from lms.services.imports.staff_write import (
    EMPLOYEE_UPDATE_FIELDS,
    USER_UPDATE_FIELDS,
    employees_create,
    employees_missing_deactivate,
    positions_create,
    rows_update,
    staff_tables_analyze,
)
from lms.services.locks import readiness_lock_all

BATCH_SIZE = 2000  # rows per write round trip (well under SQLite's limits)
# After this many changed employees, refresh PostgreSQL's statistics at once
# rather than wait for autovacuum, so the next queries get good plans.
ANALYZE_AFTER = 10_000


class _FileChanged(Exception):
    """The second pass did not read what the first one checked."""


def staff_import(
    *,
    path: Path,
    encoding: str | None = None,
    deactivate_missing: bool = False,
    dry_run: bool = False,
    progress: ProgressCallback | None = None,
) -> ImportReport:
    """Import staff from ``path`` (CSV or XLSX); all or nothing.

    Columns ``employee_no, name, unit_code, position`` are required; ``email``,
    ``position_name`` (the name of a position the file creates) and ``active``
    (yes/no) are optional, other columns are ignored. ``progress`` is called
    after every batch: with ``(rows_checked, None)`` while the file is checked,
    then ``(rows_applied, rows_total)`` while it is applied.
    """
    return _StaffImport(
        path=Path(path),
        encoding=encoding,
        deactivate_missing=deactivate_missing,
        dry_run=dry_run,
        progress=progress,
    ).run()


class _PositionNames(dict):
    """code → name of the stored positions, then of the file's new ones."""

    def __init__(self, new_positions: dict[str, str]) -> None:
        super().__init__(Position.objects.values_list("code", "name"))
        self.new_positions = new_positions

    def get(self, code, default=None):
        return super().get(code) or self.new_positions.get(code, default)


class _StaffImport:
    def __init__(
        self,
        *,
        path: Path,
        encoding: str | None,
        deactivate_missing: bool,
        dry_run: bool,
        progress: ProgressCallback | None,
    ) -> None:
        self.path = path
        self.encoding = encoding or None
        self.deactivate_missing = deactivate_missing
        self.dry_run = dry_run
        self.progress = progress
        self.report = ImportReport(kind="staff", dry_run=dry_run)
        self.errors = ErrorLog()
        self.unit_ids: dict[str, int] = {}
        self.unit_names: dict[int, str] = {}
        for unit_id, code, name in OrgUnit.objects.values_list("id", "code", "name"):
            self.unit_ids[code] = unit_id
            self.unit_names[unit_id] = name
        self.position_ids: dict[str, int] = dict(
            Position.objects.values_list("code", "id")
        )
        self.position_codes = {pk: code for code, pk in self.position_ids.items()}
        self.checker = StaffRowChecker(
            errors=self.errors, unit_ids=self.unit_ids, position_ids=self.position_ids
        )
        self.comparison = StaffComparison(
            report=self.report,
            unit_names=self.unit_names,
            position_ids=self.position_ids,
            position_codes=self.position_codes,
            position_names=_PositionNames(self.checker.new_positions),
        )

    # --- the two passes -------------------------------------------------------

    def run(self) -> ImportReport:
        report = self.report
        try:
            self._check()
        except TableError as exc:
            self.errors.add(exc.row, "", exc.message)
        checker = self.checker
        report.rows = checker.rows_read
        if checker.duplicates:
            checker.name_first_rows(self.path, self.encoding)
        if not self.errors and report.rows == 0:
            self.errors.add(0, "", _("The file has no data rows."))
        if self.deactivate_missing and self.dry_run and not self.errors:
            self._deactivate_missing(apply=False)
        if self.errors:
            report.reset_changes()
            self.errors.into(report)
            return report
        report.new_positions = list(checker.new_positions)
        if self.dry_run:
            return report
        try:
            self._apply()
        except (_FileChanged, TableError):
            report.reset_changes()
            report.errors = []
            report.errors.append(
                _file_error(_("The file changed while it was being imported."))
            )
        except IntegrityError:
            report.reset_changes()
            report.errors = [
                _file_error(
                    _(
                        "The staff records changed while the file was being "
                        "imported; import it again."
                    )
                )
            ]
        return report

    def _check(self) -> None:
        with open_table(self.path, encoding=self.encoding) as table:
            if not self.checker.locate(table.header):
                return
            for batch in _batched(self.checker.rows(table.rows, first_pass=True)):
                if self.dry_run:
                    self._compare(batch, apply=False)
                else:  # the apply pass counts the changes
                    self._check_logins_free(batch, stored_numbers(batch))
                self._progress(self.checker.rows_read, None)

    def _apply(self) -> None:
        checker = self.checker
        total = self.report.rows
        self.report.reset_changes()
        self.report.new_positions = list(checker.new_positions)
        with transaction.atomic():
            # Transfers and deactivations move readiness: launches wait.
            readiness_lock_all()
            if checker.new_positions:
                for position in positions_create(checker.new_positions.items()):
                    self.position_ids[position.code] = position.pk
                    self.position_codes[position.pk] = position.code
            checker.rows_read = 0
            with open_table(self.path, encoding=self.encoding) as table:
                if not checker.locate(table.header):
                    raise _FileChanged
                for batch in _batched(checker.rows(table.rows, first_pass=False)):
                    if self.errors:
                        raise _FileChanged
                    self._compare(batch, apply=True)
                    self._progress(checker.rows_read, total)
            if self.errors or checker.rows_read != total:
                raise _FileChanged
            if self.deactivate_missing:
                self._deactivate_missing(apply=True)
            if self._audiences_may_change():
                assignments_sync_staff_enqueue()
        changed = self.report.created + self.report.updated + self.report.deactivated
        if changed >= ANALYZE_AFTER and connection.vendor == "postgresql":
            staff_tables_analyze()

    def _audiences_may_change(self) -> bool:
        """Whether the import changed anything a policy's audience depends on
        (not only names or emails)."""
        report = self.report
        return bool(
            report.created
            or report.transferred
            or report.position_changed
            or report.deactivated
            or report.reactivated
        )

    def _progress(self, done: int, total: int | None) -> None:
        if self.progress is not None:
            self.progress(done, total)

    # --- comparing with the stored employees and writing ------------------------

    def _compare(self, batch: list[StaffRow], *, apply: bool) -> None:
        """Count what ``batch`` changes; when applying, write it."""
        existing = stored_employees(batch)
        if not apply:
            self._check_logins_free(batch, existing)
        updated_at = Employee._meta.get_field("updated_at").get_db_prep_value(
            timezone.now(), connection
        )
        planned = self.comparison.compare(
            batch, existing, writes=apply, updated_at=updated_at
        )
        if apply:
            employees_create(planned.new_rows, position_ids=self.position_ids)
            rows_update(Employee, EMPLOYEE_UPDATE_FIELDS, planned.employee_updates)
            rows_update(User, USER_UPDATE_FIELDS, planned.user_updates)

    def _check_logins_free(self, batch: list[StaffRow], existing: Container[str]):
        """A new employee's login is named after its number: it must be free."""
        new_rows = [r for r in batch if r.employee_no not in existing]
        taken = logins_taken(new_rows)
        for r in new_rows:
            if r.employee_no in taken:
                self.errors.add(
                    r.row,
                    "employee_no",
                    _(
                        "A login named “%(number)s” already exists and is not this "
                        "employee's: rename that login first."
                    )
                    % {"number": r.employee_no},
                )

    def _deactivate_missing(self, *, apply: bool) -> None:
        employees_missing_deactivate(
            report=self.report, seen=self.checker.seen, apply=apply
        )


def _batched(rows: Iterator[StaffRow]) -> Iterator[list[StaffRow]]:
    batch: list[StaffRow] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH_SIZE:
            yield batch
            batch = []
    if batch:
        yield batch


def _file_error(message: str) -> RowError:
    return RowError(0, "", message)
