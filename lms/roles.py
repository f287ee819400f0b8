"""The roles of Rollout Academy, as Django groups with their permissions.

The groups are kept in step with this table after every ``migrate`` (a
``post_migrate`` handler), so a new permission in the code reaches every
installation without a hand-written data migration. Permissions that a later
feature adds are listed here and ignored until their model exists.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, Permission
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

EMPLOYEE = "Employees"
TRAINER = "Trainers"
APPROVER = "Approvers"
MANAGER = "Managers"
LAUNCH_OFFICER = "Launch officers"
ADMINISTRATOR = "Administrators"

ROLE_LABELS = {
    EMPLOYEE: _("Employee"),
    TRAINER: _("Trainer"),
    APPROVER: _("Approver"),
    MANAGER: _("Manager"),
    LAUNCH_OFFICER: _("Launch officer"),
    ADMINISTRATOR: _("Administrator"),
}

_ADMIN = "wagtailadmin.access_admin"
_MEDIA = [
    f"{app}.{verb}_{model}"
    for app, model in (("wagtailimages", "image"), ("wagtaildocs", "document"))
    for verb in ("add", "change", "choose")
]
_ORG_READ = ["lms.view_orgunit", "lms.view_position", "lms.view_employee"]
_ORG_WRITE = [
    f"lms.{verb}_{model}"
    for model in ("orgunit", "position", "employee", "managerscope", "importjob")
    for verb in ("add", "change", "delete", "view")
] + ["lms.run_import"]
_USERS = [
    "lms.add_user",
    "lms.change_user",
    "lms.delete_user",
    "lms.view_user",
    "auth.add_group",
    "auth.change_group",
    "auth.delete_group",
    "auth.view_group",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    EMPLOYEE: [],
    TRAINER: [_ADMIN, *_MEDIA, "lms.view_position", "lms.view_orgunit"],
    APPROVER: [_ADMIN, *_MEDIA, "lms.view_position", "lms.view_orgunit"],
    MANAGER: [_ADMIN, *_ORG_READ],
    LAUNCH_OFFICER: [_ADMIN, *_ORG_READ],
    ADMINISTRATOR: [_ADMIN, *_MEDIA, *_ORG_WRITE, *_USERS],
}


def _permissions(names: list[str]) -> list[Permission]:
    query = Q(pk__in=[])
    for name in names:
        app_label, codename = name.split(".", 1)
        query |= Q(content_type__app_label=app_label, codename=codename)
    return list(Permission.objects.filter(query))


def roles_sync() -> dict[str, Group]:
    """Create the role groups and give each exactly its permissions."""
    groups: dict[str, Group] = {}
    for name, permission_names in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.set(_permissions(permission_names))
        groups[name] = group
    return groups


def roles_sync_after_migrate(sender: Any = None, **kwargs: Any) -> None:
    """Sync once per ``migrate``: after the last app, when every permission exists."""
    from django.apps import apps

    with_models = [app for app in apps.get_app_configs() if app.models_module]
    if sender is with_models[-1]:
        roles_sync()
