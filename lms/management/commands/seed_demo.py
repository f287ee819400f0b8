"""Load the demo organisation (the real tree of China), staff and accounts.

Idempotent: a second run with the same options changes nothing. See
docs/demo-data.md.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lms.demo import constants as c
from lms.demo.accounts import DemoAccountError
from lms.demo.seed import DemoSeedError, demo_seed


class Command(BaseCommand):
    help = (
        "Load demo data: the administrative tree of China as the organisation, "
        "generated staff and one account per role. Safe to run again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--staff",
            type=int,
            default=c.DEFAULT_STAFF,
            metavar="N",
            help=f"number of staff (default {c.DEFAULT_STAFF:,}; from "
            f"{c.FULL_TREE_STAFF:,} on the whole tree is loaded)",
        )
        parser.add_argument(
            "--full-tree",
            action="store_true",
            help="load every province, city and county (3,509 units) instead of "
            "the quick tree of a few hundred",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=c.DEFAULT_SEED,
            metavar="S",
            help=f"random seed of the generated staff (default {c.DEFAULT_SEED})",
        )
        parser.add_argument(
            "--no-progress",
            action="store_false",
            dest="progress",
            help="leave every employee untrained (by default some have passed "
            "or failed the demo quizzes: docs/demo-data.md)",
        )
        parser.add_argument(
            "--reset-passwords",
            action="store_true",
            help="set the demo password again on every demo account",
        )

    def handle(self, *args, **options) -> None:
        started = time.monotonic()
        log = self.stdout.write if options["verbosity"] >= 1 else None
        try:
            summary = demo_seed(
                staff=options["staff"],
                full_tree=options["full_tree"],
                seed=options["seed"],
                reset_passwords=options["reset_passwords"],
                progress=options["progress"],
                log=log,
            )
        except (DemoSeedError, DemoAccountError) as exc:
            raise CommandError(str(exc)) from exc
        if options["verbosity"] < 1:
            return
        for line in summary:
            self.stdout.write(line)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready in {time.monotonic() - started:.1f} s. "
                "`python manage.py demo_logins` lists the accounts."
            )
        )
