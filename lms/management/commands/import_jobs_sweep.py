"""``manage.py import_jobs_sweep``: what the schedule does without a qcluster
(cron): fail HR import checks and applies that ran past the time limit, and
enqueue again the checks whose task was lost."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from lms.services.imports.jobs import jobs_sweep


class Command(BaseCommand):
    help = "Fail HR imports past their time limit; enqueue lost checks again."

    def handle(self, *args, **options):
        done = jobs_sweep()
        self.stdout.write(
            f"{done['failed']} import(s) failed past the time limit, "
            f"{done['requeued']} check(s) enqueued again."
        )
