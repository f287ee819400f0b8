"""Checking the tree an organisation file asks for (see ``org.py``).

The stored units with the file's rows laid over them must make one tree:
every parent known, no cycle, one root (the headquarters, level hq) and no
other hq, each level below its parent's. :class:`UnitTree` lists every problem
at once, then gives the file's codes parents first (``order``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from django.utils.translation import gettext as _

from lms.models import OrgUnit
from lms.services.imports.org_rows import UnitRow
from lms.services.imports.report import ErrorLog


class StoredUnit(NamedTuple):
    pk: int
    code: str
    name: str
    level: str
    parent_code: str | None


def stored_units() -> dict[str, StoredUnit]:
    """Every stored unit by code, in tree order (one query)."""
    stored: dict[str, StoredUnit] = {}
    code_by_path: dict[str, str] = {}
    steplen = OrgUnit.steplen
    for pk, code, name, level, path in OrgUnit.objects.order_by("path").values_list(
        "pk", "code", "name", "level", "path"
    ):
        code_by_path[path] = code
        parent = code_by_path.get(path[:-steplen]) if len(path) > steplen else None
        stored[code] = StoredUnit(pk, code, name, level, parent)
    return stored


class UnitTree:
    """The tree of the stored units once the file's ``rows`` are applied."""

    def __init__(
        self,
        *,
        rows: Mapping[str, UnitRow],
        stored: Mapping[str, StoredUnit],
        errors: ErrorLog,
    ) -> None:
        self.rows = rows
        self.stored = stored
        self.errors = errors
        self.ranks = OrgUnit.LEVEL_RANK
        self.parent_of: dict[str, str | None] = {
            code: unit.parent_code for code, unit in stored.items()
        }
        self.level_of: dict[str, str | None] = {
            code: unit.level for code, unit in stored.items()
        }
        for code, unit_row in rows.items():
            self.parent_of[code] = unit_row.parent_code
            self.level_of[code] = unit_row.level
        self.main_root: str | None = None

    def check(self) -> None:
        """Record every problem of the tree, each on the row that causes it."""
        broken = self._check_parents_known()  # units that cannot be placed
        broken |= self._check_cycles()
        roots = [code for code in self.parent_of if self.parent_of[code] is None]
        self.main_root = self._main_root(roots)
        flagged = self._check_one_root(roots)
        flagged |= self._check_one_headquarters(flagged)
        self._check_levels(broken | flagged)

    def order(self) -> list[str]:
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

    # --- the checks ---------------------------------------------------------------

    def _check_parents_known(self) -> set[str]:
        unknown: set[str] = set()
        for code, unit_row in self.rows.items():
            parent = unit_row.parent_code
            if parent is not None and parent not in self.parent_of:
                self.errors.add(
                    unit_row.row,
                    "parent_code",
                    _(
                        "Unknown parent unit code %(code)s: it is neither in the "
                        "file nor in the organisation."
                    )
                    % {"code": parent},
                )
                unknown.add(code)
        return unknown

    def _check_cycles(self) -> set[str]:
        rows, parent_of = self.rows, self.parent_of
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

    def _main_root(self, roots: list[str]) -> str | None:
        """The top of the tree: the stored root if it stays one, else the
        file's first unit without a parent."""
        stored_root = next(
            (code for code, unit in self.stored.items() if unit.parent_code is None),
            None,
        )
        if stored_root is not None and self.parent_of[stored_root] is None:
            return stored_root
        rows = self.rows
        in_file = sorted((rows[code].row, code) for code in roots if code in rows)
        return in_file[0][1] if in_file else None

    def _check_one_root(self, roots: list[str]) -> set[str]:
        """Only the main root may be without a parent, and it must be hq."""
        rows, main_root = self.rows, self.main_root
        flagged: set[str] = set()
        for code in roots:
            if code != main_root and code in rows:
                self.errors.add(
                    rows[code].row,
                    "parent_code",
                    _(
                        "Only one unit can be without a parent (the top of the "
                        "tree): %(root)s already is."
                    )
                    % {"root": main_root},
                )
                flagged.add(code)
        if main_root in rows and self.level_of[main_root] not in (None, "hq"):
            self.errors.add(
                rows[main_root].row,
                "level",
                _("The unit at the top of the tree must have the level hq."),
            )
            flagged.add(main_root)
        return flagged

    def _check_one_headquarters(self, flagged: set[str]) -> set[str]:
        """No unit of the file but the main root may have the level hq."""
        main_root = self.main_root
        more: set[str] = set()
        for code, unit_row in self.rows.items():
            if unit_row.level == "hq" and code != main_root and code not in flagged:
                self.errors.add(
                    unit_row.row,
                    "level",
                    _(
                        "There can be only one headquarters unit (level hq): "
                        "%(root)s already is."
                    )
                    % {"root": main_root},
                )
                more.add(code)
        return more

    def _check_levels(self, skip: set[str]) -> None:
        rows, ranks, level_of = self.rows, self.ranks, self.level_of
        blamed_parents: set[str] = set()
        for code, parent in self.parent_of.items():
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
