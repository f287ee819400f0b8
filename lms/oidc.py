"""Single sign-on through the company's OpenID Connect directory
(mozilla-django-oidc; ``docs/decisions.md`` 24), off unless configured by the
environment (``config/settings.py``: ``DJANGO_OIDC_*``).

The directory says who the person is; the HR feed says who is staff. A
sign-in maps one claim (``OIDC_EMPLOYEE_CLAIM``, e.g. ``employee_no``) to the
login of an **active employee**: it never creates a login (the HR import
does), and it refuses an unknown number, an inactive employee or login, and
an answer without the claim. A refused sign-in ends on a page that says so.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from lms.auth import EmployeeBackend
from lms.models import User


class EmployeeOIDCBackend(OIDCAuthenticationBackend):
    def _number(self, claims: dict) -> str:
        value = claims.get(settings.OIDC_EMPLOYEE_CLAIM)
        return str(value).strip() if value not in (None, "") else ""

    def verify_claims(self, claims: dict) -> bool:
        return bool(self._number(claims))

    def filter_users_by_claims(self, claims: dict) -> QuerySet[User]:
        number = self._number(claims)
        if not number:
            return User.objects.none()
        return User.objects.filter(
            username=number, is_active=True, employee__is_active=True
        )

    def create_user(self, claims: dict) -> None:
        """Never: staff come from the HR feed only."""
        return None

    def update_user(self, user: User, claims: dict) -> User:
        """The HR feed owns names and addresses: nothing is copied."""
        return user

    def get_user(self, user_id):
        """The signed-in user with their employee record, as every page reads
        it (``lms.auth.EmployeeBackend``)."""
        return EmployeeBackend().get_user(user_id)
