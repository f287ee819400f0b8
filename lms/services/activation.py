"""Activation: staff imported without a password set their first one.

An HR import creates every login with an unusable password. A manager (for
their scopes) or an administrator (``lms.add_activationbatch``) chooses a
selection: the staff of a unit's subtree who have no password yet,
optionally of one position, optionally only those never signed in.

- **E-mail** (:func:`activation_send_start`): a task
  (``lms.tasks.activation_batch_send``) e-mails each selected employee who
  has an address a one-time link, in turns of ``ACTIVATION_TURN`` with the
  batch's progress; a schedule resumes a batch whose task was lost. Each
  link's e-mail is recorded as sent, so a turn run twice sends nothing twice
  (a link whose e-mail may not have gone out is replaced by a new one).
- **Printed codes** (:func:`activation_sheet`): for staff without an e-mail
  address, the manager downloads a sheet (``lms/activation_sheet.py``) of
  one-time codes, one slip per person. The codes exist only in that PDF:
  downloading it again replaces them.
- A secret (link token or code) is stored as a keyed digest only; it expires
  after ``ACTIVATION_DAYS`` days; it is used once; a newer one voids it
  (one live activation per employee, a database constraint); it is refused
  once the account has a password or the employee is inactive. Wrong codes
  count as failed sign-ins against the employee number and the client
  address (``lms.services.signin``).
- :func:`activation_complete` sets the password (Django's validators) and
  marks the activation used, under a row lock: two tabs cannot both use it.

Every sending, sheet and use is in the scoped audit log.
"""

from __future__ import annotations

import dataclasses
import datetime
import secrets

from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest
from django.template import loader
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django_q.tasks import async_task
from wagtail.log_actions import log
from wagtail.users.models import UserProfile

from lms.models import Activation, ActivationBatch, Employee, OrgUnit, Position, User
from lms.selectors.scope import subtree_filter, unit_visible_to
from lms.services import signin

SEND_PERMISSION = "lms.add_activationbatch"
SEND_TASK = "lms.tasks.activation_batch_send"
# Characters of a printed code: no 0/O, 1/I/L, which people misread.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10  # 31**10, about 8e14; and at most 5 tries per 15 minutes


def _digest(secret: str) -> str:
    return salted_hmac("lms.activation", secret, algorithm="sha256").hexdigest()


def code_normalise(text: str) -> str:
    """A code as typed: case, spaces and dashes do not matter."""
    return "".join(text.split()).replace("-", "").upper()


def code_printed(code: str) -> str:
    """``ABCDE-FGHJK``: two groups people can read out and type."""
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"


# --- Who is selected ------------------------------------------------------------


def _without_password() -> QuerySet[Employee]:
    """Active staff with an active login and no usable password."""
    return Employee.objects.filter(
        is_active=True,
        user__is_active=True,
        user__password__startswith=UNUSABLE_PASSWORD_PREFIX,
    )


def activation_selection(
    *,
    unit: OrgUnit,
    position: Position | None = None,
    never_signed_in: bool = False,
) -> QuerySet[Employee]:
    """Active staff of ``unit``'s subtree whose login is active and has no
    usable password yet (optionally of ``position``, optionally only those
    who never signed in)."""
    staff = _without_password().filter(unit__path__startswith=unit.path)
    if position is not None:
        staff = staff.filter(position=position)
    if never_signed_in:
        staff = staff.filter(user__last_login__isnull=True)
    return staff


@dataclasses.dataclass(frozen=True)
class SelectionCounts:
    selected: int
    with_email: int

    @property
    def without_email(self) -> int:
        return self.selected - self.with_email


def selection_counts(staff: QuerySet[Employee]) -> SelectionCounts:
    counts = staff.aggregate(
        selected=Count("pk"), with_email=Count("pk", filter=~Q(email=""))
    )
    return SelectionCounts(**counts)


def staff_without_signin(*, paths: list[str] | None = None) -> int:
    """How many active staff cannot sign in yet: no password, and no live
    activation that has not expired; in the subtrees of ``paths`` (every
    unit when ``None``). The import report and the activation screen say
    so."""
    live = Activation.objects.filter(
        employee=OuterRef("pk"),
        used_at__isnull=True,
        voided_at__isnull=True,
        expires_at__gt=timezone.now(),
    )
    staff = _without_password()
    if paths is not None:
        staff = staff.filter(subtree_filter(paths, "unit__path"))
    return staff.filter(~Exists(live)).count()


