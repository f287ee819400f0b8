"""HR imports uploaded in the admin: check (preview), then apply, in tasks.

The life of an :class:`~lms.models.ImportJob`::

    pending → validating → ready → applying → done
                         ↘ invalid          ↘ invalid (the data changed meanwhile)
                         ↘ failed           ↘ failed
    pending / validating / ready → cancelled

- ``job_create`` stores the file (private storage) and enqueues the check.
- ``job_validate`` (task) runs the import as a dry run: ``report["preview"]``.
- ``job_apply_start`` (the Apply button) refuses a second apply while one runs,
  marks the job ``applying`` and enqueues ``job_apply``.
- ``job_apply`` (task) runs the import for real: ``report["result"]``. The
  import is all-or-nothing, so a file that became invalid changes nothing.

Tasks are enqueued with ``transaction.on_commit``: a rolled-back request leaves
no task behind. Status changes are written outside the import's transaction
(which is invisible to the web server until it commits); the progress of a
running task goes to the cache (shared by the web server and the workers).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_q.tasks import async_task

from lms.models import ImportJob, User
from lms.services import imports as hr_imports
from lms.services.imports.report import ImportReport

logger = logging.getLogger(__name__)

Status = ImportJob.Status

VALIDATE_TASK = "lms.tasks.import_job_validate"
APPLY_TASK = "lms.tasks.import_job_apply"

RUNNING = (Status.PENDING, Status.VALIDATING, Status.APPLYING)
CANCELLABLE = (Status.PENDING, Status.VALIDATING, Status.READY)
ALLOWED_EXTENSIONS = (".csv", ".xlsx")

# How often a running import may write its progress to the cache, and how
# often a running check looks whether it was cancelled.
PROGRESS_INTERVAL = 0.5
CANCEL_INTERVAL = 2.0
PROGRESS_TTL = 24 * 3600


class JobRefused(Exception):
    """The action cannot be done on this job now; the message says why."""


class JobCancelled(Exception):
    """Someone cancelled the job while its check was running."""


# --- Progress -----------------------------------------------------------------


def job_progress_key(job_id: int) -> str:
    return f"lms:import-job:{job_id}:progress"


def job_progress(*, job_id: int) -> dict[str, Any] | None:
    """``{"phase", "done", "total"}`` of the task running the job, if any."""
    try:
        return cache.get(job_progress_key(job_id))
    except Exception:
        logger.exception("Cannot read the progress of import job %s", job_id)
        return None


class _ProgressWriter:
    """The import's ``progress(rows_done, rows_total)`` callback (called
    between batches of rows): writes to the cache at most every
    PROGRESS_INTERVAL seconds (and at the last row); during a check, looks
    every CANCEL_INTERVAL seconds whether the job was cancelled and then
    stops it (:class:`JobCancelled`)."""

    def __init__(self, job_id: int, phase: str) -> None:
        self.job_id = job_id
        self.key = job_progress_key(job_id)
        self.phase = phase
        self.last = 0.0
        self.last_cancel_check = time.monotonic()

    def __call__(self, done: int, total: int | None = None) -> None:
        now = time.monotonic()
        if self.phase == Status.VALIDATING and (
            now - self.last_cancel_check >= CANCEL_INTERVAL
        ):
            self.last_cancel_check = now
            if ImportJob.objects.filter(
                pk=self.job_id, status=Status.CANCELLED
            ).exists():
                raise JobCancelled
        if now - self.last < PROGRESS_INTERVAL and done != total:
            return
        self.last = now
        self.write(done, total)

    def write(self, done: int, total: int | None) -> None:
        value = {"phase": self.phase, "done": done, "total": total}
        try:
            cache.set(self.key, value, PROGRESS_TTL)
        except Exception:
            # Progress is a courtesy: never fail an import because of it.
            logger.exception("Cannot write the progress of %s", self.key)


def _progress_clear(job_id: int) -> None:
    try:
        cache.delete(job_progress_key(job_id))
    except Exception:
        logger.exception("Cannot clear the progress of import job %s", job_id)


# --- Creating and cancelling --------------------------------------------------


def _task_timeout() -> int:
    """Seconds a check or an apply may run before the cluster stops it: one
    file cannot hold a worker for longer (``LMS_IMPORT_TASK_TIMEOUT``)."""
    return int(settings.LMS_IMPORT_TASK_TIMEOUT)


def _enqueue(task: str, job_id: int) -> None:
    transaction.on_commit(
        lambda: async_task(
            task,
            job_id,
            task_name=f"{task}:{job_id}:{uuid.uuid4()}",
            timeout=_task_timeout(),
        )
    )


def job_create(
    *,
    kind: str,
    upload: UploadedFile,
    user: User,
    encoding: str = "",
    deactivate_missing: bool = False,
) -> ImportJob:
    """Store the uploaded file and enqueue its check (a dry run)."""
    original_name = Path(upload.name or "").name
    extension = Path(original_name).suffix.lower()
    if extension not in ALLOWED_EXTENSIONS:
        raise JobRefused(_("Upload a .csv or .xlsx file."))
    if kind not in ImportJob.Kind.values:
        raise JobRefused(_("Unknown kind of import."))
    with transaction.atomic():
        job = ImportJob(
            kind=kind,
            original_name=original_name[:255],
            encoding=encoding.strip(),
            deactivate_missing=deactivate_missing and kind == ImportJob.Kind.STAFF,
            created_by=user,
            language=translation.get_language() or "",
        )
        # A name of our own (the readers go by the extension); the person's
        # file name is kept in original_name only.
        job.file.save(f"{kind}-{uuid.uuid4().hex}{extension}", upload, save=False)
        job.save()
        _enqueue(VALIDATE_TASK, job.pk)
    return job


@transaction.atomic
def job_cancel(*, job: ImportJob, user: User) -> ImportJob:
    """Cancel a job that has not started applying; a running check is ignored."""
    updated = ImportJob.objects.filter(pk=job.pk, status__in=CANCELLABLE).update(
        status=Status.CANCELLED, finished_at=timezone.now()
    )
    if not updated:
        raise JobRefused(_("Only a job that has not been applied can be cancelled."))
    logger.info("Import job %s cancelled by %s", job.pk, user)
    job.refresh_from_db()
    return job


# --- Checking (dry run) -------------------------------------------------------


def _run_import(
    job: ImportJob, *, dry_run: bool, progress: Callable[[int, int | None], None]
) -> ImportReport:
    """The import, its refusals in the uploader's language."""
    with translation.override(job.language or settings.LANGUAGE_CODE):
        return _import(job, dry_run=dry_run, progress=progress)


