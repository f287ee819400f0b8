"""Sign-in protection: failed sign-ins limited per account and per client
address, and the sessions of an account ended at once.

Employee numbers are easy to guess, so the sign-in forms (the site's and the
admin's, ``lms.forms.EmployeeNumberLoginForm``) count failures in the cache
(Redis when ``REDIS_URL`` is set, shared by every web process):

- an **account** (the employee number as typed, whether or not it exists, so
  a lock tells nothing about existence) is locked after
  ``SIGNIN_ACCOUNT_FAILURES`` failures within ``SIGNIN_LOCKOUT_SECONDS``: one
  person's password guessed from many addresses;
- a **client address** (``certificates.verification.client_address``, behind
  ``NUM_PROXIES`` trusted proxies) after ``SIGNIN_ADDRESS_FAILURES``: many
  accounts tried from one machine. Its limit is higher, because a business
  hall signs its whole staff in behind one address.

While a lock lasts the password is not even checked, and the form says how
long to wait. A successful sign-in clears its account's failures (never the
address's); an administrator can clear an account's lock
(:func:`signin_unlock`), and a password reset clears it too. Counts and
locks expire on their own: nothing to sweep. Why not django-axes:
``docs/decisions.md`` 23.

:func:`user_sessions_end` signs an account out of every browser (a lost
phone): the account's session epoch is raised, and every session signed in
before no longer matches its hash (``lms.models.User``), so Django flushes it
on its next request, whatever the session store.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import math

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from wagtail.log_actions import log

from certificates.verification import client_address
from lms.models import Employee, User

ACCOUNT = "account"
ADDRESS = "address"


@dataclasses.dataclass(frozen=True)
class Lock:
    """A lock in force: on an ``account`` or a client ``address``, until."""

    kind: str
    until: datetime.datetime

    @property
    def minutes(self) -> int:
        """Whole minutes left to wait, at least one."""
        seconds = (self.until - timezone.now()).total_seconds()
        return max(1, math.ceil(seconds / 60))

    @property
    def message(self) -> str:
        minutes = self.minutes
        if self.kind == ACCOUNT:
            return ngettext(
                "Too many failed sign-ins with this employee number. Try again "
                "in %(minutes)d minute, reset your password, or ask an "
                "administrator to unlock it.",
                "Too many failed sign-ins with this employee number. Try again "
                "in %(minutes)d minutes, reset your password, or ask an "
                "administrator to unlock it.",
                minutes,
            ) % {"minutes": minutes}
        return ngettext(
            "Too many failed sign-ins from this network. Try again in "
            "%(minutes)d minute.",
            "Too many failed sign-ins from this network. Try again in "
            "%(minutes)d minutes.",
            minutes,
        ) % {"minutes": minutes}


@dataclasses.dataclass(frozen=True)
class SigninState:
    """What the admin shows of an account: recent failures and a lock."""

    failures: int
    locked_until: datetime.datetime | None

    def __str__(self) -> str:
        if self.locked_until is not None:
            when = timezone.localtime(self.locked_until).strftime("%Y-%m-%d %H:%M")
            return _("Locked until %(when)s (%(failures)d failed sign-ins)") % {
                "when": when,
                "failures": self.failures,
            }
        if self.failures:
            return ngettext(
                "%(failures)d failed sign-in lately",
                "%(failures)d failed sign-ins lately",
                self.failures,
            ) % {"failures": self.failures}
        return _("No failed sign-ins lately")


def _limit(kind: str) -> int:
    if kind == ACCOUNT:
        return settings.SIGNIN_ACCOUNT_FAILURES
    return settings.SIGNIN_ADDRESS_FAILURES


def subject_digest(kind: str, value: str) -> str:
    """The cache key's subject: a digest, so that no employee number or
    address is written in the cache in clear."""
    if kind == ACCOUNT:
        value = value.strip().casefold()
    return hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()[:32]


def _keys(kind: str, value: str) -> tuple[str, str]:
    subject = subject_digest(kind, value)
    return f"signin:failures:{subject}", f"signin:lock:{subject}"


def window_count(key: str, seconds: int) -> int:
    """Count one more under ``key``, a count that starts with its first and
    expires ``seconds`` later; the count so far (atomic with Redis)."""
    if cache.add(key, 1, seconds):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, seconds)
        return 1


def _subjects(request: HttpRequest, username: str) -> list[tuple[str, str]]:
    return [(ACCOUNT, username), (ADDRESS, client_address(request))]


def signin_lock(request: HttpRequest, username: str) -> Lock | None:
    """The lock that stops this sign-in now (the account's first), or
    ``None``."""
    for kind, value in _subjects(request, username):
        until = cache.get(_keys(kind, value)[1])
        if until is not None and until > timezone.now():
            return Lock(kind=kind, until=until)
    return None


def signin_failed(request: HttpRequest, username: str) -> Lock | None:
    """Count a failed sign-in against the account and the client address;
    the lock it sets off, if any."""
    window = settings.SIGNIN_LOCKOUT_SECONDS
    lock = None
    for kind, value in _subjects(request, username):
        failures_key, lock_key = _keys(kind, value)
        failures = window_count(failures_key, window)
        if failures >= _limit(kind):
            until = timezone.now() + datetime.timedelta(seconds=window)
            cache.set(lock_key, until, window)
            # The next failure after the lock starts a new count.
            cache.delete(failures_key)
            lock = lock or Lock(kind=kind, until=until)
    return lock


def signin_succeeded(username: str) -> None:
    """A correct password: the account's failures are forgotten."""
    cache.delete(_keys(ACCOUNT, username)[0])


def signin_state(username: str) -> SigninState:
    failures_key, lock_key = _keys(ACCOUNT, username)
    until = cache.get(lock_key)
    if until is not None and until <= timezone.now():
        until = None
    failures = cache.get(failures_key, 0)
    if until is not None:
        failures = max(failures, settings.SIGNIN_ACCOUNT_FAILURES)
    return SigninState(failures=failures, locked_until=until)


def signin_clear(username: str) -> bool:
    """Forget the account's failures and lift its lock; whether it was
    locked."""
    failures_key, lock_key = _keys(ACCOUNT, username)
    was_locked = signin_state(username).locked_until is not None
    cache.delete_many([failures_key, lock_key])
    return was_locked


def log_subject(user: User):
    """An employee's log entries are scoped like their unit."""
    return Employee.objects.filter(user=user).first() or user


def signin_unlock(*, user: User, by: User) -> bool:
    """An administrator lifts ``user``'s sign-in lock (audit-logged);
    whether there was one."""
    was_locked = signin_clear(user.get_username())
    log(
        instance=log_subject(user),
        action="lms.signin_unlock",
        user=by,
        data={"username": user.get_username(), "was_locked": was_locked},
    )
    return was_locked


@transaction.atomic
def user_sessions_end(*, user: User, by: User) -> None:
    """Sign ``user`` out of every browser and device at their next request
    (audit-logged). Their password is unchanged."""
    User.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
    user.refresh_from_db(fields=["session_epoch"])
    log(
        instance=log_subject(user),
        action="lms.sessions_end",
        user=by,
        data={"username": user.get_username()},
    )
