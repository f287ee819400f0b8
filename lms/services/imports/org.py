"""The organisation import: upsert org units by code into the tree.

The whole tree (a few thousand units) fits in memory, so the file is read
once, merged with the stored units into the tree it asks for, and that tree
is checked as a whole: unknown parents, cycles, a second root or headquarters,
levels that do not go down the tree. Only a file without errors is applied,
parents first whatever the order of its rows, in one transaction: new units
are added under their parent, units whose parent changed are moved with their
subtree.

This module counts the changes and applies them. Reading and checking the rows
lives in ``org_rows.py``, checking the tree they ask for in ``org_tree.py``.
"""

from __future__ import annotations

from pathlib import Path

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from lms.models import OrgUnit
from lms.services.assignments import assignments_sync_staff_enqueue
from lms.services.imports.org_rows import UnitRowReader
from lms.services.imports.org_tree import StoredUnit, UnitTree, stored_units
from lms.services.imports.readers import TableError
from lms.services.imports.report import (
    ErrorLog,
    ImportReport,
    ProgressCallback,
    RowError,
)


def org_import(
    *,
    path: Path,
    encoding: str | None = None,
    dry_run: bool = False,
    progress: ProgressCallback | None = None,
) -> ImportReport:
    """Import organisation units from ``path`` (CSV or XLSX); all or nothing.

    Columns: ``code, name, parent_code, level`` (``parent_code`` empty for the
    headquarters; ``level`` one of hq, province, city, county). ``progress`` is
    called with ``(rows_read, None)`` while the file is read, then with
    ``(units_applied, units_total)``.
    """
    return _OrgImport(
        path=Path(path), encoding=encoding, dry_run=dry_run, progress=progress
    ).run()


class _OrgImport:
    def __init__(
        self,
        *,
        path: Path,
        encoding: str | None,
        dry_run: bool,
        progress: ProgressCallback | None,
    ) -> None:
        self.path = path
        self.encoding = encoding or None
        self.dry_run = dry_run
        self.progress = progress
        self.report = ImportReport(kind="org", dry_run=dry_run)
        self.errors = ErrorLog()
        self.reader = UnitRowReader(errors=self.errors, progress=self._progress)
        self.rows = self.reader.rows  # code → first row with that code
        self.stored: dict[str, StoredUnit] = {}
        self.tree: UnitTree | None = None
        self.level_labels = dict(OrgUnit.Level.choices)

    def run(self) -> ImportReport:
        report = self.report
        try:
            readable = self.reader.read(self.path, self.encoding)
        except TableError as exc:
            self.errors.add(exc.row, "", exc.message)
            readable = False
        report.rows = self.reader.rows_read
        if readable and report.rows == 0:
            self.errors.add(0, "", _("The file has no data rows."))
        if readable and self.rows:
            # Also when some rows are wrong: every problem is listed at once.
            self.stored = stored_units()
            self.tree = UnitTree(rows=self.rows, stored=self.stored, errors=self.errors)
            self.tree.check()
        order: list[str] = []
        if not self.errors and self.tree is not None:
            # (A file without errors always has its tree checked.)
            order = self.tree.order()
            self._count(order)
        if self.errors:
            report.reset_changes()
            self.errors.into(report)
            return report
        if self.dry_run:
            return report
        try:
            with transaction.atomic():
                self._apply(order)
                if report.moved:
                    # Staff under a moved unit may enter or leave audiences.
                    assignments_sync_staff_enqueue()
        except IntegrityError:
            report.reset_changes()
            report.errors = [
                RowError(
                    0,
                    "",
                    _(
                        "The organisation changed while the file was being "
                        "imported; import it again."
                    ),
                )
            ]
        return report

    def _progress(self, done: int, total: int | None) -> None:
        if self.progress is not None:
            self.progress(done, total)

    # --- counting and applying ----------------------------------------------------

    def _name(self, code: str | None) -> str:
        if code is None:
            return "—"
        unit = self.rows.get(code) or self.stored.get(code)
        return unit.name if unit else code

    def _count(self, order: list[str]) -> None:
        report = self.report
        for code in order:
            unit_row = self.rows[code]
            stored = self.stored.get(code)
            who = f"{code} {unit_row.name}"
            if stored is None:
                report.created += 1
                where = (
                    _("under %(parent)s") % {"parent": self._name(unit_row.parent_code)}
                    if unit_row.parent_code
                    else _("top of the tree")
                )
                report.sample(
                    "created",
                    f"{who} ({self.level_labels[unit_row.level]}), {where}",
                )
                continue
            changed = []
            if stored.name != unit_row.name:
                changed.append(f"{stored.name} → {unit_row.name}")
            if stored.level != unit_row.level:
                changed.append(
                    f"{self.level_labels[stored.level]} → "
                    f"{self.level_labels[unit_row.level]}"
                )
            if stored.parent_code != unit_row.parent_code:
                report.moved += 1
                move = (
                    f"{self._name(stored.parent_code)} → "
                    f"{self._name(unit_row.parent_code)}"
                )
                changed.append(move)
                report.sample("moved", f"{who}: {move}")
            if changed:
                report.updated += 1
                report.sample("updated", f"{who}: {'; '.join(changed)}")
            else:
                report.unchanged += 1

    def _apply(self, order: list[str]) -> None:
        total = len(order)
        parents: dict[str, OrgUnit] = {}  # units used as parents; only pk matters
        for done, code in enumerate(order, start=1):
            unit_row = self.rows[code]
            stored = self.stored.get(code)
            fields = {"code": code, "name": unit_row.name, "level": unit_row.level}
            if stored is None:
                if unit_row.parent_code is None:
                    parents[code] = OrgUnit.add_root(**fields)
                else:
                    parent = parents.get(unit_row.parent_code)
                    if parent is None:
                        parent = OrgUnit.objects.get(code=unit_row.parent_code)
                        parents[unit_row.parent_code] = parent
                    parents[code] = parent.add_child(**fields)
            else:
                if (stored.name, stored.level) != (unit_row.name, unit_row.level):
                    OrgUnit.objects.filter(pk=stored.pk).update(
                        name=unit_row.name, level=unit_row.level
                    )
                if stored.parent_code != unit_row.parent_code:
                    # Paths change with every move: read both nodes afresh.
                    node = OrgUnit.objects.get(pk=stored.pk)
                    target = OrgUnit.objects.get(code=unit_row.parent_code)
                    node.move(target, "last-child")
                    parents.clear()
            if done % 100 == 0 or done == total:
                self._progress(done, total)
