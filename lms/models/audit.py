"""The audit log of everything that belongs to a unit, scoped like the unit.

Wagtail lets anyone with a permission on a model read every log entry of that
model in its site history report (and its CSV and XLSX exports): a manager of
one city would read the names and employee numbers of every province's staff.
The log entries of units, employees, manager scopes, exemptions, certificates
and launches are therefore kept in their own table, :class:`ScopedLogEntry`,
registered with Wagtail's log registry for those models (``register_log_actions``
in ``lms.wagtail_hooks``). Each entry remembers the unit the object belonged
to when it was logged, and ``viewable_by_user`` keeps only the entries whose
unit lies, where it is now in the tree, inside the person's scopes (every
entry for administrators). Wagtail's reports, history views and exports all
read through it.

An entry of an object that belonged to no unit, or whose unit was deleted
since, is shown to administrators only.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.models import BaseLogEntry
from wagtail.models.audit_log import ModelLogEntryManager

# Models whose log entries go to ScopedLogEntry, and how each finds its unit.
SCOPED_MODELS = (
    "lms.OrgUnit",
    "lms.Employee",
    "lms.ManagerScope",
    "lms.Exemption",
    "lms.Launch",
    "certificates.Certificate",
)


def unit_id_of(instance: Any) -> int | None:
    """The unit ``instance`` belongs to (``None`` when none): a unit itself,
    the unit of an employee, scope or launch, an employee's for an exemption
    or a certificate."""
    from lms.models.org import OrgUnit

    if isinstance(instance, OrgUnit):
        return instance.pk
    holder = instance
    if getattr(holder, "employee_id", None):  # exemptions, certificates
        holder = holder.employee
    return getattr(holder, "unit_id", None)


def _permitted_content_types(user) -> list[int]:
    """The scoped models on which ``user`` holds at least one permission.

    Wagtail's own manager caches this on the user from the content types of
    *its* table, shared by every log model; this one keeps its own."""
    cached = getattr(user, "_lms_log_content_types", None)
    if cached is None:
        types = ContentType.objects.get_for_models(
            *(apps.get_model(label) for label in SCOPED_MODELS)
        ).values()
        permissions = Permission.objects.filter(content_type__in=types).values_list(
            "content_type__app_label", "content_type_id", "codename"
        )
        cached = sorted(
            {
                type_id
                for app_label, type_id, codename in permissions
                if user.has_perm(f"{app_label}.{codename}")
            }
        )
        user._lms_log_content_types = cached
    return cached


class ScopedLogEntryManager(ModelLogEntryManager):
    def log_action(self, instance, action, **kwargs):
        kwargs.setdefault("unit_id", unit_id_of(instance))
        return super().log_action(instance, action, **kwargs)

    def viewable_by_user(self, user):
        """Wagtail's rule (any permission on the model), then the scopes."""
        from lms.selectors.scope import scope_paths_for, subtree_filter

        if user.is_superuser:
            return self.all()
        entries = self.filter(content_type_id__in=_permitted_content_types(user))
        paths = scope_paths_for(user=user)
        if paths is None:
            return entries
        return entries.filter(subtree_filter(paths, "unit__path"))


class ScopedLogEntry(BaseLogEntry):
    object_id = models.CharField(max_length=255, db_index=True)
    # The unit the object belonged to when the entry was written; read
    # through its path now, so a unit moved in the tree takes its entries
    # along. None (no unit, or a unit deleted since): administrators only.
    unit = models.ForeignKey(
        "lms.OrgUnit",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = ScopedLogEntryManager()

    class Meta(BaseLogEntry.Meta):
        ordering = ["-timestamp", "-id"]
        verbose_name = _("organisation log entry")
        verbose_name_plural = _("organisation log entries")

    def __str__(self) -> str:
        return f"ScopedLogEntry {self.pk}: {self.action!r} on {self.object_id}"
