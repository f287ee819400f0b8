"""Launching a policy to the public, in the whole group or one unit's
subtree, and withdrawing a launch (DESIGN.md, invariant 1).

``launch_record`` is the only way a launch record comes to exist. Inside one
transaction it

1. checks that the person may launch there: the ``lms.add_launch``
   permission (launch officers) and a scope of theirs that holds the unit
   (403 otherwise);
2. takes the policy's readiness lock (``lms.services.locks``), so nothing
   that could lower readiness commits between the check and the record, and
   locks the policy's row (a publication updates it: new thresholds, a new
   audience or version wait for the launch, or the launch for them);
3. reads the policy as committed now and re-evaluates readiness of the
   scope from the rows;
4. refuses, writing nothing, when the policy is not live, its earliest
   launch date has not come, nobody in the scope is assigned, the scope is
   already launched (itself or through a unit above it), or any threshold
   is missed (with the blockers and the people each still needs);
5. otherwise writes the immutable record: the version, who, when, the note,
   the thresholds applied and the readiness snapshot (the scope, every unit
   at the threshold level, every position).

There is no override and no "force": the only ways to launch are to get the
staff certified or to change the thresholds through a reviewed revision of
the policy. ``launch_withdraw`` ends a launch in force with a new record
(the reason is required); a later launch is a new record again. Each
record is in Wagtail's audit log too, and announced to the webhooks
(``lms.services.webhooks``) once it commits.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from wagtail.log_actions import log

from cms.models import PolicyPage
from lms.evidence import EvidenceData, evidence_pdf
from lms.models import Launch, OrgUnit, User
from lms.selectors.launches import launches_in_force_over
from lms.selectors.readiness import Readiness, figures_data, readiness_for
from lms.selectors.scope import unit_visible_to
from lms.services.locks import readiness_lock
from lms.services.webhooks import launch_announce

LAUNCH_PERMISSION = "lms.add_launch"
NOTE_MAX = 2000


@dataclass
class LaunchRefused(Exception):
    """Why a launch (or a withdrawal) was refused; nothing was written.

    ``readiness`` is the evaluation the refusal was decided on, when there
    was one (its ``blockers`` say what holds the scope back)."""

    reasons: list[str]
    readiness: Readiness | None = None
    conflict: Launch | None = None

    def __str__(self) -> str:
        return " ".join(self.reasons)


def launch_may(*, user: User, unit: OrgUnit) -> bool:
    """Whether ``user`` may launch (and withdraw) in ``unit``'s subtree."""
    if not user.is_active or not user.has_perm(LAUNCH_PERMISSION):
        return False
    return unit_visible_to(user=user, unit=unit)


def _authorise(user: User, unit: OrgUnit) -> None:
    if not launch_may(user=user, unit=unit):
        raise PermissionDenied(
            _("You may not launch or withdraw a measure in %(unit)s.")
            % {"unit": unit.name}
        )


def launch_snapshot(readiness: Readiness) -> dict:
    """The readiness a record keeps: plain JSON, readable without the rows."""

    return {
        "at": readiness.at.isoformat(),
        "scope": {
            "code": readiness.scope.code,
            "name": readiness.scope.name,
            "level": readiness.scope.level,
            **figures_data(readiness.overall),
        },
        "units": [
            {
                "code": item.unit.code,
                "name": item.unit.name,
                "level": item.unit.level,
                **figures_data(item.figures),
            }
            for item in readiness.at_level
        ],
        "positions": [
            {
                "code": item.position.code,
                "name": item.position.name,
                "threshold": item.threshold,
                **figures_data(item.figures),
            }
            for item in readiness.positions
        ],
    }


def _thresholds(policy: PolicyPage, readiness: Readiness) -> dict:
    return {
        **readiness.thresholds,
        "not_before": (
            policy.launch_not_before.isoformat() if policy.launch_not_before else None
        ),
    }


def _refusals(policy: PolicyPage, unit: OrgUnit, readiness: Readiness, at) -> list:
    reasons = []
    today = timezone.localdate(at)
    if policy.launch_not_before and today < policy.launch_not_before:
        reasons.append(
            _("The measure may not be launched before %(date)s.")
            % {"date": policy.launch_not_before.isoformat()}
        )
    if readiness.nothing_to_train:
        reasons.append(
            _(
                "Nobody in %(unit)s is assigned this measure: there is nothing "
                "to train, so nothing shows that the staff are ready."
            )
            % {"unit": unit.name}
        )
    elif readiness.blockers:
        count = len(readiness.blockers)
        reasons.append(
            ngettext(
                "%(unit)s is not ready: %(count)d threshold is not met.",
                "%(unit)s is not ready: %(count)d thresholds are not met.",
                count,
            )
            % {"unit": unit.name, "count": count}
        )
    return reasons


def _locked(policy: PolicyPage) -> PolicyPage:
    """The readiness lock, then the policy's row as committed now, locked: a
    publication (new thresholds, a new audience, a new version) updates that
    row, so it waits for the launch, and the launch for it."""
    readiness_lock(policy_ids=[policy.pk])
    return PolicyPage.objects.select_for_update().get(pk=policy.pk)


