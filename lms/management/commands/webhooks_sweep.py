"""``manage.py webhooks_sweep``: what the schedules do without a qcluster
(cron): announce launched scopes that fell below their thresholds, then send
every webhook delivery that is due."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from lms.services.webhooks import launches_watch, webhooks_sweep


class Command(BaseCommand):
    help = "Announce launched scopes below threshold; send due webhook deliveries."

    def handle(self, *args, **options):
        falls = launches_watch()
        sent = webhooks_sweep()
        self.stdout.write(
            f"{falls} fall(s) below threshold announced, {sent} delivery attempt(s)."
        )
