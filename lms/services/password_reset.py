"""A forgotten password: a one-time link by e-mail, asked for by employee
number or e-mail address.

- The answer is the same whether or not an account exists, and it takes the
  same time: the e-mail is sent by a task (``lms.tasks.password_reset_mail``)
  after the request has been answered, never inside it.
- Only active accounts with a usable password get a link: staff who never
  had one are activated (the activation sheet or e-mail), and accounts signed
  in through the company's directory have none here.
- The link is Django's (``default_token_generator``): signed, valid for
  ``PASSWORD_RESET_TIMEOUT`` seconds, void once the password changes or the
  account signs in again.
- The e-mail is written in the account's language (its profile's, else the
  language of the page that asked).
- Limits: ``PASSWORD_RESET_ACCOUNT_MAILS`` e-mails per account an hour
  (beyond, nothing more is sent, and the answer is unchanged), and
  ``PASSWORD_RESET_ADDRESS_REQUESTS`` requests per client address an hour
  (beyond, the page says to wait: that tells nothing about any account).
- Nothing is stored about a request: a lost task means a lost e-mail, and the
  person asks again (the page says so).
"""

from __future__ import annotations

import enum
import secrets

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.template import loader
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django_q.tasks import async_task
from wagtail.log_actions import log
from wagtail.users.models import UserProfile

from certificates.verification import client_address
from lms.models import User
from lms.services import signin

MAIL_TASK = "lms.tasks.password_reset_mail"
HOUR = 60 * 60


class Outcome(enum.Enum):
    ACCEPTED = "accepted"  # whatever was sent, the page says the same
    TOO_MANY = "too_many"  # this client address asked too often


def too_many_message() -> str:
    return _(
        "Too many password reset requests from this network. Try again in an hour."
    )


def reset_users(login: str) -> list[User]:
    """Active accounts with a usable password whose employee number is
    ``login``, or whose e-mail address is."""
    login = login.strip()
    if not login:
        return []
    users = User.objects.filter(is_active=True).filter(
        Q(username__iexact=login) | (Q(email__iexact=login) & ~Q(email=""))
    )
    return [user for user in users if user.has_usable_password()]


def password_reset_request(*, request: HttpRequest, login: str) -> Outcome:
    """Send a reset link to the accounts ``login`` names (none, one, or
    several sharing an e-mail address), by a task after commit."""
    address_key = "password-reset:address:" + signin.subject_digest(
        signin.ADDRESS, client_address(request)
    )
    if (
        signin.window_count(address_key, HOUR)
        > settings.PASSWORD_RESET_ADDRESS_REQUESTS
    ):
        return Outcome.TOO_MANY
    language = translation.get_language()
    for user in reset_users(login):
        if signin.window_count(f"password-reset:account:{user.pk}", HOUR) > (
            settings.PASSWORD_RESET_ACCOUNT_MAILS
        ):
            continue
        nonce = secrets.token_urlsafe(16)
        transaction.on_commit(
            lambda pk=user.pk, nonce=nonce: async_task(
                MAIL_TASK, pk, nonce, language, task_name=f"password-reset:{nonce}"
            )
        )
    return Outcome.ACCEPTED


def _language_of(user: User, fallback: str) -> str:
    preferred = UserProfile.get_for_user(user).preferred_language
    languages = dict(settings.LANGUAGES)
    return preferred if preferred in languages else fallback


def password_reset_mail(*, user_id: int, nonce: str, language: str) -> bool:
    """Send the reset e-mail of one request (once, whatever the retries:
    ``nonce``); whether it was sent."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.has_usable_password() or not user.email:
        return False
    if not cache.add(f"password-reset:sent:{nonce}", 1, HOUR):
        return False
    with translation.override(_language_of(user, language)):
        link = settings.SITE_URL + reverse(
            "password_reset_confirm",
            kwargs={
                "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                "token": default_token_generator.make_token(user),
            },
        )
        context = {
            "user": user,
            "name": user.get_full_name(),
            "username": user.get_username(),
            "link": link,
            "hours": settings.PASSWORD_RESET_TIMEOUT // HOUR,
            "site_name": _("Rollout Academy"),
        }
        subject = loader.render_to_string(
            "registration/password_reset_subject.txt", context
        )
        message = EmailMultiAlternatives(
            subject="".join(subject.splitlines()),
            body=loader.render_to_string(
                "registration/password_reset_email.txt", context
            ),
            to=[user.email],
        )
        message.attach_alternative(
            loader.render_to_string("registration/password_reset_email.html", context),
            "text/html",
        )
        message.send()
    return True


def password_reset_done(*, user: User) -> None:
    """A password set from a reset link: the account's sign-in lock is lifted
    (the person proved they hold its e-mail), and the audit log says so."""
    signin.signin_clear(user.get_username())
    log(
        instance=signin.log_subject(user),
        action="lms.password_reset",
        user=user,
        data={"username": user.get_username()},
    )
