"""What the HR import commands share: arguments, progress and the report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from lms.services.imports import ImportReport, ProgressCallback


class ImportCommand(BaseCommand):
    """``FILE [--dry-run] [--encoding ENC]``; subclasses call their service in
    :meth:`run_import`. Bad rows go to stderr and the exit status is 1."""

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="the .csv, .txt or .xlsx file")
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

    def run_import(
        self, options: dict[str, Any], progress: ProgressCallback | None
    ) -> ImportReport:
        raise NotImplementedError

    def handle(self, *args, **options) -> None:
        progress = self._progress if options["verbosity"] >= 2 else None
        report = self.run_import(options, progress)
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
