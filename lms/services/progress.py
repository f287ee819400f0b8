"""Module progress: an employee's explicit "done" at the end of each module."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from cms.models import ModulePage, PolicyPage
from lms.models import Employee, ModuleProgress


def progress_modules_done(*, employee: Employee, policy: PolicyPage) -> tuple[int, int]:
    """(modules done, live modules) of ``policy``'s current version (2 queries)."""
    module_ids = list(policy.modules().values_list("pk", flat=True))
    done = ModuleProgress.objects.filter(
        employee=employee,
        version=policy.version,
        module_id__in=module_ids,
    ).count()
    return done, len(module_ids)


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


def progress_quiz_unlocked(*, employee: Employee, policy: PolicyPage) -> bool:
    """Whether ``employee`` has read every live module of ``policy``'s current
    version, which opens its quiz."""
    done, total = progress_modules_done(employee=employee, policy=policy)
    return done == total
