"""The django-q2 schedules of the ``lms`` app, kept in step with this table
after every ``migrate`` (like the roles): the qcluster (``make run`` starts
one) runs them. Without a qcluster, run the same work from cron with the
management command named beside each."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_noop

# name → (task, minutes between runs, the equivalent management command)
SCHEDULES = {
    gettext_noop("Finish HR imports whose task was lost or ran too long"): (
        "lms.tasks.import_jobs_sweep",
        5,
        "import_jobs_sweep",
    ),
    gettext_noop("Resume activation e-mails whose task was lost"): (
        "lms.tasks.activation_batches_sweep",
        5,
        "activation_sweep",
    ),
    gettext_noop("Close quiz attempts past their deadline"): (
        "lms.tasks.attempts_close_expired",
        5,
        "close_expired_attempts",
    ),
    gettext_noop("Render certificate PDFs a lost task left unrendered"): (
        "lms.tasks.certificates_render",
        5,
        "certificates_sweep",
    ),
    gettext_noop("Delete expired certificate exports, rebuild lost ones"): (
        "lms.tasks.certificate_exports_sweep",
        60,
        "certificates_sweep",
    ),
    gettext_noop("Send webhook deliveries that are due (retries, lost tasks)"): (
        "lms.tasks.webhooks_sweep",
        1,
        "webhooks_sweep",
    ),
    gettext_noop("Recount readiness where writes or the clock changed it"): (
        "lms.tasks.readiness_refresh",
        1,
        "readiness_refresh",
    ),
    gettext_noop("Announce launched scopes that fell below their thresholds"): (
        "lms.tasks.launches_watch",
        15,
        "webhooks_sweep",
    ),
    gettext_noop("Give assignments of expired certificates a new due date"): (
        "lms.tasks.assignments_reopen_expired",
        60 * 24,
        "certificates_sweep",
    ),
}


def schedules_sync() -> int:
    """Create or update the schedules of :data:`SCHEDULES` (by name); returns
    how many exist."""
    from django_q.models import Schedule

    for name, (func, minutes, _command) in SCHEDULES.items():
        Schedule.objects.update_or_create(
            name=name,
            defaults={
                "func": func,
                "schedule_type": Schedule.MINUTES,
                "minutes": minutes,
                "repeats": -1,
            },
        )
    return len(SCHEDULES)


def schedules_sync_after_migrate(sender: Any = None, **kwargs: Any) -> None:
    """Once per ``migrate``: after the last app, when django-q's tables exist."""
    from django.apps import apps

    with_models = [app for app in apps.get_app_configs() if app.models_module]
    if sender is with_models[-1]:
        schedules_sync()
