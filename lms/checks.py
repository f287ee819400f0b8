"""System checks of the project's own settings."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


@register(Tags.security, deploy=True)
def secret_key_is_not_the_development_key(**kwargs: Any) -> list[Error]:
    if settings.SECRET_KEY == settings.DEV_SECRET_KEY:
        return [
            Error(
                "DJANGO_SECRET_KEY is not set: the development key is in use.",
                hint="Set DJANGO_SECRET_KEY to a long random value in production.",
                id="rollout.E001",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def site_url_is_https(**kwargs: Any) -> list[Error]:
    if settings.HTTPS and not settings.SITE_URL.startswith("https://"):
        return [
            Error(
                "DJANGO_SITE_URL does not start with https://: certificate QR codes "
                "would point at an insecure address.",
                hint="Set DJANGO_SITE_URL to the public https:// address of the site.",
                id="rollout.E002",
            )
        ]
    return []


@register(deploy=True)
def mail_server_is_configured(**kwargs: Any) -> list[Warning]:
    if not settings.EMAIL_HOST:
        return [
            Warning(
                "DJANGO_EMAIL_HOST is not set: review notifications, activation "
                "links and password resets are printed to the console instead of "
                "being sent.",
                hint="Set DJANGO_EMAIL_HOST (and DJANGO_EMAIL_USER, "
                "DJANGO_EMAIL_PASSWORD, DJANGO_DEFAULT_FROM_EMAIL) to the group's "
                "SMTP server.",
                id="rollout.W001",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def two_factor_is_required(**kwargs: Any) -> list[Warning]:
    if settings.TWO_FACTOR != "required":
        return [
            Warning(
                f"DJANGO_TWO_FACTOR is {settings.TWO_FACTOR!r}: administrators, "
                "approvers and launch officers may use the administration with a "
                "password alone.",
                hint="Set DJANGO_TWO_FACTOR=required in production.",
                id="rollout.W002",
            )
        ]
    return []


@register(deploy=True)
def staff_have_a_way_to_sign_in(**kwargs: Any) -> list[Warning]:
    """Imported staff have no password: they need the company's single
    sign-on, or activation links by e-mail (printed codes alone do not scale
    to a group)."""
    if not (settings.SSO_ENABLED or settings.LDAP_ENABLED) and not settings.EMAIL_HOST:
        return [
            Warning(
                "Neither single sign-on, a directory nor a mail server is "
                "configured: staff "
                "imported without a password can be activated only with printed "
                "codes, and nobody can reset a forgotten password.",
                hint="Configure single sign-on (DJANGO_OIDC_*), the directory "
                "(DJANGO_LDAP_*) or DJANGO_EMAIL_HOST.",
                id="rollout.W003",
            )
        ]
    return []


@register()
def directory_can_be_used(**kwargs: Any) -> list[Error]:
    """LDAP is configured by the environment but installed as an extra: say
    so at start-up, not with a 500 at the first sign-in."""
    if not settings.LDAP_ENABLED:
        return []
    errors = []
    try:
        import django_auth_ldap  # noqa: F401
        import ldap  # noqa: F401
    except ImportError as error:
        errors.append(
            Error(
                "DJANGO_LDAP_SERVER_URI is set but the LDAP extra is missing "
                f"({error}).",
                hint='pip install -e ".[ldap]" (python-ldap builds against '
                "Debian's libldap2-dev and libsasl2-dev).",
                id="rollout.E003",
            )
        )
    if not settings.LDAP_USER_BASE:
        errors.append(
            Error(
                "DJANGO_LDAP_SERVER_URI is set but DJANGO_LDAP_USER_BASE is not: "
                "the directory cannot be searched for staff.",
                hint="Set DJANGO_LDAP_USER_BASE, e.g. ou=people,dc=example,dc=com.",
                id="rollout.E004",
            )
        )
    return errors
