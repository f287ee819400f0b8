"""``manage.py readiness POLICY_CODE [--unit CODE] [--depth N] [--json]
[--verify]``: is a measure ready in a unit? The figures of the unit and the
units below it, per position, and what blocks it."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from cms.models import PolicyPage
from lms.models import OrgUnit
from lms.selectors.readiness import Readiness, readiness_data, readiness_for
from lms.selectors.readiness_check import readiness_differences
from lms.services.readiness_counts import stored_differences


class Command(BaseCommand):
    help = "Readiness of a measure in a unit and below, with what blocks it."

    def add_arguments(self, parser):
        parser.add_argument("policy_code")
        parser.add_argument("--unit", help="unit code (default: the top of the tree)")
        parser.add_argument("--depth", type=int, default=1, help="levels shown below")
        parser.add_argument("--json", action="store_true", help="print JSON")
        parser.add_argument(
            "--verify",
            action="store_true",
            help=(
                "recount the stored counts and every unit's figures from the "
                "rows; exit 1 on any difference"
            ),
        )

    def handle(self, *args, policy_code, unit, depth, json: bool, verify, **options):
        policy = PolicyPage.objects.filter(code=policy_code).first()
        if policy is None:
            raise CommandError(f"There is no policy with the code {policy_code}.")
        scope = (
            OrgUnit.objects.filter(code=unit).first()
            if unit
            else OrgUnit.get_first_root_node()
        )
        if scope is None:
            raise CommandError(f"There is no unit with the code {unit}.")
        if verify:
            differences = stored_differences(
                policy=policy, scope=scope
            ) + readiness_differences(policy=policy, scope=scope)
            for line in differences:
                self.stdout.write(line)
            if differences:
                raise CommandError(f"{len(differences)} unit(s) differ.", returncode=1)
            self.stdout.write("Every unit's figures match a recount from the rows.")
            return
        readiness = readiness_for(policy=policy, scope=scope, depth=max(depth, 0))
        if json:
            self.stdout.write(_dumps(readiness_data(readiness)))
            return
        self._table(readiness)

    def _table(self, readiness: Readiness) -> None:
        out = self.stdout.write
        verdict = (
            "NOTHING TO TRAIN"
            if readiness.nothing_to_train
            else ("READY" if readiness.ready else "NOT READY")
        )
        out(
            f"{readiness.policy.code} v{readiness.policy.version} in "
            f"{readiness.scope.code} {readiness.scope.name}: {verdict}"
        )
        out(f"{'unit':<28} {'certified':>9} {'assigned':>9} {'%':>6}")
        for row in readiness.units:
            name = "  " * row.level_below + f"{row.unit.code} {row.unit.name}"
            percent = "—" if row.figures.percent is None else f"{row.figures.percent}"
            out(
                f"{name[:28]:<28} {row.figures.certified:>9} "
                f"{row.figures.assigned:>9} {percent:>6}"
            )
        for item in readiness.positions:
            limit = f" (threshold {item.threshold} %)" if item.threshold else ""
            out(
                f"position {item.position.code}: {item.figures.certified}/"
                f"{item.figures.assigned}{limit}"
            )
        for blocker in readiness.blockers:
            out(
                f"BLOCKER {blocker.kind} {blocker.code} {blocker.name}: "
                f"{blocker.figures.certified}/{blocker.figures.assigned} "
                f"({blocker.figures.percent} % < {blocker.threshold} %), "
                f"{blocker.missing} more to certify"
            )


def _dumps(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)
