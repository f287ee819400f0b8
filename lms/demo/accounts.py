"""One demo account per role, with the shared demo password.

The employee and the manager are staff from the demo staff file: their login
is their employee number (the HR import keeps ``username = employee_no``, see
docs/decisions.md #1). The other four are accounts without an HR record.

A password is set only when the account has none that can be used (it was
just created, or the import created it with an unusable password), so a
second ``seed_demo`` keeps a password someone changed; ``reset_passwords``
sets the demo password again.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import Group
from django.db import transaction

from lms import roles
from lms.demo import constants as c
from lms.models import ManagerScope, OrgUnit, User


@dataclass(frozen=True)
class DemoAccount:
    role: str  # the group name, from lms.roles
    login: str
    opens: str  # where to go after signing in
    display_name: str = ""
    is_employee: bool = False  # the login is an employee number of the staff file
    scope_code: str = ""  # a ManagerScope on this unit
    superuser: bool = False


DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount(roles.EMPLOYEE, c.DEMO_EMPLOYEE_NO, "/my/", is_employee=True),
    DemoAccount(roles.TRAINER, "trainer", "/admin/", display_name="演示培训师"),
    DemoAccount(roles.APPROVER, "approver", "/admin/", display_name="演示审核人"),
    DemoAccount(
        roles.MANAGER,
        c.DEMO_MANAGER_NO,
        "/admin/ and /my/",
        is_employee=True,
        scope_code=c.DEMO_MANAGER_UNIT,
    ),
    DemoAccount(
        roles.LAUNCH_OFFICER,
        "launch",
        "/admin/",
        display_name="演示上线负责人",
        scope_code=c.DEMO_LAUNCH_SCOPE,
    ),
    DemoAccount(
        roles.ADMINISTRATOR,
        "admin",
        "/admin/",
        display_name="演示管理员",
        superuser=True,
    ),
)


@dataclass(frozen=True)
class AccountResult:
    account: DemoAccount
    user: User
    created: bool
    password_set: bool


class DemoAccountError(Exception):
    """A demo account cannot be made (its employee or scope unit is missing)."""


@transaction.atomic
def demo_accounts_ensure(
    *, password: str = c.DEMO_PASSWORD, reset_passwords: bool = False
) -> list[AccountResult]:
    """Create or complete every demo account: group, scope, superuser flag,
    and the password when the account has no usable one (or when asked)."""
    groups = roles.roles_sync()
    return [
        _account_ensure(
            account=account,
            group=groups[account.role],
            employees=groups[roles.EMPLOYEE],
            password=password,
            reset_password=reset_passwords,
        )
        for account in DEMO_ACCOUNTS
    ]


def _account_ensure(
    *,
    account: DemoAccount,
    group: Group,
    employees: Group,
    password: str,
    reset_password: bool,
) -> AccountResult:
    if account.is_employee:
        user = User.objects.filter(employee__employee_no=account.login).first()
        if user is None:
            raise DemoAccountError(
                f"{account.login} is not in the staff: import the demo staff first."
            )
        created = False
    else:
        user, created = User.objects.get_or_create(
            username=account.login,
            defaults={"first_name": account.display_name, "email": _email(account)},
        )
    changed: list[str] = []
    if account.superuser and not (user.is_superuser and user.is_staff):
        user.is_superuser = user.is_staff = True
        changed += ["is_superuser", "is_staff"]
    password_set = reset_password or created or not user.has_usable_password()
    if password_set:
        user.set_password(password)
        changed.append("password")
    if changed:
        user.save(update_fields=changed)
    user.groups.add(*([group, employees] if account.is_employee else [group]))
    if account.scope_code:
        unit = OrgUnit.objects.filter(code=account.scope_code).first()
        if unit is None:
            raise DemoAccountError(f"Unit {account.scope_code} is not in the tree.")
        ManagerScope.objects.get_or_create(user=user, unit=unit)
    return AccountResult(
        account=account, user=user, created=created, password_set=password_set
    )


def _email(account: DemoAccount) -> str:
    return f"{account.login}@{c.EMAIL_DOMAIN}"


def demo_accounts_present() -> list[tuple[DemoAccount, User]]:
    """The demo accounts that exist, in role order."""
    users = {
        user.username: user
        for user in User.objects.filter(
            username__in=[account.login for account in DEMO_ACCOUNTS]
        ).select_related("employee__unit", "employee__position")
    }
    return [
        (account, users[account.login])
        for account in DEMO_ACCOUNTS
        if account.login in users
    ]
