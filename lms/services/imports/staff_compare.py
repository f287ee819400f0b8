"""Comparing the rows of a staff file with the stored employees (see ``staff.py``).

The stored side is read a batch at a time, ``LOOKUP_CHUNK`` employee numbers per
``IN (...)`` query. :class:`StaffComparison` then counts, row by row, what the
file changes (with examples, into the report) and, for the apply pass, lists the
writes: the new employees, and the UPDATE parameters of the changed employees
and logins (``staff_write.rows_update``). Nothing here writes.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from lms.models import Employee, User
from lms.services.imports.report import MAX_SAMPLES, ImportReport
from lms.services.imports.staff_rows import StaffRow

# Rows per ``IN (...)`` lookup. With longer lists PostgreSQL's planner turns to
# a sequential scan of the whole table, above all while a first import fills a
# table it has no statistics for yet: ten times slower at 200,000 rows.
LOOKUP_CHUNK = 250

# The stored employee, as one tuple per row (cheaper than model instances).
EXISTING_FIELDS = (
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
StoredRecord = tuple[Any, ...]  # the values of EXISTING_FIELDS, in that order


def stored_employees(batch: list[StaffRow]) -> dict[str, StoredRecord]:
    """The stored employees the batch names, by employee number."""
    return {
        record[1]: record
        for numbers in chunks([r.employee_no for r in batch], LOOKUP_CHUNK)
        for record in Employee.objects.filter(employee_no__in=numbers)
        .order_by()
        .values_list(*EXISTING_FIELDS)
    }


def stored_numbers(batch: list[StaffRow]) -> set[str]:
    """The employee numbers of the batch that are stored already."""
    return {
        number
        for numbers in chunks([r.employee_no for r in batch], LOOKUP_CHUNK)
        for number in Employee.objects.filter(employee_no__in=numbers)
        .order_by()
        .values_list("employee_no", flat=True)
    }


def logins_taken(rows: list[StaffRow]) -> set[str]:
    """The rows' employee numbers that already are the username of a login."""
    return {
        username
        for numbers in chunks([r.employee_no for r in rows], LOOKUP_CHUNK)
        for username in User.objects.filter(username__in=numbers)
        .order_by()
        .values_list("username", flat=True)
    }


def chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass
class BatchWrites:
    """What the apply pass writes for one batch."""

    new_rows: list[StaffRow]
    employee_updates: list[tuple] = field(default_factory=list)
    user_updates: list[tuple] = field(default_factory=list)


class _Change(NamedTuple):
    """How a row changes a stored employee (``employee``) and its login (``user``)."""

    employee_id: int
    user_id: int
    email: str  # the email to keep: the file's, or the stored one without a column
    employee: bool
    user: bool


class StaffComparison:
    """Counts, into ``report``, what each row changes; lists the writes.

    ``position_ids`` and ``position_codes`` are shared with the import, which
    adds the positions it creates before the apply pass compares.
    """

    def __init__(
        self,
        *,
        report: ImportReport,
        unit_names: Mapping[int, str],
        position_ids: Mapping[str, int],
        position_codes: Mapping[int, str],
        position_names: Mapping[str, str] | None = None,
    ) -> None:
        self.report = report
        self.unit_names = unit_names
        self.position_ids = position_ids
        self.position_codes = position_codes
        # code → name, for the preview's examples (the file's new positions
        # are added to it as they are met).
        self.position_names = position_names if position_names is not None else {}
        label = Employee._meta.get_field
        self.labels = {
            "name": str(label("name").verbose_name),
            "email": str(label("email").verbose_name),
            "unit": str(label("unit").verbose_name),
            "position": str(label("position").verbose_name),
            "is_active": str(label("is_active").verbose_name),
            "login": str(label("user").verbose_name),
        }

    def compare(
        self,
        batch: list[StaffRow],
        existing: Mapping[str, StoredRecord],
        *,
        writes: bool,
        updated_at: Any,
    ) -> BatchWrites:
        """Count the changes of ``batch``; with ``writes``, also list the writes
        (``updated_at``: the database value of the employees' new ``updated_at``)."""
        planned = BatchWrites([r for r in batch if r.employee_no not in existing])
        position_ids = self.position_ids
        for r in batch:
            record = existing.get(r.employee_no)
            if record is None:
                self._count_created(r)
                continue
            change = self._change(r, record)
            if change is None or not writes:
                continue
            if change.employee:
                planned.employee_updates.append(
                    (
                        r.name,
                        change.email,
                        r.unit_id,
                        position_ids[r.position],
                        r.active,
                        updated_at,
                        change.employee_id,
                    )
                )
            if change.user:
                planned.user_updates.append(
                    (r.name, change.email, r.active, change.user_id)
                )
        return planned

    def _count_created(self, r: StaffRow) -> None:
        report = self.report
        report.created += 1
        if len(report.samples.get("created", ())) < MAX_SAMPLES:
            report.sample(
                "created",
                f"{r.employee_no} {r.name}: {self.unit_names[r.unit_id]}, "
                f"{self._position(r.position)}",
            )

    def _position(self, code: str) -> str:
        """A position as people call it ("营业厅柜面"), not its code ("counter")."""
        return self.position_names.get(code) or code

    def _change(self, r: StaffRow, record: StoredRecord) -> _Change | None:
        """Count how ``r`` changes its stored employee; None when it does not."""
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
        report = self.report
        labels = self.labels
        new_email = email if r.email is None else r.email
        who = f"{number} {r.name}"
        changed = []
        if name != r.name:
            changed.append(labels["name"])
        if email != new_email:
            changed.append(labels["email"])
        if unit_id != r.unit_id:
            changed.append(labels["unit"])
            self._count_transfer(who, unit_id, r.unit_id)
        old_position = self.position_codes[position_id]
        if old_position != r.position:
            changed.append(labels["position"])
            report.position_changed += 1
            report.sample(
                "position_changed",
                f"{who}: {self._position(old_position)} → {self._position(r.position)}",
            )
        if is_active != r.active:
            changed.append(labels["is_active"])
            self._count_activation(who, r.active)
        user_changed = (
            user_name != r.name or user_email != new_email or user_active != r.active
        )
        if not changed and not user_changed:
            report.unchanged += 1
            return None
        report.updated += 1
        report.sample("updated", f"{who}: {', '.join(changed or [labels['login']])}")
        return _Change(employee_id, user_id, new_email, bool(changed), user_changed)

    def _count_transfer(self, who: str, from_id: int, to_id: int) -> None:
        self.report.transferred += 1
        self.report.sample(
            "transferred",
            f"{who}: {self.unit_names[from_id]} → {self.unit_names[to_id]}",
        )

    def _count_activation(self, who: str, active: bool) -> None:
        if active:
            self.report.reactivated += 1
            self.report.sample("reactivated", who)
        else:
            self.report.deactivated += 1
            self.report.sample("deactivated", who)
