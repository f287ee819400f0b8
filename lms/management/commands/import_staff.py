"""``manage.py import_staff FILE [--deactivate-missing] [--dry-run] [--encoding]``."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from lms.services.imports import staff_import


class Command(BaseCommand):
    help = (
        "Import staff from a CSV or XLSX file with the columns employee_no, name, "
        "unit_code, position, email (optional: position_name, active; others are "
        "ignored). A file with any error is refused as a whole and the bad rows "
        "are listed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="the .csv, .txt or .xlsx file")
        parser.add_argument(
            "--deactivate-missing",
            action="store_true",
            help="deactivate the active staff that the file does not list",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="check the file and show what would change, without writing",
        )
        parser.add_argument(
            "--encoding",
            help="the encoding of a CSV file (default: UTF-8 if it decodes, "
            "else GB18030)",
        )

    def handle(self, *args, **options) -> None:
        report = staff_import(
            path=options["file"],
            encoding=options["encoding"],
            deactivate_missing=options["deactivate_missing"],
            dry_run=options["dry_run"],
            progress=self._progress if options["verbosity"] >= 2 else None,
        )
        if not report.ok:
            for error in report.errors:
                self.stderr.write(str(error))
            raise CommandError(report.refusal(), returncode=1)
        for line in report.summary_lines():
            self.stdout.write(line)
        if not report.dry_run:
            self.stdout.write(self.style.SUCCESS(_("Import finished.")))

    def _progress(self, done: int, total: int | None) -> None:
        if total is None:
            self.stderr.write(_("%(done)d rows checked") % {"done": done})
        else:
            self.stderr.write(
                _("%(done)d of %(total)d rows applied") % {"done": done, "total": total}
            )