def _import(
    job: ImportJob, *, dry_run: bool, progress: Callable[[int, int | None], None]
) -> ImportReport:
    path = Path(job.file.path)
    encoding = job.encoding or None
    if job.kind == ImportJob.Kind.ORG:
        return hr_imports.org_import(
            path=path, encoding=encoding, dry_run=dry_run, progress=progress
        )
    return hr_imports.staff_import(
        path=path,
        encoding=encoding,
        deactivate_missing=job.deactivate_missing,
        dry_run=dry_run,
        progress=progress,
    )


def _transition(
    job_id: int, *, from_status: str, to_status: str, report: dict[str, Any]
) -> bool:
    """Move the job on, unless someone moved it first (e.g. cancelled it)."""
    values: dict[str, Any] = {"status": to_status, "report": report}
    if to_status not in RUNNING and to_status != Status.READY:
        values["finished_at"] = timezone.now()
    updated = ImportJob.objects.filter(pk=job_id, status=from_status).update(**values)
    return bool(updated)


def _failure(error: BaseException) -> dict[str, str]:
    return {"error": f"{type(error).__name__}: {error}"}


def job_validate(*, job_id: int) -> ImportJob | None:
    """The check task: dry-run the import, store the preview, ready or invalid."""
    claimed = ImportJob.objects.filter(pk=job_id, status=Status.PENDING).update(
        status=Status.VALIDATING,
        report={"check_started_at": timezone.now().isoformat()},
    )
    if not claimed:
        logger.info("Import job %s is not waiting for a check: skipped", job_id)
        return None
    job = ImportJob.objects.get(pk=job_id)
    progress = _ProgressWriter(job_id, Status.VALIDATING)
    progress.write(0, None)
    try:
        report = _run_import(job, dry_run=True, progress=progress)
    except JobCancelled:
        logger.info("Import job %s: cancelled during its check", job_id)
    except Exception as error:
        logger.exception("Import job %s: the check failed", job_id)
        _transition(
            job_id,
            from_status=Status.VALIDATING,
            to_status=Status.FAILED,
            report=_failure(error),
        )
    else:
        _transition(
            job_id,
            from_status=Status.VALIDATING,
            to_status=Status.READY if report.ok else Status.INVALID,
            report={"preview": report.to_dict()},
        )
    finally:
        _progress_clear(job_id)
    job.refresh_from_db()
    return job


# --- Applying -----------------------------------------------------------------


