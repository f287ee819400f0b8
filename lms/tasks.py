"""django-q2 tasks of the ``lms`` app: take ids, load rows, call a service.

Enqueue them with ``django_q.tasks.async_task("lms.tasks.<name>", id)`` inside
``transaction.on_commit`` (the services do), so a rolled-back transaction
leaves no task behind.
"""

from __future__ import annotations

from lms.services import jobs


def import_job_validate(job_id: int) -> str | None:
    """Check an uploaded HR file (a dry run of the import) and keep the preview."""
    job = jobs.job_validate(job_id=job_id)
    return job.status if job else None


def import_job_apply(job_id: int) -> str | None:
    """Apply a checked HR file for real."""
    job = jobs.job_apply(job_id=job_id)
    return job.status if job else None
