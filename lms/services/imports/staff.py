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
   ``executemany`` UPDATE per table, see ``_update_rows``). With
   ``--deactivate-missing`` the active employees are then walked in primary-key
   order, a chunk at a time, and those the file did not name are deactivated.
   When anyone was created, transferred, given another position, deactivated
   or reactivated, the assignments of every live policy are synced by a task
   enqueued after the commit (``lms.services.assignments``).

Reading and checking the rows lives in ``staff_rows.py``.
"""

from __future__ import annotations

import secrets
from collections.abc import Container, Iterator
from pathlib import Path

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import IntegrityError, connection, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from lms.models import Employee, OrgUnit, Position, User
from lms.services.assignments import assignments_sync_staff_enqueue
from lms.services.imports.readers import TableError, open_table
from lms.services.imports.report import (
    MAX_SAMPLES,
    ErrorLog,
    ImportReport,
    ProgressCallback,
    RowError,
)
from lms.services.imports.staff_rows import StaffRow, StaffRowChecker

BATCH_SIZE = 2000  # rows per write round trip (well under SQLite's limits)
# Rows per ``IN (...)`` lookup. With longer lists PostgreSQL's planner turns to
# a sequential scan of the whole table, above all while a first import fills a
# table it has no statistics for yet: ten times slower at 200,000 rows.
LOOKUP_CHUNK = 250
# After this many changed employees, refresh PostgreSQL's statistics at once
# rather than wait for autovacuum, so the next queries get good plans.
ANALYZE_AFTER = 10_000
DEACTIVATE_CHUNK = 5000

_EXISTING_FIELDS = (
    "id",
    "employee_no",
    "name",
    "email",
    "unit_id",
    "position_id",
    "is_active",
    "user_id",
    "user__first_name",
    "user__email",
    "user__is_active",
)
_EMPLOYEE_UPDATE_FIELDS = (
    "name",
    "email",
    "unit",
    "position",
    "is_active",
    "updated_at",
)
_USER_UPDATE_FIELDS = ("first_name", "email", "is_active")


class _FileChanged(Exception):
    """The second pass did not read what the first one checked."""


def unusable_password() -> str:
    """What ``make_password(None)`` returns, at a fraction of the cost.

    ``make_password(None)`` draws its 40 random characters one by one, which
    costs about 30 µs: 15 s for 500,000 new logins.
    """
    return UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30)


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
        field = Employee._meta.get_field
        self.labels = {
            "name": str(field("name").verbose_name),
            "email": str(field("email").verbose_name),
            "unit": str(field("unit").verbose_name),
            "position": str(field("position").verbose_name),
            "is_active": str(field("is_active").verbose_name),
            "login": str(field("user").verbose_name),
        }

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
                    self._check_logins_free(batch, self._existing_numbers(batch))
                self._progress(self.checker.rows_read, None)

    def _apply(self) -> None:
        checker = self.checker
        total = self.report.rows
        self.report.reset_changes()
        self.report.new_positions = list(checker.new_positions)
        with transaction.atomic():
            if checker.new_positions:
                created = Position.objects.bulk_create(
                    [
                        Position(code=code, name=name)
                        for code, name in checker.new_positions.items()
                    ]
                )
                for position in created:
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
            tables = [Employee._meta.db_table, User._meta.db_table]
            with connection.cursor() as cursor:
                cursor.execute(
                    "ANALYZE " + ", ".join(map(connection.ops.quote_name, tables))
                )

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
        report = self.report
        sample = report.sample
        labels = self.labels
        unit_names = self.unit_names
        existing = {
            record[1]: record
            for numbers in _chunks([r.employee_no for r in batch], LOOKUP_CHUNK)
            for record in Employee.objects.filter(employee_no__in=numbers)
            .order_by()
            .values_list(*_EXISTING_FIELDS)
        }
        new_rows = [r for r in batch if r.employee_no not in existing]
        if not apply:
            self._check_logins_free(batch, existing)

        now = timezone.now()
        updated_at = Employee._meta.get_field("updated_at").get_db_prep_value(
            now, connection
        )
        employee_updates: list[tuple] = []
        user_updates: list[tuple] = []
        for r in batch:
            record = existing.get(r.employee_no)
            if record is None:
                report.created += 1
                if len(report.samples.get("created", ())) < MAX_SAMPLES:
                    sample(
                        "created",
                        f"{r.employee_no} {r.name}: {unit_names[r.unit_id]}, "
                        f"{r.position}",
                    )
                continue
            (
                employee_id,
                number,
                name,
                email,
                unit_id,
                position_id,
                is_active,
                user_id,
                user_name,
                user_email,
                user_active,
            ) = record
            new_email = email if r.email is None else r.email
            who = f"{number} {r.name}"
            changed = []
            if name != r.name:
                changed.append(labels["name"])
            if email != new_email:
                changed.append(labels["email"])
            if unit_id != r.unit_id:
                changed.append(labels["unit"])
                report.transferred += 1
                sample(
                    "transferred",
                    f"{who}: {unit_names[unit_id]} → {unit_names[r.unit_id]}",
                )
            old_position = self.position_codes[position_id]
            if old_position != r.position:
                changed.append(labels["position"])
                report.position_changed += 1
                sample("position_changed", f"{who}: {old_position} → {r.position}")
            if is_active != r.active:
                changed.append(labels["is_active"])
                if r.active:
                    report.reactivated += 1
                    sample("reactivated", who)
                else:
                    report.deactivated += 1
                    sample("deactivated", who)
            user_changed = (
                user_name != r.name
                or user_email != new_email
                or user_active != r.active
            )
            if not changed and not user_changed:
                report.unchanged += 1
                continue
            report.updated += 1
            sample("updated", f"{who}: {', '.join(changed or [labels['login']])}")
            if not apply:
                continue
            if changed:
                employee_updates.append(
                    (
                        r.name,
                        new_email,
                        r.unit_id,
                        self.position_ids[r.position],
                        r.active,
                        updated_at,
                        employee_id,
                    )
                )
            if user_changed:
                user_updates.append((r.name, new_email, r.active, user_id))
        if apply:
            self._create(new_rows)
            _update_rows(Employee, _EMPLOYEE_UPDATE_FIELDS, employee_updates)
            _update_rows(User, _USER_UPDATE_FIELDS, user_updates)

    def _existing_numbers(self, batch: list[StaffRow]) -> set[str]:
        return {
            number
            for numbers in _chunks([r.employee_no for r in batch], LOOKUP_CHUNK)
            for number in Employee.objects.filter(employee_no__in=numbers)
            .order_by()
            .values_list("employee_no", flat=True)
        }

    def _check_logins_free(self, batch: list[StaffRow], existing: Container[str]):
        """A new employee's login is named after its number: it must be free."""
        new_rows = [r for r in batch if r.employee_no not in existing]
        taken = {
            username
            for numbers in _chunks([r.employee_no for r in new_rows], LOOKUP_CHUNK)
            for username in User.objects.filter(username__in=numbers)
            .order_by()
            .values_list("username", flat=True)
        }
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

    def _create(self, rows: list[StaffRow]) -> None:
        if not rows:
            return
        users = User.objects.bulk_create(
            [
                User(
                    username=r.employee_no,
                    first_name=r.name,
                    email=r.email or "",
                    is_active=r.active,
                    password=unusable_password(),
                )
                for r in rows
            ]
        )
        position_ids = self.position_ids
        Employee.objects.bulk_create(
            [
                Employee(
                    user_id=user.pk,
                    employee_no=r.employee_no,
                    name=r.name,
                    email=r.email or "",
                    unit_id=r.unit_id,
                    position_id=position_ids[r.position],
                    is_active=r.active,
                )
                for user, r in zip(users, rows, strict=True)
            ]
        )

    def _deactivate_missing(self, *, apply: bool) -> None:
        """Deactivate the active employees the file does not name.

        Walks the active employees by primary key, one chunk per query (a
        keyset scan: no cursor stays open while the same table is updated).
        """
        report = self.report
        seen = self.checker.seen
        now = timezone.now()
        last_id = 0
        while True:
            chunk = list(
                Employee.objects.filter(is_active=True, id__gt=last_id)
                .order_by("id")
                .values_list("id", "employee_no", "name", "user_id")[:DEACTIVATE_CHUNK]
            )
            if not chunk:
                return
            last_id = chunk[-1][0]
            missing = [record for record in chunk if record[1] not in seen]
            if not missing:
                continue
            report.deactivated += len(missing)
            for _id, number, name, _user in missing[:MAX_SAMPLES]:
                report.sample("deactivated", f"{number} {name}")
            if apply:
                Employee.objects.filter(id__in=[m[0] for m in missing]).update(
                    is_active=False, updated_at=now
                )
                User.objects.filter(id__in=[m[3] for m in missing]).update(
                    is_active=False
                )


def _update_rows(model: type[Model], fields: tuple[str, ...], rows: list[tuple]):
    """Set ``fields`` (then the primary key, last in each tuple) for each row.

    The bulk update of these rows: one parametrised ``UPDATE ... WHERE id = %s``
    run with ``executemany`` (a pipeline on PostgreSQL). ``bulk_update()`` builds
    a ``CASE WHEN`` expression per row and field, which costs about 1 ms a row
    in Python: 25 s for the 25,000 transfers of a 500,000-staff re-import.
    """
    if not rows:
        return
    meta = model._meta
    quote = connection.ops.quote_name
    columns = ", ".join(f"{quote(meta.get_field(f).column)} = %s" for f in fields)
    sql = (
        f"UPDATE {quote(meta.db_table)} SET {columns} "
        f"WHERE {quote(meta.pk.column)} = %s"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


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
