"""What an import found and did: the report shared by the org and staff imports."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

ProgressCallback = Callable[[int, int | None], None]
"""``(rows_done, rows_total)``; ``rows_total`` is ``None`` while it is unknown."""

MAX_SAMPLES = 20
# A file with a wrong column holds as many errors as rows: keep the first ones
# (with a closing line that counts the rest) so the report stays small.
MAX_ERRORS = 1000


@dataclass(frozen=True)
class RowError:
    """One reason to refuse a file.

    ``row`` is the spreadsheet row number (the header is row 1), 1 for a
    problem with the header and 0 for a problem with the whole file.
    """

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        if self.row and self.column:
            return _("row %(row)d, column %(column)s: %(message)s") % {
                "row": self.row,
                "column": self.column,
                "message": self.message,
            }
        if self.row:
            return _("row %(row)d: %(message)s") % {
                "row": self.row,
                "message": self.message,
            }
        return _("file: %(message)s") % {"message": self.message}


@dataclass
class ImportReport:
    kind: str  # "org" or "staff"
    dry_run: bool
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    moved: int = 0
    transferred: int = 0
    position_changed: int = 0
    deactivated: int = 0
    reactivated: int = 0
    new_positions: list[str] = field(default_factory=list)
    samples: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    def sample(self, kind: str, text: str) -> None:
        """Keep ``text`` as an example of ``kind`` (up to MAX_SAMPLES of each)."""
        kept = self.samples.setdefault(kind, [])
        if len(kept) < MAX_SAMPLES:
            kept.append(text)

    def reset_changes(self) -> None:
        """Forget the change counts: a refused file changes nothing."""
        for name in (
            "created",
            "updated",
            "unchanged",
            "moved",
            "transferred",
            "position_changed",
            "deactivated",
            "reactivated",
        ):
            setattr(self, name, 0)
        self.new_positions = []
        self.samples = {}

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["ok"] = self.ok
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ImportReport:
        known = {f.name for f in fields(cls)}
        values = {key: value for key, value in data.items() if key in known}
        values["errors"] = [RowError(**error) for error in data.get("errors", [])]
        values["new_positions"] = list(data.get("new_positions", []))
        values["samples"] = {
            kind: list(texts) for kind, texts in data.get("samples", {}).items()
        }
        return cls(**values)

    def summary_lines(self) -> list[str]:
        """The outcome in plain words: counts, new positions, examples."""
        lines = []
        if self.dry_run:
            lines.append(_("Dry run: nothing was changed. The import would give:"))
        if self.kind == "org":
            noun = ngettext(
                "%(count)d unit row read", "%(count)d unit rows read", self.rows
            )
            counts = [
                (_("created"), self.created),
                (_("updated"), self.updated),
                (_("moved to another parent"), self.moved),
                (_("unchanged"), self.unchanged),
            ]
        else:
            noun = ngettext(
                "%(count)d staff row read", "%(count)d staff rows read", self.rows
            )
            counts = [
                (_("created"), self.created),
                (_("updated"), self.updated),
                (_("transferred to another unit"), self.transferred),
                (_("changed position"), self.position_changed),
                (_("reactivated"), self.reactivated),
                (_("deactivated"), self.deactivated),
                (_("unchanged"), self.unchanged),
            ]
        lines.append(noun % {"count": self.rows})
        lines += [f"  {label}: {count}" for label, count in counts]
        if self.new_positions:
            lines.append(
                _("New positions: %(codes)s") % {"codes": ", ".join(self.new_positions)}
            )
        titles = {
            "created": _("Created"),
            "updated": _("Updated"),
            "moved": _("Moved"),
            "transferred": _("Transferred"),
            "position_changed": _("Changed position"),
            "reactivated": _("Reactivated"),
            "deactivated": _("Deactivated"),
        }
        for kind, title in titles.items():
            if texts := self.samples.get(kind):
                lines.append(_("%(kind)s, for example:") % {"kind": title})
                lines += [f"  {text}" for text in texts]
        return lines

    def refusal(self) -> str:
        """One sentence for a refused file."""
        return ngettext(
            "The file was refused (%(count)d error); nothing was changed.",
            "The file was refused (%(count)d errors); nothing was changed.",
            len(self.errors),
        ) % {"count": len(self.errors)}


class ErrorLog:
    """Collects row errors during a pass, keeping at most MAX_ERRORS of them."""

    def __init__(self) -> None:
        self.entries: list[list[Any]] = []  # [row, column, message]
        self.omitted = 0

    def __len__(self) -> int:
        return len(self.entries) + self.omitted

    def add(self, row: int, column: str, message: str) -> list[Any] | None:
        """Record an error; returns the entry so its message can be filled later."""
        if len(self.entries) >= MAX_ERRORS:
            self.omitted += 1
            return None
        entry = [row, column, message]
        self.entries.append(entry)
        return entry

    def into(self, report: ImportReport) -> None:
        """Put the errors, in row order, into ``report``."""
        self.entries.sort(key=lambda entry: entry[0])
        report.errors = [RowError(*entry) for entry in self.entries]
        if self.omitted:
            report.errors.append(
                RowError(
                    0,
                    "",
                    ngettext(
                        "%(count)d more error is not listed.",
                        "%(count)d more errors are not listed.",
                        self.omitted,
                    )
                    % {"count": self.omitted},
                )
            )