def _may_send(*, user: User, unit: OrgUnit) -> None:
    if not user.is_active or not user.has_perm(SEND_PERMISSION):
        raise PermissionDenied
    if not unit_visible_to(user=user, unit=unit):
        raise PermissionDenied


# --- Issuing -----------------------------------------------------------------------


def _issue(
    *,
    employees: list[Employee],
    kind: str,
    by: User | None,
    batch: ActivationBatch | None = None,
) -> list[tuple[Activation, str]]:
    """A new activation for each of ``employees`` (their live ones voided),
    with its secret, which is returned and never stored. Three statements."""
    now = timezone.now()
    expires = now + datetime.timedelta(days=settings.ACTIVATION_DAYS)
    issued = []
    for employee in employees:
        if kind == Activation.Kind.CODE:
            secret = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        else:
            secret = secrets.token_urlsafe(32)
        row = Activation(
            employee=employee,
            batch=batch,
            kind=kind,
            digest=_digest(secret),
            created_at=now,
            expires_at=expires,
            created_by=by,
        )
        issued.append((row, secret))
    with transaction.atomic():
        Activation.objects.filter(
            employee__in=[e.pk for e in employees],
            used_at__isnull=True,
            voided_at__isnull=True,
        ).update(voided_at=now)
        Activation.objects.bulk_create([row for row, _secret in issued])
    return issued


# --- E-mailed links -------------------------------------------------------------


def activation_send_start(
    *,
    user: User,
    unit: OrgUnit,
    position: Position | None = None,
    never_signed_in: bool = False,
) -> ActivationBatch:
    """Start e-mailing activation links to the selection (a task, after
    commit); the batch, with how many are selected and have an address."""
    _may_send(user=user, unit=unit)
    counts = selection_counts(
        activation_selection(
            unit=unit, position=position, never_signed_in=never_signed_in
        )
    )
    if counts.selected == 0:
        raise ValidationError(
            _("Nobody in this selection is waiting for activation."), code="empty"
        )
    with transaction.atomic():
        batch = ActivationBatch.objects.create(
            unit=unit,
            position=position,
            never_signed_in=never_signed_in,
            language=translation.get_language() or settings.LANGUAGE_CODE,
            selected=counts.selected,
            with_email=counts.with_email,
            created_by=user,
        )
        log(
            instance=unit,
            action="lms.activation_send",
            user=user,
            data={
                "batch": batch.pk,
                "selected": counts.selected,
                "with_email": counts.with_email,
                "position": position.code if position else None,
                "never_signed_in": never_signed_in,
            },
        )
        if counts.with_email:
            transaction.on_commit(lambda: _enqueue(batch.pk))
        else:
            batch.status = ActivationBatch.Status.DONE
            batch.finished_at = timezone.now()
            batch.save(update_fields=["status", "finished_at"])
    return batch


def _enqueue(batch_id: int) -> None:
    async_task(SEND_TASK, batch_id, task_name=f"activation:{batch_id}")


def _batch_staff(batch: ActivationBatch) -> QuerySet[Employee]:
    return activation_selection(
        unit=batch.unit,
        position=batch.position,
        never_signed_in=batch.never_signed_in,
    )


def _languages(employees: list[Employee], fallback: str) -> dict[int, str]:
    offered = dict(settings.LANGUAGES)
    chosen = dict(
        UserProfile.objects.filter(
            user_id__in=[e.user_id for e in employees]
        ).values_list("user_id", "preferred_language")
    )
    return {
        e.pk: chosen.get(e.user_id) if chosen.get(e.user_id) in offered else fallback
        for e in employees
    }


def _link_message(employee: Employee, secret: str, language: str):
    with translation.override(language):
        context = {
            "name": employee.name,
            "username": employee.employee_no,
            "link": settings.SITE_URL
            + reverse("activation_link", kwargs={"token": secret}),
            "days": settings.ACTIVATION_DAYS,
            "site_name": _("Rollout Academy"),
        }
        subject = loader.render_to_string("lms/activation/email_subject.txt", context)
        message = EmailMultiAlternatives(
            subject="".join(subject.splitlines()),
            body=loader.render_to_string("lms/activation/email.txt", context),
            to=[employee.email],
        )
        message.attach_alternative(
            loader.render_to_string("lms/activation/email.html", context),
            "text/html",
        )
        return message


