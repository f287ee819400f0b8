"""``manage.py launch POLICY_CODE --unit CODE --as USER [--note TEXT]``:
launch a measure in a unit's subtree through the same service and the same
refusals as the admin and the API (``lms.services.launches``); with
``--withdraw`` (the note is then the reason required), end the launch in
force there. Exit status 1 when refused, with the reasons and blockers."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from cms.models import PolicyPage
from lms.models import OrgUnit, User
from lms.services.launches import LaunchRefused, launch_record, launch_withdraw


class Command(BaseCommand):
    help = "Launch a measure in a unit's subtree (or withdraw a launch)."

    def add_arguments(self, parser):
        parser.add_argument("policy_code")
        parser.add_argument("--unit", required=True, help="the scope's unit code")
        parser.add_argument(
            "--as", dest="username", required=True, help="the launch officer's login"
        )
        parser.add_argument("--note", default="", help="recorded with the launch")
        parser.add_argument(
            "--withdraw",
            action="store_true",
            help="withdraw the launch in force in the unit (--note: why)",
        )

    def handle(self, *args, policy_code, unit, username, note, withdraw, **options):
        policy = PolicyPage.objects.filter(code=policy_code).first()
        if policy is None:
            raise CommandError(f"There is no policy with the code {policy_code}.")
        scope = OrgUnit.objects.filter(code=unit).first()
        if scope is None:
            raise CommandError(f"There is no unit with the code {unit}.")
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"There is no user {username}.")
        try:
            if withdraw:
                record = launch_withdraw(
                    policy=policy, unit=scope, user=user, reason=note
                )
            else:
                record = launch_record(policy=policy, unit=scope, user=user, note=note)
        except PermissionDenied as error:
            raise CommandError(str(error), returncode=1) from error
        except ValidationError as error:
            raise CommandError(" ".join(error.messages), returncode=1) from error
        except LaunchRefused as refused:
            for reason in refused.reasons:
                self.stderr.write(reason)
            if refused.readiness is not None:
                for blocker in refused.readiness.blockers:
                    self.stderr.write(
                        f"BLOCKER {blocker.kind} {blocker.code} {blocker.name}: "
                        f"{blocker.figures.certified}/{blocker.figures.assigned} "
                        f"< {blocker.threshold} %, {blocker.missing} more to certify"
                    )
            raise CommandError("Refused: nothing was recorded.", returncode=1) from None
        verb = "Withdrawn" if withdraw else "Launched"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb}: {record.policy_code} v{record.version} in "
                f"{record.unit_code} {record.unit_name}, record {record.reference}."
            )
        )
