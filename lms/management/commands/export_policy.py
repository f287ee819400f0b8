"""``manage.py export_policy CODE [-o FILE] [--latest] [--with-media]``."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from cms.transfer import TransferError
from lms.services.policy_transfer import policy_export_by_code


class Command(BaseCommand):
    help = (
        "Write a policy with its modules, quiz and audience as one JSON document "
        "(format rollout-policy/1, see docs/policy-format.md), or as a ZIP with "
        "the images and documents it refers to."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", help="the policy's code, e.g. SVC-2026-01")
        parser.add_argument(
            "-o",
            "--output",
            default="-",
            metavar="FILE",
            help="where to write (default, or -: standard output)",
        )
        parser.add_argument(
            "--latest",
            action="store_true",
            help="export the latest draft revisions instead of the live pages",
        )
        parser.add_argument(
            "--with-media",
            action="store_true",
            help="write a ZIP: policy.json and the images and documents it uses",
        )

    def handle(self, *args, **options) -> None:
        output = options["output"]
        if options["with_media"] and output == "-":
            raise CommandError(_("--with-media writes a ZIP file: give -o FILE.zip"))
        try:
            export = policy_export_by_code(
                code=options["code"], latest=options["latest"]
            )
        except TransferError as error:
            raise CommandError(error.message()) from error
        if output == "-":
            self.stdout.write(export.json(), ending="")
        else:
            path = Path(output)
            try:
                if options["with_media"]:
                    with path.open("wb") as handle:
                        export.write_zip(handle)
                else:
                    path.write_text(export.json(), encoding="utf-8")
            except OSError as error:
                raise CommandError(
                    _("cannot write %(path)s: %(error)s")
                    % {"path": path, "error": error.strerror}
                ) from error
        # Messages go to stderr: stdout may be the document itself.
        document = export.document
        self.stderr.write(
            _(
                "%(code)s: %(modules)d modules, %(questions)d questions, "
                "%(files)d files referred to."
            )
            % {
                "code": document["code"],
                "modules": len(document["modules"]),
                "questions": export.question_count,
                "files": len(export.media),
            }
        )
        if export.media and not options["with_media"]:
            self.stderr.write(
                _(
                    "The document refers to images or documents by file name: the "
                    "installation importing it must have them, or export with "
                    "--with-media."
                )
            )
