"""Certificates as the organisation sees them: rendering their PDFs with the
holder's units, renewals, and what an expiry does to the assignment.

``certificates`` renders and stores a PDF from a certificate row alone
(``certificates.services.certificate_render``); ``lms`` gives it what only the
organisation knows — the names of the holder's units, copied onto the
certificate at its first rendering — and decides when it runs:

- after a pass commits, :func:`certificates_render_soon` enqueues one batch
  task (at most one every few seconds, however many passes: a deadline's
  peak is tens of passes a second), which renders every certificate not yet
  rendered (:func:`certificates_render`);
- a schedule runs the same batch every few minutes (``lms.schedules``): the
  Redis broker keeps no receipt of a task a crashed worker held, so whatever
  a lost task left unrendered is rendered then;
- a download of a certificate not yet rendered renders it on the spot.

Each rendering is idempotent (a rendered certificate is never rendered
again), so two workers, a retry or the sweep running together do no harm.
"""

from __future__ import annotations

import datetime
import logging

from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django_q.tasks import async_task

from certificates.models import Certificate
from certificates.services import certificate_render, certificate_supersede
from lms.models import Assignment, OrgUnit

logger = logging.getLogger(__name__)

RENDER_TASK = "lms.tasks.certificates_render"
RENDER_IDS_TASK = "lms.tasks.certificates_render_ids"
_RENDER_SOON_KEY = "lms:certificates:render-soon"
_RENDER_SOON_SECONDS = 5


def _holder_units(certificates: list[Certificate]) -> dict[int, list[str]]:
    """Each certificate's holder's units below headquarters (province first),
    in one query for all their ancestors."""
    paths = {c.pk: c.employee.unit.path for c in certificates}
    step = OrgUnit.steplen
    prefixes = {
        path[:end]
        for path in paths.values()
        for end in range(2 * step, len(path) + 1, step)
    }
    names = dict(OrgUnit.objects.filter(path__in=prefixes).values_list("path", "name"))
    return {
        pk: [
            names[path[:end]]
            for end in range(2 * step, len(path) + 1, step)
            if path[:end] in names
        ]
        for pk, path in paths.items()
    }


def certificates_render(
    *,
    certificate_ids: list[int] | None = None,
    limit: int = 2_000,
    skip_locked: bool = False,
) -> int:
    """Render the PDFs of ``certificate_ids`` (by default: every certificate
    not rendered yet, oldest first, at most ``limit``). Returns how many were
    rendered by this call. ``skip_locked``: leave a certificate another
    worker is rendering to that worker."""
    if certificate_ids is None:
        # From now on a new pass enqueues another batch: this one may not see
        # it (see certificates_render_soon).
        cache.delete(_RENDER_SOON_KEY)
    pending = Certificate.objects.filter(rendered_at__isnull=True)
    if certificate_ids is not None:
        pending = pending.filter(pk__in=certificate_ids)
    batch = list(
        pending.select_related("employee__unit").order_by("issued_at", "pk")[:limit]
    )
    units = _holder_units(batch)
    rendered = 0
    for certificate in batch:
        result = certificate_render(
            certificate_id=certificate.pk,
            holder_units=units.get(certificate.pk),
            skip_locked=skip_locked,
        )
        rendered += result is not None and result.rendered_at is not None
    if batch:
        logger.info("Rendered %d certificate PDF(s).", rendered)
    return rendered


def certificates_unrendered() -> bool:
    """Whether some certificate waits for its PDF."""
    return Certificate.objects.filter(rendered_at__isnull=True).exists()


def certificate_rendered(*, certificate: Certificate) -> Certificate:
    """``certificate`` with its PDF, rendered now if no task has yet."""
    if certificate.rendered_at is None:
        certificates_render(certificate_ids=[certificate.pk])
        certificate.refresh_from_db()
    return certificate


def certificates_render_spread(*, certificate_ids: list[int], chunk: int = 250) -> int:
    """Render the certificates of ``certificate_ids`` not rendered yet, with
    the help of every free worker: the chunks are enqueued (another worker
    takes them from the front) while this process renders them from the
    back, skipping those another worker holds; they meet in the middle.
    Returns how many this process rendered. A chunk task finding its
    certificates rendered does nothing."""
    pending = set(
        Certificate.objects.filter(
            pk__in=certificate_ids, rendered_at__isnull=True
        ).values_list("pk", flat=True)
    )
    ordered = [pk for pk in certificate_ids if pk in pending]
    chunks = [ordered[i : i + chunk] for i in range(0, len(ordered), chunk)]
    if len(chunks) > 1:
        for part in chunks:
            async_task(RENDER_IDS_TASK, part, task_name="certificates:render-ids")
    return sum(
        certificates_render(certificate_ids=part, skip_locked=True)
        for part in reversed(chunks)
    )


def certificates_render_soon() -> None:
    """Enqueue the batch rendering, unless one is enqueued and has not started
    yet (that one renders this certificate too: a batch clears the mark before
    it looks for certificates to render). The mark expires after a few
    seconds, so a batch lost before it started delays nothing for long. Call
    after commit."""
    if cache.add(_RENDER_SOON_KEY, 1, _RENDER_SOON_SECONDS):
        async_task(RENDER_TASK, task_name="certificates:render")


# --- Renewal and expiry -------------------------------------------------------------


def certificate_renewal_start(
    *, certificate: Certificate, at: datetime.datetime
) -> None:
    """An employee starts renewing an expired certificate of the current
    version: it is marked superseded (a renewal) so that the pass to come can
    issue the new one (one current certificate per employee, policy and
    version); its successor is linked when the new one is rendered."""
    certificate_supersede(
        certificate=certificate, why=Certificate.Superseded.RENEWAL, at=at
    )


def assignments_reopen_expired(*, now: datetime.datetime | None = None) -> int:
    """Give every active assignment whose certificate has expired a new due
    date: the expiry date plus the policy's days allowed, if that is later
    than the due date it has (so a run twice, or a lost day, changes nothing
    more). Runs daily (``lms.schedules``). Returns how many moved."""
    now = now or timezone.now()
    expired = (
        Certificate.objects.filter(
            expires_at__lte=now, revoked_at__isnull=True, superseded_at__isnull=True
        )
        .annotate(days=F("policy__days_allowed"))
        .values_list("employee_id", "policy_id", "expires_at", "days")
    )
    due: dict[tuple[int, int], datetime.date] = {}
    for employee_id, policy_id, expires_at, days in expired.iterator():
        new = timezone.localdate(expires_at) + datetime.timedelta(days=days)
        key = (employee_id, policy_id)
        due[key] = max(due.get(key, new), new)
    if not due:
        return 0
    moved = []
    with transaction.atomic():
        for assignment in Assignment.objects.select_for_update().filter(
            is_active=True,
            employee_id__in={key[0] for key in due},
            policy_id__in={key[1] for key in due},
        ):
            new = due.get((assignment.employee_id, assignment.policy_id))
            if new is not None and assignment.due_on < new:
                assignment.due_on = new
                moved.append(assignment)
        Assignment.objects.bulk_update(moved, ["due_on"], batch_size=1_000)
    return len(moved)
