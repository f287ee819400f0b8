"""``manage.py import_org FILE [--dry-run] [--encoding ENC]``."""

from __future__ import annotations

from lms.management.base import ImportCommand
from lms.services.imports import org_import


class Command(ImportCommand):
    help = (
        "Import organisation units from a CSV or XLSX file with the columns "
        "code, name, parent_code, level (hq, province, city or county). A file "
        "with any error is refused as a whole and the bad rows are listed."
    )

    def run_import(self, options, progress):
        return org_import(
            path=options["file"],
            encoding=options["encoding"],
            dry_run=options["dry_run"],
            progress=progress,
        )
