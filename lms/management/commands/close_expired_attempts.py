"""``manage.py close_expired_attempts``: grade the quiz attempts left open
past their deadline (what the qcluster's schedule does every 5 minutes)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from lms.services.attempts import attempts_close_expired


class Command(BaseCommand):
    help = "Grade the quiz attempts left open past their deadline, on saved answers."

    def add_arguments(self, parser):
        parser.add_argument(
            "--limit", type=int, default=5_000, help="at most this many per run"
        )

    def handle(self, *args, limit: int, **options):
        closed = attempts_close_expired(limit=limit)
        self.stdout.write(f"{closed} attempt(s) closed.")
