"""The organisation import: upsert org units by code into the tree.

The whole tree (a few thousand units) fits in memory, so the file is read
once, merged with the stored units into the tree it asks for, and that tree
is checked as a whole: unknown parents, cycles, a second root or headquarters,
levels that do not go down the tree. Only a file without errors is applied,
parents first whatever the order of its rows, in one transaction: new units
are added under their parent, units whose parent changed are moved with their
subtree.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from lms.models import OrgUnit
from lms.services.assignments import assignments_sync_staff_enqueue
from lms.services.imports.readers import TableError, locate_columns, open_table
from lms.services.imports.report import (
    ErrorLog,
    ImportReport,
    ProgressCallback,
    RowError,
)

REQUIRED_COLUMNS = ("code", "name", "parent_code", "level")
PROGRESS_EVERY = 500


class UnitRow(NamedTuple):
    row: int
    code: str
    name: str
    parent_code: str | None
    level: str | None  # None when the level is not valid


class StoredUnit(NamedTuple):
    pk: int
    code: str
    name: str
    level: str
    parent_code: str | None


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
        self.rows: dict[str, UnitRow] = {}  # code → first row with that code
        self.stored: dict[str, StoredUnit] = {}
        self.level_labels = dict(OrgUnit.Level.choices)
        self.ranks = OrgUnit.LEVEL_RANK
        field = OrgUnit._meta.get_field
        self.max_code = field("code").max_length
        self.max_name = field("name").max_length

    def run(self) -> ImportReport:
        report = self.report
        try:
            readable = self._read()
        except TableError as exc:
            self.errors.add(exc.row, "", exc.message)
            readable = False
        if readable and report.rows == 0:
            self.errors.add(0, "", _("The file has no data rows."))
        if readable and self.rows:
            # Also when some rows are wrong: every problem is listed at once.
            self._load_stored()
            self._check_tree()
        order: list[str] = []
        if not self.errors:
            order = self._order()
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

    # --- reading and checking each row ------------------------------------------

    def _read(self) -> bool:
        """Read and check each row; False when the header is unusable."""
        error = self.errors.add
        required = _("A value is required.")
        with open_table(self.path, encoding=self.encoding) as table:
            columns, problems = locate_columns(table.header, REQUIRED_COLUMNS, ())
            for column, message in problems:
                error(1, column, message)
            if problems:
                return False
            i_code, i_name, i_parent, i_level = (
                columns[name] for name in REQUIRED_COLUMNS
            )
            width = max(columns.values()) + 1
            for row, cells in table.rows:
                self.report.rows += 1
                if self.report.rows % PROGRESS_EVERY == 0:
                    self._progress(self.report.rows, None)
                if len(cells) < width:
                    cells = cells + [""] * (width - len(cells))
                code, name = cells[i_code], cells[i_name]
                parent_code, level = cells[i_parent], cells[i_level].lower()
                for column, value, limit in (
                    ("code", code, self.max_code),
                    ("name", name, self.max_name),
                    ("parent_code", parent_code, self.max_code),
                ):
                    if column != "parent_code" and not value:
                        error(row, column, required)
                    elif len(value) > limit:
                        error(
                            row,
                            column,
                            _("Too long: %(length)d characters, at most %(limit)d.")
                            % {"length": len(value), "limit": limit},
                        )
                if not level:
                    error(row, "level", required)
                elif level not in self.ranks:
                    error(
                        row,
                        "level",
                        _("“%(value)s” is not a level: use one of %(levels)s.")
                        % {"value": cells[i_level], "levels": ", ".join(self.ranks)},
                    )
                if not code:
                    continue
                if code in self.rows:
                    error(
                        row,
                        "code",
                        _(
                            "The unit code %(code)s appears twice: first on row "
                            "%(first)d."
                        )
                        % {"code": code, "first": self.rows[code].row},
                    )
                    continue
                self.rows[code] = UnitRow(
                    row,
                    code,
                    name,
                    parent_code or None,
                    level if level in self.ranks else None,
                )
        self._progress(self.report.rows, None)
        return True

    def _load_stored(self) -> None:
        code_by_path: dict[str, str] = {}
        steplen = OrgUnit.steplen
        for pk, code, name, level, path in OrgUnit.objects.order_by("path").values_list(
            "pk", "code", "name", "level", "path"
        ):
            code_by_path[path] = code
            parent = code_by_path.get(path[:-steplen]) if len(path) > steplen else None
            self.stored[code] = StoredUnit(pk, code, name, level, parent)

    # --- checking the tree the file asks for --------------------------------------

    def _check_tree(self) -> None:
        rows, stored = self.rows, self.stored
        error = self.errors.add
        parent_of: dict[str, str | None] = {
            code: unit.parent_code for code, unit in stored.items()
        }
        level_of: dict[str, str | None] = {
            code: unit.level for code, unit in stored.items()
        }
        for code, unit_row in rows.items():
            parent_of[code] = unit_row.parent_code
            level_of[code] = unit_row.level
        self.parent_of = parent_of
        broken: set[str] = set()  # units that cannot be placed in the tree

        for code, unit_row in rows.items():
            parent = unit_row.parent_code
            if parent is not None and parent not in parent_of:
                error(
                    unit_row.row,
                    "parent_code",
                    _(
                        "Unknown parent unit code %(code)s: it is neither in the "
                        "file nor in the organisation."
                    )
                    % {"code": parent},
                )
                broken.add(code)

        broken |= self._check_cycles(parent_of)

        roots = [code for code in parent_of if parent_of[code] is None]
        stored_root = next(
            (code for code, unit in stored.items() if unit.parent_code is None), None
        )
        if stored_root is not None and parent_of[stored_root] is None:
            main_root = stored_root
        else:
            in_file = sorted((rows[code].row, code) for code in roots if code in rows)
            main_root = in_file[0][1] if in_file else None
        self.main_root = main_root
        flagged: set[str] = set()
        for code in roots:
            if code != main_root and code in rows:
                error(
                    rows[code].row,
                    "parent_code",
                    _(
                        "Only one unit can be without a parent (the top of the "
                        "tree): %(root)s already is."
                    )
                    % {"root": main_root},
                )
                flagged.add(code)
        if main_root in rows and level_of[main_root] not in (None, "hq"):
            error(
                rows[main_root].row,
                "level",
                _("The unit at the top of the tree must have the level hq."),
            )
            flagged.add(main_root)
        for code, unit_row in rows.items():
            if unit_row.level == "hq" and code != main_root and code not in flagged:
                error(
                    unit_row.row,
                    "level",
                    _(
                        "There can be only one headquarters unit (level hq): "
                        "%(root)s already is."
                    )
                    % {"root": main_root},
                )
                flagged.add(code)
        self._check_levels(parent_of, level_of, broken | flagged)

    def _check_cycles(self, parent_of: dict[str, str | None]) -> set[str]:
        rows = self.rows
        in_cycles: set[str] = set()
        done: set[str] = set()
        for start in rows:
            trail: list[str] = []
            on_trail: set[str] = set()
            code: str | None = start
            while code is not None and code in parent_of and code not in done:
                if code in on_trail:
                    cycle = trail[trail.index(code) :]
                    text = " → ".join([*cycle, cycle[0]])
                    for member in cycle:
                        in_cycles.add(member)
                        if member in rows:
                            self.errors.add(
                                rows[member].row,
                                "parent_code",
                                _("The parent codes form a cycle: %(cycle)s.")
                                % {"cycle": text},
                            )
                    break
                trail.append(code)
                on_trail.add(code)
                code = parent_of[code]
            done.update(trail)
        return in_cycles

    def _check_levels(
        self,
        parent_of: dict[str, str | None],
        level_of: dict[str, str | None],
        skip: set[str],
    ) -> None:
        rows, ranks = self.rows, self.ranks
        blamed_parents: set[str] = set()
        for code, parent in parent_of.items():
            if parent is None or code in skip or parent in skip:
                continue
            if code not in rows and parent not in rows:
                continue
            level, parent_level = level_of.get(code), level_of.get(parent)
            if level is None or parent_level is None:
                continue
            if ranks[level] > ranks[parent_level]:
                continue
            if code in rows:
                self.errors.add(
                    rows[code].row,
                    "level",
                    _(
                        "The level %(level)s is not below the level %(parent_level)s "
                        "of its parent %(parent)s."
                    )
                    % {"level": level, "parent_level": parent_level, "parent": parent},
                )
            elif parent not in blamed_parents:
                blamed_parents.add(parent)
                self.errors.add(
                    rows[parent].row,
                    "level",
                    _(
                        "The level %(level)s is not above the level %(child_level)s "
                        "of its sub-unit %(child)s."
                    )
                    % {"level": parent_level, "child_level": level, "child": code},
                )

    # --- planning and applying --------------------------------------------------

    def _order(self) -> list[str]:
        """The file's codes, parents before children (breadth first)."""
        children: dict[str | None, list[str]] = {}
        for code, parent in self.parent_of.items():
            children.setdefault(parent, []).append(code)
        order: list[str] = []
        queue = [self.main_root] if self.main_root is not None else []
        for code in queue:  # the list grows while it is walked
            if code in self.rows:
                order.append(code)
            queue.extend(children.get(code, ()))
        if len(order) != len(self.rows):  # pragma: no cover - the checks prevent it
            self.errors.add(0, "", _("Some units cannot be placed in the tree."))
        return order

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
