"""Two-factor sign-in (TOTP, django-otp) for the administration.

- ``TWO_FACTOR = "optional"`` (the default): anyone who uses the
  administration may set up an authenticator app (My account); once set up,
  the administration asks for its six-digit code after the password, once
  per session.
- ``TWO_FACTOR = "required"`` (production, ``DJANGO_TWO_FACTOR``; ``check
  --deploy`` warns otherwise): members of ``TWO_FACTOR_ROLES``
  (administrators, approvers and launch officers) and superusers must set one
  up before the administration opens for them.
- ``TWO_FACTOR = "off"``: never asked.

Wrong codes count as failed sign-ins of the account and the address
(``lms.services.signin``); the device's own throttling doubles its wait after
each failure as well. An administrator removes a lost phone's device
(:func:`two_factor_reset`, audit-logged); the person sets up a new one at
their next sign-in.
"""

from __future__ import annotations

from base64 import b32encode

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils.html import escape
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice
from wagtail.log_actions import log

from certificates.pdf import qr_runs
from lms.models import User
from lms.services import signin

DEVICE_NAME = "authenticator"
# In a session: its user has no device and need not have one, so the
# administration does not ask (``lms.middleware``). Set at sign-in, when the
# session is written anyway: no query or session write per page. A device
# set up later, or a role that comes to require one, counts from the next
# sign-in (or after "End all sessions").
NOT_ASKED = "_two_factor_not_asked"


def two_factor_required(user: User) -> bool:
    """Whether ``user`` must have a device before using the administration."""
    if settings.TWO_FACTOR != "required" or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return _in_roles(user.pk)


def _in_roles(user_id: int) -> bool:
    # Not cached across requests: a role granted or removed counts at once.
    return User.objects.filter(
        pk=user_id, groups__name__in=settings.TWO_FACTOR_ROLES
    ).exists()


def two_factor_step(user: User) -> str | None:
    """What the administration asks of ``user`` before it opens:
    ``"verify"`` (a device is set up), ``"setup"`` (one is required), or
    ``None``."""
    if confirmed_device(user) is not None:
        return "verify"
    if two_factor_required(user):
        return "setup"
    return None


def note_step(request: HttpRequest, user: User) -> str | None:
    """:func:`two_factor_step`, noted in the session when it is ``None``
    (:data:`NOT_ASKED`)."""
    step = two_factor_step(user)
    if step is None:
        request.session[NOT_ASKED] = user.pk
    else:
        request.session.pop(NOT_ASKED, None)
    return step


def signed_in(sender, request=None, user=None, **kwargs) -> None:
    """``user_logged_in``: the note of :func:`note_step`, made while the
    session is written anyway."""
    if request is not None and settings.TWO_FACTOR != "off":
        note_step(request, user)


def confirmed_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def session_verified(request: HttpRequest) -> bool:
    """The session was verified with a device of its user."""
    return bool(request.session.get(DEVICE_ID_SESSION_KEY))


def two_factor_enrolment(*, user: User) -> TOTPDevice:
    """The unconfirmed device ``user`` is setting up (a new secret the first
    time)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def secret_text(device: TOTPDevice) -> str:
    """The secret as people type it into an app: base32, in groups of four."""
    text = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def qr_svg(data: str, *, label: str, size: int = 200) -> str:
    """An inline SVG QR code of ``data`` (the app's ``otpauth://`` address),
    from the certificates' encoder: no image library."""
    count, runs = qr_runs(data)
    quiet = 2
    side = count + 2 * quiet
    parts = [
        f"M{column + quiet} {row + quiet}h{length}v1h-{length}z"
        for row, column, length in runs
    ]
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {side} {side}" '
        f'width="{size}" height="{size}" role="img" '
        f'aria-label="{escape(label)}">'
        f'<rect width="{side}" height="{side}" fill="#fff"/>'
        f'<path d="{"".join(parts)}" fill="#000"/></svg>'
    )


def _checked(request: HttpRequest, user: User, device: TOTPDevice, code: str):
    """Whether ``code`` is the device's current code; a wrong one counts as a
    failed sign-in. A :class:`signin.Lock` while locked."""
    username = user.get_username()
    lock = signin.signin_lock(request, username)
    if lock is not None:
        return lock
    code = "".join(code.split())
    if code.isdigit() and len(code) == device.digits and device.verify_token(code):
        signin.signin_succeeded(username)
        return True
    return signin.signin_failed(request, username) or False


@transaction.atomic
def two_factor_confirm(*, request: HttpRequest, device: TOTPDevice, code: str):
    """Confirm a device being set up with its first code, and verify this
    session with it: ``True``, ``False`` (wrong code) or a lock."""
    result = _checked(request, request.user, device, code)
    if result is True:
        TOTPDevice.objects.filter(user=request.user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        otp_login(request, device)
        log(
            instance=signin.log_subject(request.user),
            action="lms.two_factor_setup",
            user=request.user,
            data={"username": request.user.get_username()},
        )
    return result


def two_factor_verify(*, request: HttpRequest, code: str):
    """Verify this session with the user's device: ``True``, ``False`` or a
    lock."""
    device = confirmed_device(request.user)
    if device is None:
        return False
    result = _checked(request, request.user, device, code)
    if result is True:
        otp_login(request, device)
    return result


def two_factor_reset(*, user: User, by: User) -> int:
    """Remove ``user``'s devices (a lost phone; audit-logged); how many."""
    removed, _ = TOTPDevice.objects.filter(user=user).delete()
    log(
        instance=signin.log_subject(user),
        action="lms.two_factor_reset",
        user=by,
        data={"username": user.get_username(), "devices": removed},
    )
    return removed
