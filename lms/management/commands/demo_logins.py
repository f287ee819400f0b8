"""Print the demo accounts that exist, with their password and where to go."""

from __future__ import annotations

import unicodedata

from django.core.management.base import BaseCommand

from lms.demo import constants as c
from lms.demo.accounts import demo_accounts_present
from lms.roles import ROLE_LABELS


def _width(text: str) -> int:
    """Columns ``text`` takes in a terminal (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _table(rows: list[list[str]]) -> list[str]:
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for number, row in enumerate(rows):
        cells = [
            cell + " " * (w - _width(cell)) for cell, w in zip(row, widths, strict=True)
        ]
        lines.append("  ".join(cells).rstrip())
        if number == 0:
            lines.append("  ".join("-" * w for w in widths))
    return lines


class Command(BaseCommand):
    help = "List the demo accounts made by seed_demo: role, login, password, page."

    def handle(self, *args, **options) -> None:
        present = demo_accounts_present()
        if not present:
            self.stdout.write(
                "No demo accounts yet: run `python manage.py seed_demo` first."
            )
            return
        rows = [["role", "login", "password", "open", "who"]]
        for account, user in present:
            employee = getattr(user, "employee", None)
            who = (
                f"{employee.name}, {employee.position.name}, {employee.unit.name}"
                if employee
                else user.get_full_name()
            )
            rows.append(
                [
                    str(ROLE_LABELS[account.role]),
                    account.login,
                    c.DEMO_PASSWORD,
                    account.opens,
                    who,
                ]
            )
        self.stdout.write("Demo accounts (sign in at /accounts/login/ or /admin/):")
        for line in _table(rows):
            self.stdout.write("  " + line)
        self.stdout.write(
            "Passwords are set when seed_demo creates an account and kept if "
            "changed since; `seed_demo --reset-passwords` sets them again."
        )