@transaction.atomic
def launch_record(
    *,
    policy: PolicyPage,
    unit: OrgUnit,
    user: User,
    note: str = "",
    at: datetime.datetime | None = None,
) -> Launch:
    """Launch ``policy`` in ``unit``'s subtree, or raise :class:`LaunchRefused`
    (nothing written) or ``PermissionDenied``."""
    _authorise(user, unit)
    note = _text(note, _("The note is too long (at most %(max)d characters)."))
    policy = _locked(policy)
    unit = OrgUnit.objects.get(pk=unit.pk)
    at = at or timezone.now()
    if not policy.live:
        raise LaunchRefused([_("The measure is not published.")])
    in_force = launches_in_force_over(policy=policy, unit=unit)
    if in_force:
        record = in_force[0]
        raise LaunchRefused(
            [
                _(
                    "%(unit)s is already launched (record %(reference)s, "
                    "%(scope)s, %(date)s)."
                )
                % {
                    "unit": unit.name,
                    "reference": record.reference,
                    "scope": record.unit_name,
                    "date": timezone.localdate(record.at).isoformat(),
                }
            ],
            conflict=record,
        )
    readiness = readiness_for(
        policy=policy, scope=unit, depth=0, at=at, write_back=False
    )
    reasons = _refusals(policy, unit, readiness, at)
    if reasons:
        raise LaunchRefused(reasons, readiness)
    record = _record(
        Launch.Kind.LAUNCH,
        policy=policy,
        unit=unit,
        user=user,
        at=at,
        note=note,
        version=policy.version,
        thresholds=_thresholds(policy, readiness),
        snapshot=launch_snapshot(readiness),
    )
    _log(record, "lms.launch", user)
    launch_announce(record)
    return record


@transaction.atomic
def launch_withdraw(
    *,
    policy: PolicyPage,
    unit: OrgUnit,
    user: User,
    reason: str,
    at: datetime.datetime | None = None,
) -> Launch:
    """End the launch in force in exactly ``unit`` with a withdrawal record
    (a fault found after launch, say). A unit launched only through a unit
    above it is withdrawn there."""
    _authorise(user, unit)
    reason = _text(reason, _("The reason is too long (at most %(max)d characters)."))
    if not reason:
        raise ValidationError(_("Say why the launch is withdrawn."))
    policy = _locked(policy)
    unit = OrgUnit.objects.get(pk=unit.pk)
    in_force = launches_in_force_over(policy=policy, unit=unit)
    own = [record for record in in_force if record.unit_id == unit.pk]
    if not own:
        if in_force:
            above = in_force[0]
            reasons = [
                _(
                    "%(unit)s is launched through %(scope)s (record "
                    "%(reference)s): withdraw it there."
                )
                % {
                    "unit": unit.name,
                    "scope": above.unit_name,
                    "reference": above.reference,
                }
            ]
        else:
            reasons = [_("%(unit)s is not launched.") % {"unit": unit.name}]
        raise LaunchRefused(reasons)
    launched = own[0]
    record = _record(
        Launch.Kind.WITHDRAWAL,
        policy=policy,
        unit=unit,
        user=user,
        at=at or timezone.now(),
        note=reason,
        version=launched.version,
        withdraws=launched,
        thresholds=launched.thresholds,
    )
    _log(record, "lms.launch_withdraw", user)
    launch_announce(record)
    return record


def _text(value: str, too_long: str) -> str:
    value = (value or "").strip()
    if len(value) > NOTE_MAX:
        raise ValidationError(too_long % {"max": NOTE_MAX})
    return value


def _record(kind: str, *, policy: PolicyPage, unit: OrgUnit, user: User, **values):
    """Write a record, copying the names it is read by (a policy's title or
    a unit's name may change later; the record keeps what they were)."""
    return Launch.objects.create(
        kind=kind,
        policy=policy,
        policy_code=policy.code,
        policy_title=policy.title,
        unit=unit,
        unit_code=unit.code,
        unit_name=unit.name,
        unit_path=unit.path,
        by=user,
        by_name=user.get_full_name() or user.get_username(),
        **values,
    )


def _log(record: Launch, action: str, user: User) -> None:
    log(
        instance=record,
        action=action,
        user=user,
        data={
            "reference": record.reference,
            "policy": record.policy_code,
            "version": record.version,
            "unit": record.unit_code,
        },
    )


def launch_confirm_url(reference: str) -> str:
    """The public page confirming a record exists: the evidence's QR target."""
    return settings.SITE_URL + reverse("launch_confirm", args=[reference])


def launch_evidence(record: Launch) -> bytes:
    """The record's evidence PDF (``lms.evidence``), drawn from its fields."""
    withdraws = record.withdraws.reference if record.withdraws_id else None
    return evidence_pdf(
        EvidenceData(
            reference=record.reference,
            kind=record.kind,
            policy_code=record.policy_code,
            policy_title=record.policy_title,
            version=record.version,
            unit_code=record.unit_code,
            unit_name=record.unit_name,
            by_name=record.by_name,
            at=timezone.localtime(record.at),
            note=record.note,
            thresholds=record.thresholds,
            snapshot=record.snapshot,
            confirm_url=launch_confirm_url(record.reference),
            withdraws=withdraws,
        ),
        font_path=settings.CERTIFICATE_FONT,
    )
