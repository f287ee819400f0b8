"""Sign-in with the company directory's password: LDAP or Active Directory
(django-auth-ldap, ``docs/decisions.md`` 25), off unless
``DJANGO_LDAP_SERVER_URI`` is set, and only installed with the optional
extra (``pip install -e ".[ldap]"``: python-ldap builds against Debian's
``libldap2-dev`` and ``libsasl2-dev``).

Staff type their employee number (or whatever the directory's search filter
``DJANGO_LDAP_USER_FILTER`` matches, e.g. an AD account name) and their
directory password on the usual sign-in form, so the sign-in limits of
``lms.services.signin`` apply as to any password. The backend searches the
directory with a service account, binds as the person found to check the
password, then reads one attribute (``DJANGO_LDAP_EMPLOYEE_ATTR``, e.g.
``employeeNumber``) and maps it to the login of an **active employee**.

As with single sign-on (``lms.oidc``), the directory says who the person is
and the HR feed says who is staff: nobody is created (django-auth-ldap's
``NO_NEW_USERS``), nothing is copied from the directory (the HR feed owns
names and addresses), the directory grants no permissions (roles are the
administration's groups), and an unknown or inactive employee is refused.
When the directory does not answer, the sign-in says so and is not counted
as a failed password.
"""

from __future__ import annotations

import ldap
from django.conf import settings
from django.dispatch import receiver
from django_auth_ldap.backend import LDAPBackend, ldap_error
from django_auth_ldap.config import LDAPSearch

from lms.auth import EmployeeBackend
from lms.forms import ldap_unavailable
from lms.models import User


class EmployeeLDAPBackend(LDAPBackend):
    @property
    def default_settings(self) -> dict:
        """django-auth-ldap's settings from the project's (``DJANGO_LDAP_*``);
        an ``AUTH_LDAP_*`` Django setting still overrides its counterpart."""
        attribute = settings.LDAP_EMPLOYEE_ATTR
        timeout = settings.LDAP_TIMEOUT
        return {
            "SERVER_URI": settings.LDAP_SERVER_URI,
            "BIND_DN": settings.LDAP_BIND_DN,
            "BIND_PASSWORD": settings.LDAP_BIND_PASSWORD,
            "START_TLS": settings.LDAP_START_TLS,
            "USER_SEARCH": LDAPSearch(
                settings.LDAP_USER_BASE,
                ldap.SCOPE_SUBTREE,
                settings.LDAP_USER_FILTER,
                attrlist=[attribute],
            ),
            "USER_ATTRLIST": [attribute],
            "CONNECTION_OPTIONS": {
                ldap.OPT_NETWORK_TIMEOUT: timeout,
                ldap.OPT_TIMEOUT: timeout,
                # Active Directory's referrals would need credentials of their own.
                ldap.OPT_REFERRALS: 0,
            },
            "NO_NEW_USERS": True,
            "ALWAYS_UPDATE_USER": False,
        }

    def get_or_build_user(self, username: str, ldap_user) -> tuple[User, bool]:
        """The active employee whose number the directory entry holds; an
        unsaved, "built" user otherwise, which ``NO_NEW_USERS`` refuses."""
        number = employee_number(ldap_user.attrs or {})
        user = None
        if number:
            user = User.objects.filter(
                username=number, is_active=True, employee__is_active=True
            ).first()
        if user is None:
            return User(username=number or username), True
        return user, False

    def get_user(self, user_id):
        """The signed-in user with their employee record, as every page reads
        it (``lms.auth.EmployeeBackend``)."""
        return EmployeeBackend().get_user(user_id)

    # The directory grants no permissions: roles are the administration's
    # groups, read by lms.auth.EmployeeBackend.
    def get_all_permissions(self, user, obj=None) -> set[str]:
        return set()

    def get_group_permissions(self, user, obj=None) -> set[str]:
        return set()

    def has_perm(self, user, perm, obj=None) -> bool:
        return False

    def has_module_perms(self, user, app_label) -> bool:
        return False


def employee_number(attrs: dict) -> str:
    """The employee number of a directory entry's attributes (names are
    case-insensitive in LDAP), or ``""``."""
    wanted = settings.LDAP_EMPLOYEE_ATTR.casefold()
    for name, values in attrs.items():
        if name.casefold() == wanted and values:
            return str(values[0]).strip()
    return ""


@receiver(ldap_error, dispatch_uid="lms.ldap_auth.directory_unavailable")
def directory_unavailable(sender, context, user, request, exception, **kwargs):
    """The directory did not answer (down, timed out, the service account
    refused): the sign-in form says so instead of "wrong password"."""
    if request is not None:
        setattr(request, ldap_unavailable, True)
