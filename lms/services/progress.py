"""Module progress: an employee's explicit "done" at the end of each module."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from cms.models import ModulePage
from lms.models import Employee, ModuleProgress


def module_complete(*, employee: Employee, module: ModulePage) -> ModuleProgress:
    """Record that ``employee`` finished ``module`` (idempotent: a second call,
    or two at once, keep the first record)."""
    policy = module.get_parent().specific
    lookup = {"employee": employee, "module": module, "version": policy.version}
    existing = ModuleProgress.objects.filter(**lookup).first()
    if existing:
        return existing
    try:
        with transaction.atomic():
            return ModuleProgress.objects.create(
                **lookup, policy=policy, completed_at=timezone.now()
            )
    except IntegrityError:
        return ModuleProgress.objects.get(**lookup)
