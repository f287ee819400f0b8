"""django-q2 tasks of the ``lms`` app: take ids, load rows, call a service.

Enqueue them with ``django_q.tasks.async_task("lms.tasks.<name>", id)`` inside
``transaction.on_commit`` (the services do), so a rolled-back transaction
leaves no task behind.
"""

from __future__ import annotations

from django_q.tasks import async_task

from lms.services import (
    activation,
    assignments,
    attempts,
    certificate_exports,
    certificates,
    password_reset,
    readiness_counts,
    webhooks,
)
from lms.services.imports import jobs


def import_job_validate(job_id: int) -> str | None:
    """Check an uploaded HR file (a dry run of the import) and keep the preview."""
    job = jobs.job_validate(job_id=job_id)
    return job.status if job else None


def import_job_apply(job_id: int) -> str | None:
    """Apply a checked HR file for real."""
    job = jobs.job_apply(job_id=job_id)
    return job.status if job else None


def import_jobs_sweep() -> dict[str, int]:
    """Fail HR import checks and applies that ran past the time limit; enqueue
    again the checks whose task was lost."""
    return jobs.jobs_sweep()


def assignments_sync_policy(policy_id: int) -> dict[str, int]:
    """Bring one policy's assignments in step with its audience (after a
    publication or an unpublication)."""
    return assignments.assignments_sync(policy_id=policy_id).as_dict()


def assignments_sync_staff(
    employee_ids: list[int] | None = None,
) -> dict[int, dict[str, int]]:
    """Bring every live policy's assignments in step with the staff (after an
    import or an edit; ``employee_ids`` narrows it to those employees)."""
    results = assignments.assignments_sync_staff(employee_ids=employee_ids)
    return {policy_id: result.as_dict() for policy_id, result in results.items()}


def activation_batch_send(batch_id: int) -> int:
    """E-mail one turn of an activation sending (the next turn enqueues
    itself)."""
    return activation.activation_batch_send(batch_id=batch_id)


def activation_batches_sweep() -> int:
    """Resume activation sendings whose task was lost."""
    return activation.activation_batches_sweep()


def password_reset_mail(user_id: int, nonce: str, language: str) -> bool:
    """Send one password reset e-mail (once per request, however often run)."""
    return password_reset.password_reset_mail(
        user_id=user_id, nonce=nonce, language=language
    )


def attempts_close_expired() -> int:
    """Grade the attempts left open past their deadline (scheduled every few
    minutes: ``lms.schedules``)."""
    return attempts.attempts_close_expired()


# PDFs a render task draws before it lets other tasks have the worker: a
# signed PDF takes ~25 ms, so a turn is a few seconds, and an import checked
# or a sync started meanwhile waits no longer than that.
RENDER_TURN = 200


def certificates_render() -> int:
    """Render the PDFs of the certificates not rendered yet (after passes, and
    every few minutes as a sweep: ``lms.schedules``), :data:`RENDER_TURN` at
    a time: a turn that rendered some and left others enqueues the next turn
    behind the tasks already waiting (a batch of thousands, as the demo's,
    would hold a worker for minutes). Another worker's certificates are
    skipped; a turn that could render none leaves the rest to the sweep
    rather than spin."""
    rendered = certificates.certificates_render(limit=RENDER_TURN, skip_locked=True)
    if rendered and certificates.certificates_unrendered():
        async_task(certificates.RENDER_TASK, task_name="certificates:render")
    return rendered


def certificates_render_ids(certificate_ids: list[int]) -> int:
    """Render these certificates' PDFs, unless done (a bulk export's chunk)."""
    return certificates.certificates_render(
        certificate_ids=certificate_ids, skip_locked=True
    )


def assignments_reopen_expired() -> int:
    """Give assignments whose certificate expired a new due date (daily)."""
    return certificates.assignments_reopen_expired()


def certificate_export_build(export_id: int) -> str | None:
    """Build the ZIP of a bulk certificate export."""
    export = certificate_exports.certificate_export_build(export_id=export_id)
    return export.status if export else None


def certificate_exports_sweep() -> int:
    """Delete expired exports; rebuild the ones a lost task left pending."""
    return certificate_exports.certificate_exports_sweep()


def webhook_deliver(delivery_id: int) -> str | None:
    """One attempt at a webhook delivery (after the event's commit)."""
    return webhooks.webhook_deliver(delivery_id=delivery_id)


def webhooks_sweep() -> int:
    """Send the webhook deliveries that are due (retries, lost tasks)."""
    return webhooks.webhooks_sweep()


def launches_watch() -> int:
    """Announce launched scopes that fell below their thresholds."""
    return webhooks.launches_watch()


def readiness_refresh() -> dict[str, int]:
    """Recount the stored readiness counts that writes or the clock made
    untrusted (every minute: ``lms.schedules``)."""
    return readiness_counts.readiness_refresh()