def activation_batch_send(*, batch_id: int, turn: int | None = None) -> int:
    """E-mail the next ``turn`` selected staff of the batch who have an
    address and no link of this batch sent yet; enqueue the next turn while
    some are left. How many were sent."""
    turn = turn or settings.ACTIVATION_TURN
    batch = ActivationBatch.objects.select_related("unit", "position").get(pk=batch_id)
    if batch.status == ActivationBatch.Status.DONE:
        return 0
    sent_here = Activation.objects.filter(
        batch=batch, employee=OuterRef("pk"), sent_at__isnull=False
    )
    pending = list(
        _batch_staff(batch)
        .exclude(email="")
        .filter(~Exists(sent_here))
        .order_by("pk")[:turn]
    )
    if pending:
        issued = _issue(
            employees=pending,
            kind=Activation.Kind.LINK,
            by=batch.created_by,
            batch=batch,
        )
        languages = _languages(pending, batch.language)
        messages = [
            _link_message(row.employee, secret, languages[row.employee_id])
            for row, secret in issued
        ]
        with get_connection() as connection:
            connection.send_messages(messages)
        Activation.objects.filter(pk__in=[row.pk for row, _s in issued]).update(
            sent_at=timezone.now()
        )
    batch.sent = Activation.objects.filter(batch=batch, sent_at__isnull=False).count()
    if len(pending) == turn:
        batch.status = ActivationBatch.Status.SENDING
        batch.save(update_fields=["sent", "status", "touched_at"])
        _enqueue(batch.pk)
    else:
        batch.status = ActivationBatch.Status.DONE
        batch.finished_at = timezone.now()
        batch.save(update_fields=["sent", "status", "touched_at", "finished_at"])
    return len(pending)


def activation_batches_sweep(*, idle_minutes: int = 10) -> int:
    """Enqueue again the batches left unfinished with no progress for
    ``idle_minutes`` (their task was lost); how many."""
    idle = timezone.now() - datetime.timedelta(minutes=idle_minutes)
    stalled = list(
        ActivationBatch.objects.exclude(status=ActivationBatch.Status.DONE)
        .filter(touched_at__lt=idle)
        .values_list("pk", flat=True)
    )
    ActivationBatch.objects.filter(pk__in=stalled).update(touched_at=timezone.now())
    for pk in stalled:
        _enqueue(pk)
    return len(stalled)


# --- Printed codes ----------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class SheetSlip:
    employee_no: str
    name: str
    unit: str
    position: str
    code: str  # printed form


def activation_sheet_slips(
    *,
    user: User,
    unit: OrgUnit,
    position: Position | None = None,
    never_signed_in: bool = False,
) -> list[SheetSlip]:
    """New codes for the selected staff without an e-mail address (their
    earlier ones voided), as the slips of a sheet; audit-logged. Refused
    above ``ACTIVATION_SHEET_MAX`` people: a sheet is printed per unit."""
    _may_send(user=user, unit=unit)
    staff = (
        activation_selection(
            unit=unit, position=position, never_signed_in=never_signed_in
        )
        .filter(email="")
        .select_related("unit", "position")
        .order_by("unit__path", "employee_no")
    )
    limit = settings.ACTIVATION_SHEET_MAX
    employees = list(staff[: limit + 1])
    if len(employees) > limit:
        raise ValidationError(
            _(
                "More than %(limit)d people would be on this sheet: choose a "
                "unit lower in the tree."
            )
            % {"limit": limit},
            code="too_many",
        )
    if not employees:
        raise ValidationError(
            _("Nobody without an e-mail address is waiting for activation here."),
            code="empty",
        )
    issued = _issue(employees=employees, kind=Activation.Kind.CODE, by=user)
    log(
        instance=unit,
        action="lms.activation_sheet",
        user=user,
        data={"codes": len(issued), "position": position.code if position else None},
    )
    return [
        SheetSlip(
            employee_no=row.employee.employee_no,
            name=row.employee.name,
            unit=row.employee.unit.name,
            position=row.employee.position.name,
            code=code_printed(secret),
        )
        for row, secret in issued
    ]


