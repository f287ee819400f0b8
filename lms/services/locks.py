"""The readiness lock: what can lower a policy's readiness takes turns with
a launch of that policy.

A launch re-evaluates readiness and writes its record in one transaction
holding the lock of its policy (``lms.services.launches``). Everything that
can make a scope less ready takes the same lock before it commits: a
revocation (``certificates.signals.certificate_revoking``), a staff import
that transfers or deactivates anyone and an edit of an employee (every live
policy), publishing a policy (its audience or thresholds may change) and an
assignment sync (new staff in the audience). So either the launch reads the
rows after the change has committed, or the change waits until the launch
has committed: a launch record always agrees with the rows it was decided on
(DESIGN.md, invariant 1).

On PostgreSQL it is a transaction-level advisory lock ``(namespace, policy
id)``, released at commit or rollback; several policies are locked in
ascending id order, so two writers never wait for each other in a circle.
SQLite needs nothing: its transactions begin ``IMMEDIATE`` (settings), i.e.
writers already take turns for the whole database.

Certificates expire and renewal deadlines lapse by the clock, not by a
write: readiness is evaluated at the instant of the launch, so there is no
"expiry processing" to wait for.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection

from cms.models import PolicyPage

# First key of the advisory lock, "RL" for readiness lock.
LOCK_NAMESPACE = 0x524C


def readiness_lock(*, policy_ids: Iterable[int]) -> None:
    """Hold the readiness lock of each policy until the transaction ends.

    Must be called inside ``transaction.atomic``.
    """
    if connection.vendor != "postgresql":
        return
    if not connection.in_atomic_block:
        raise RuntimeError("readiness_lock() outside a transaction holds nothing.")
    ids = sorted(set(policy_ids))
    if not ids:
        return
    with connection.cursor() as cursor:
        # One statement per policy (a few dozen live at most): the order of
        # the calls inside one statement would be the planner's.
        for policy_id in ids:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, policy_id]
            )


def readiness_lock_all() -> None:
    """The lock of every live policy (a change to staff touches them all)."""
    if connection.vendor != "postgresql":
        return
    readiness_lock(
        policy_ids=PolicyPage.objects.live().order_by().values_list("pk", flat=True)
    )
