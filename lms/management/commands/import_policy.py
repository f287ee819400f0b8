"""``manage.py import_policy FILE [--catalogue SLUG] [--user NAME] [--dry-run]``."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from cms.transfer import TransferError
from lms.models import User
from lms.services.policy_transfer import policy_import_file


class Command(BaseCommand):
    help = (
        "Create or update a policy, its modules and its quiz from a document "
        "written by export_policy (.json, or .zip with its files), as draft "
        "revisions for an approver to review. A document with any problem is "
        "refused as a whole and every problem is listed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="the .json or .zip file")
        parser.add_argument(
            "--catalogue",
            metavar="SLUG",
            help="the catalogue page a new policy goes under (default: the first)",
        )
        parser.add_argument(
            "--user",
            metavar="USERNAME",
            help="the author of the new revisions (default: none)",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="check the document and show what would change, without writing",
        )

    def handle(self, *args, **options) -> None:
        user = None
        if options["user"]:
            user = User.objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(
                    _("There is no user %(name)r.") % {"name": options["user"]}
                )
        try:
            result = policy_import_file(
                path=options["file"],
                catalogue_slug=options["catalogue"],
                user=user,
                dry_run=options["dry_run"],
            )
        except TransferError as error:
            raise CommandError(error.message(), returncode=1) from error
        for line in result.summary_lines():
            self.stdout.write(line)
        if not result.dry_run:
            self.stdout.write(self.style.SUCCESS(_("Import finished.")))