# --- Using an activation ----------------------------------------------------------


class ActivationRefused(Exception):
    """Why a link or code does not activate (a sentence for the person);
    ``locked``: refused by a sign-in lock."""

    def __init__(self, reason: str, *, locked: bool = False) -> None:
        super().__init__(reason)
        self.locked = locked


def activation_usable(activation: Activation | None) -> Activation:
    """``activation`` if it can set a password now; otherwise why not."""
    if activation is None:
        raise ActivationRefused(
            _(
                "This activation link or code is not valid. Check it, or ask your "
                "manager for a new one."
            )
        )
    if activation.used_at is not None:
        raise ActivationRefused(
            _(
                "This activation was used already. Sign in with your password, or "
                "reset it if you forgot it."
            )
        )
    if activation.voided_at is not None:
        raise ActivationRefused(
            _(
                "This activation was replaced by a newer one: use the latest e-mail "
                "or sheet, or ask your manager."
            )
        )
    employee = activation.employee
    if not employee.is_active or not employee.user.is_active:
        raise ActivationRefused(_("This account is not active."))
    if employee.user.has_usable_password():
        raise ActivationRefused(
            _(
                "This account has a password already. Sign in, or reset the password "
                "if you forgot it."
            )
        )
    if activation.expires_at <= timezone.now():
        day = timezone.localtime(activation.expires_at).date().isoformat()
        raise ActivationRefused(
            _("This activation expired on %(day)s. Ask your manager for a new one.")
            % {"day": day}
        )
    return activation


def _by_digest(secret: str) -> Activation | None:
    return (
        Activation.objects.select_related("employee__user")
        .filter(digest=_digest(secret))
        .first()
    )


def activation_pending(*, activation_id: int | None) -> Activation:
    """The activation a session is setting a password with, still usable, or
    :class:`ActivationRefused`."""
    found = None
    if activation_id is not None:
        found = (
            Activation.objects.select_related("employee__user")
            .filter(pk=activation_id)
            .first()
        )
    return activation_usable(found)


def activation_from_link(*, token: str) -> Activation:
    """The activation of an e-mailed link, or :class:`ActivationRefused`."""
    found = _by_digest(token)
    if found is not None and found.kind != Activation.Kind.LINK:
        found = None
    return activation_usable(found)


def activation_from_code(
    *, request: HttpRequest, employee_no: str, code: str
) -> Activation:
    """The activation of a printed code for ``employee_no``, or
    :class:`ActivationRefused`. A wrong pair counts as a failed sign-in of
    that employee number and the client's address; while either is locked,
    nothing is checked."""
    employee_no = employee_no.strip()
    lock = signin.signin_lock(request, employee_no)
    if lock is not None:
        raise ActivationRefused(lock.message, locked=True)
    found = _by_digest(code_normalise(code))
    if (
        found is None
        or found.kind != Activation.Kind.CODE
        or found.employee.employee_no.casefold() != employee_no.casefold()
    ):
        lock = signin.signin_failed(request, employee_no)
        if lock is not None:
            raise ActivationRefused(lock.message, locked=True)
        raise ActivationRefused(
            _(
                "This employee number and activation code do not match. Check both, "
                "or ask your manager for a new code."
            )
        )
    return activation_usable(found)


@transaction.atomic
def activation_complete(*, activation_id: int, password: str) -> User:
    """Set the first password through a live activation (checked again under
    a row lock) and mark it used; the user. The password must already have
    passed the validators (Django's ``SetPasswordForm``)."""
    activation = activation_usable(
        Activation.objects.select_for_update()
        .select_related("employee__user")
        .filter(pk=activation_id)
        .first()
    )
    user = activation.employee.user
    user.set_password(password)
    user.save(update_fields=["password"])
    activation.used_at = timezone.now()
    activation.save(update_fields=["used_at"])
    signin.signin_clear(user.get_username())
    log(
        instance=activation.employee,
        action="lms.activation_use",
        user=user,
        data={"kind": activation.kind},
    )
    return user
