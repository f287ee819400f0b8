"""``manage.py import_org FILE [--dry-run] [--encoding ENC]``."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from lms.services.imports import org_import


class Command(BaseCommand):
    help = (
        "Import organisation units from a CSV or XLSX file with the columns "
        "code, name, parent_code, level (hq, province, city or county). A file "
        "with any error is refused as a whole and the bad rows are listed."
    )

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

    def handle(self, *args, **options) -> None:
        report = org_import(
            path=options["file"],
            encoding=options["encoding"],
            dry_run=options["dry_run"],
        )
        if not report.ok:
            for error in report.errors:
                self.stderr.write(str(error))
            raise CommandError(report.refusal(), returncode=1)
        for line in report.summary_lines():
            self.stdout.write(line)
        if not report.dry_run:
            self.stdout.write(self.style.SUCCESS(_("Import finished.")))
