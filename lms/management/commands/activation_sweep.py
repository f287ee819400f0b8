"""``manage.py activation_sweep``: what the schedule does without a qcluster
(cron): enqueue again the activation sendings whose task was lost."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from lms.services.activation import activation_batches_sweep


class Command(BaseCommand):
    help = "Resume activation e-mail sendings whose task was lost."

    def handle(self, *args, **options):
        resumed = activation_batches_sweep()
        self.stdout.write(f"{resumed} activation sending(s) enqueued again.")
