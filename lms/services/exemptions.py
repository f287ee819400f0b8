"""Exemptions: who proposes, who decides, the cap, the audit log.

- A manager (``lms.add_exemption``) proposes an exemption of an employee of
  their scopes from a policy assigned to them, with a reason and an end date
  (a year at most).
- A manager of a unit above the employee's unit, or an administrator
  (``lms.change_exemption``, and never the proposer), approves or rejects it.
  Approval is refused when the unit at the policy's threshold level that
  holds the employee already has as many exempt staff as the policy's cap
  allows (``exemption_cap_percent`` of its assigned staff, rounded down;
  readiness applies the same cap, ``lms.selectors.readiness``).
- The same deciders may end an approved exemption early; it counts again at
  once (the readiness lock is taken: ending lowers readiness).

Every step is in Wagtail's audit log with who and why.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from cms.models import PolicyPage
from lms.models import Assignment, Employee, Exemption, OrgUnit, User
from lms.selectors.scope import scope_paths_for, unit_visible_to
from lms.services.locks import readiness_lock
from lms.services.readiness_counts import exempt_now

LONGEST = datetime.timedelta(days=366)


def exemption_may_decide(*, user: User, exemption: Exemption) -> bool:
    """A manager of a unit above the employee's, or an administrator; never
    the person who proposed it."""
    if not user.is_active or not user.has_perm("lms.change_exemption"):
        return False
    if user.pk == exemption.proposed_by_id:
        return False
    paths = scope_paths_for(user=user)
    if paths is None:
        return True
    unit_path = exemption.employee.unit.path
    return any(unit_path.startswith(p) and len(p) < len(unit_path) for p in paths)


@transaction.atomic
def exemption_propose(
    *,
    employee: Employee,
    policy: PolicyPage,
    user: User,
    reason: str,
    ends_on: datetime.date,
    starts_on: datetime.date | None = None,
) -> Exemption:
    if not user.has_perm("lms.add_exemption") or not unit_visible_to(
        user=user, unit=employee.unit
    ):
        raise PermissionDenied(_("You may not propose exemptions for this employee."))
    reason = (reason or "").strip()
    today = timezone.localdate()
    starts_on = starts_on or today
    errors = {}
    if not reason:
        errors["reason"] = _("Say why the employee is exempt.")
    if starts_on < today:
        errors["starts_on"] = _("An exemption cannot start in the past.")
    if ends_on < starts_on:
        errors["ends_on"] = _("The end date is before the start date.")
    elif ends_on - starts_on > LONGEST:
        errors["ends_on"] = _(
            "An exemption lasts a year at most; propose another then."
        )
    if errors:
        raise ValidationError(errors)
    if not Assignment.objects.filter(
        employee=employee, policy=policy, is_active=True
    ).exists():
        raise ValidationError(_("This employee is not assigned this measure."))
    if Exemption.objects.filter(
        employee=employee,
        policy=policy,
        status__in=[Exemption.Status.PROPOSED, Exemption.Status.APPROVED],
        starts_on__lte=ends_on,
        ends_on__gte=starts_on,
    ).exists():
        raise ValidationError(
            _("An exemption of these dates is already proposed or approved.")
        )
    exemption = Exemption.objects.create(
        employee=employee,
        policy=policy,
        reason=reason,
        starts_on=starts_on,
        ends_on=ends_on,
        proposed_by=user,
        proposed_at=timezone.now(),
    )
    _log(exemption, "lms.exemption_propose", user, reason=reason)
    return exemption


def threshold_unit_of(*, unit: OrgUnit, level: str) -> OrgUnit:
    """The unit at ``level`` holding ``unit`` (itself when it is above it)."""
    if unit.level == level:
        return unit
    return unit.get_ancestors().filter(level=level).first() or unit


def _cap_left(exemption: Exemption) -> bool:
    """Whether one more exempt employee fits the cap of the employee's unit
    at the threshold level (today's figures)."""
    policy = exemption.policy
    unit = threshold_unit_of(unit=exemption.employee.unit, level=policy.threshold_level)
    now = timezone.now()
    rows = Assignment.objects.filter(
        policy=policy,
        is_active=True,
        employee__is_active=True,
        employee__unit__path__startswith=unit.path,
    )
    everyone = rows.count()
    exempt = rows.filter(exempt_now(policy, now)).count()
    return exempt + 1 <= policy.exemption_cap_percent * everyone // 100


@transaction.atomic
def exemption_decide(
    *, exemption: Exemption, user: User, approve: bool, note: str = ""
) -> Exemption:
    exemption = (
        Exemption.objects.select_for_update()
        .select_related("employee__unit", "policy")
        .get(pk=exemption.pk)
    )
    if not exemption_may_decide(user=user, exemption=exemption):
        raise PermissionDenied(_("You may not decide this exemption."))
    if exemption.status != Exemption.Status.PROPOSED:
        raise ValidationError(_("This exemption has been decided already."))
    note = (note or "").strip()
    if approve and not _cap_left(exemption):
        raise ValidationError(
            _(
                "The cap is reached: at most %(cap)d %% of the unit's assigned "
                "staff may be exempt from this measure."
            )
            % {"cap": exemption.policy.exemption_cap_percent}
        )
    if not approve and not note:
        raise ValidationError({"note": _("Say why the exemption is rejected.")})
    exemption.status = (
        Exemption.Status.APPROVED if approve else Exemption.Status.REJECTED
    )
    exemption.decided_by = user
    exemption.decided_at = timezone.now()
    exemption.decision_note = note
    exemption.save(
        update_fields=["status", "decided_by", "decided_at", "decision_note"]
    )
    action = "lms.exemption_approve" if approve else "lms.exemption_reject"
    _log(exemption, action, user, reason=note)
    return exemption


@transaction.atomic
def exemption_end(*, exemption: Exemption, user: User, note: str) -> Exemption:
    """End an approved exemption today: the employee counts again at once."""
    exemption = (
        Exemption.objects.select_for_update()
        .select_related("employee__unit", "policy")
        .get(pk=exemption.pk)
    )
    if not exemption_may_decide(user=user, exemption=exemption):
        raise PermissionDenied(_("You may not end this exemption."))
    if exemption.status != Exemption.Status.APPROVED:
        raise ValidationError(_("Only an approved exemption can be ended."))
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Say why the exemption ends early.")})
    readiness_lock(policy_ids=[exemption.policy_id])
    exemption.status = Exemption.Status.ENDED
    exemption.decision_note = note
    exemption.save(update_fields=["status", "decision_note"])
    _log(exemption, "lms.exemption_end", user, reason=note)
    return exemption


def _log(exemption: Exemption, action: str, user: User, **data) -> None:
    log(instance=exemption, action=action, user=user, data=data)
