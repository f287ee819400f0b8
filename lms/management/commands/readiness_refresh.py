"""``manage.py readiness_refresh [--rebuild]``: what the schedule does
without a qcluster (cron): recount the stored readiness counts that writes
or the clock made untrusted. ``--rebuild`` recounts every one (after
``readiness --verify`` reported a difference)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from lms.services.readiness_counts import readiness_rebuild, readiness_refresh


class Command(BaseCommand):
    help = "Recount the stored readiness counts that are no longer trusted."

    def add_arguments(self, parser):
        parser.add_argument(
            "--rebuild", action="store_true", help="recount every stored count"
        )

    def handle(self, *args, rebuild: bool, **options):
        done = readiness_rebuild() if rebuild else readiness_refresh()
        self.stdout.write(
            f"{done['recounted']} unit count(s) recounted, {done['written']} "
            f"stored, {done['dropped']} of deleted units dropped."
        )
