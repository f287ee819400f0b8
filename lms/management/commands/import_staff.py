"""``manage.py import_staff FILE [--deactivate-missing] [--dry-run] [--encoding]``."""

from __future__ import annotations

from django.core.management.base import CommandParser

from lms.management.base import ImportCommand
from lms.services.imports import staff_import


class Command(ImportCommand):
    help = (
        "Import staff from a CSV or XLSX file with the columns employee_no, name, "
        "unit_code, position, email (optional: position_name, active; others are "
        "ignored). A file with any error is refused as a whole and the bad rows "
        "are listed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--deactivate-missing",
            action="store_true",
            help="deactivate the active staff that the file does not list",
        )

    def run_import(self, options, progress):
        return staff_import(
            path=options["file"],
            encoding=options["encoding"],
            deactivate_missing=options["deactivate_missing"],
            dry_run=options["dry_run"],
            progress=progress,
        )