def _stale_after() -> timedelta:
    # The task cluster stops a task after its timeout; a job checking or
    # applying for longer than that has no task left (an apply's transaction
    # was rolled back).
    return timedelta(seconds=_task_timeout() + 60)


def _fail_stale(status: str, started_key: str) -> int:
    cutoff = (timezone.now() - _stale_after()).isoformat()
    failed = 0
    minutes = _task_timeout() // 60
    for job in ImportJob.objects.filter(status=status):
        started = job.report.get(started_key, "")
        if started and started < cutoff:
            report = {
                **job.report,
                "error": _(
                    "The task stopped before the end (an import may run "
                    "%(minutes)d minutes at most)."
                )
                % {"minutes": minutes},
            }
            failed += _transition(
                job.pk, from_status=status, to_status=Status.FAILED, report=report
            )
    return failed


def _fail_stale_applies() -> None:
    _fail_stale(Status.APPLYING, "apply_started_at")


def jobs_sweep(*, lost_after: timedelta = timedelta(minutes=10)) -> dict[str, int]:
    """What lost or stopped tasks left undone (a schedule, ``import_jobs_sweep``):
    checks and applies that ran past the time limit are failed; files still
    waiting for their check ``lost_after`` their upload are enqueued again
    (the broker keeps no receipt of a task a crashed worker held; a second
    task for the same job finds it claimed and does nothing), at most once
    every ``lost_after``."""
    failed = _fail_stale(Status.VALIDATING, "check_started_at") + _fail_stale(
        Status.APPLYING, "apply_started_at"
    )
    now = timezone.now()
    cutoff = (now - lost_after).isoformat()
    requeued = 0
    waiting = ImportJob.objects.filter(
        status=Status.PENDING, created_at__lt=now - lost_after
    )
    for job in waiting:
        # Once per lost_after: under a backlog, the check is queued, not lost.
        if job.report.get("requeued_at", "") >= cutoff:
            continue
        updated = ImportJob.objects.filter(
            pk=job.pk, status=Status.PENDING, report=job.report
        ).update(report={**job.report, "requeued_at": now.isoformat()})
        if updated:
            _enqueue(VALIDATE_TASK, job.pk)
            requeued += 1
    return {"failed": failed, "requeued": requeued}


@transaction.atomic
def job_apply_start(*, job: ImportJob, user: User) -> ImportJob:
    """The Apply button: refuse while another apply runs, else enqueue it."""
    _fail_stale_applies()
    # Lock every job that is ready or applying: two requests applying two
    # ready jobs at once queue up here, and the second sees the first applying.
    list(
        ImportJob.objects.select_for_update()
        .filter(status__in=[Status.READY, Status.APPLYING])
        .values_list("pk", flat=True)
    )
    running = ImportJob.objects.filter(status=Status.APPLYING).first()
    if running is not None:
        raise JobRefused(
            _(
                "Another import is being applied (%(job)s). Wait until it ends, "
                "then apply this one."
            )
            % {"job": running}
        )
    job = ImportJob.objects.get(pk=job.pk)
    if job.status != Status.READY:
        raise JobRefused(
            _("This import cannot be applied: it is “%(status)s”.")
            % {"status": job.get_status_display()}
        )
    job.status = Status.APPLYING
    job.applied_by = user
    job.report = {**job.report, "apply_started_at": timezone.now().isoformat()}
    job.save(update_fields=["status", "applied_by", "report"])
    _enqueue(APPLY_TASK, job.pk)
    return job


def job_apply(*, job_id: int) -> ImportJob | None:
    """The apply task: run the import for real; done, invalid or failed."""
    job = ImportJob.objects.filter(pk=job_id, status=Status.APPLYING).first()
    if job is None:
        logger.info("Import job %s is not being applied: skipped", job_id)
        return None
    progress = _ProgressWriter(job_id, Status.APPLYING)
    progress.write(0, None)
    try:
        report = _run_import(job, dry_run=False, progress=progress)
    except Exception as error:
        logger.exception("Import job %s: the apply failed", job_id)
        _transition(
            job_id,
            from_status=Status.APPLYING,
            to_status=Status.FAILED,
            report={**job.report, **_failure(error)},
        )
    else:
        _transition(
            job_id,
            from_status=Status.APPLYING,
            to_status=Status.DONE if report.ok else Status.INVALID,
            report={**job.report, "result": report.to_dict()},
        )
        logger.info(
            "Import job %s applied: %s", job_id, "; ".join(report.summary_lines())
        )
    finally:
        _progress_clear(job_id)
    job.refresh_from_db()
    return job
