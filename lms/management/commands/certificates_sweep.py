"""``manage.py certificates_sweep``: render the certificate PDFs not rendered
yet and give the assignments of expired certificates a new due date (what
the qcluster's schedules do; for cron where no qcluster runs). Safe to run
any number of times."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from lms.services.certificate_exports import certificate_exports_sweep
from lms.services.certificates import assignments_reopen_expired, certificates_render


class Command(BaseCommand):
    help = "Render unrendered certificate PDFs; reopen assignments of expired ones."

    def handle(self, *args, **options):
        rendered = certificates_render()
        reopened = assignments_reopen_expired()
        exports = certificate_exports_sweep()
        self.stdout.write(
            f"{rendered} certificate PDF(s) rendered, "
            f"{reopened} assignment(s) given a new due date, "
            f"{exports} export(s) deleted or rebuilt."
        )
