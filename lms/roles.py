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
from django.utils.translation import gettext_noop
from wagtail.models import (
    Collection,
    GroupCollectionPermission,
    GroupPagePermission,
    Page,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from cms import workflow_names
from cms.models import CourseReviewTask

# The groups' names: stored as these msgids, shown in the reader's language
# (``cms.workflow_names.names_translated``, connected in ``LmsConfig.ready``).
EMPLOYEE = gettext_noop("Employees")
TRAINER = gettext_noop("Trainers")
APPROVER = gettext_noop("Approvers")
MANAGER = gettext_noop("Managers")
LAUNCH_OFFICER = gettext_noop("Launch officers")
ADMINISTRATOR = gettext_noop("Administrators")
ROLE_NAMES = (EMPLOYEE, TRAINER, APPROVER, MANAGER, LAUNCH_OFFICER, ADMINISTRATOR)

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
# Pages are governed by page permissions (below); these model permissions say
# "may author courses" to the rest of the code (e.g. the unit chooser).
_COURSES = ["cms.add_policypage", "cms.change_policypage"]
_ORG_READ = ["lms.view_orgunit", "lms.view_position", "lms.view_employee"]
_ORG_WRITE = [
    f"lms.{verb}_{model}"
    for model in ("orgunit", "position", "employee", "managerscope", "importjob")
    for verb in ("add", "change", "delete", "view")
] + ["lms.run_import"]
_EXEMPTIONS = ["lms.add_exemption", "lms.change_exemption", "lms.view_exemption"]
# Sending activation (links, printed codes) to staff without a password.
_ACTIVATION = ["lms.add_activationbatch", "lms.view_activationbatch"]
_CERTIFICATES = ["certificates.view_certificate", "certificates.revoke_certificate"]
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
    TRAINER: [_ADMIN, *_MEDIA, *_COURSES, "lms.view_position", "lms.view_orgunit"],
    APPROVER: [
        _ADMIN,
        *_MEDIA,
        *_COURSES,
        "cms.decide_material_change",
        "lms.view_position",
        "lms.view_orgunit",
        *_CERTIFICATES,
    ],
    MANAGER: [
        _ADMIN,
        *_ORG_READ,
        "certificates.view_certificate",
        "lms.view_launch",
        *_EXEMPTIONS,
        *_ACTIVATION,
    ],
    LAUNCH_OFFICER: [
        _ADMIN,
        *_ORG_READ,
        "certificates.view_certificate",
        "lms.add_launch",
        "lms.view_launch",
        "lms.view_exemption",
    ],
    ADMINISTRATOR: [
        _ADMIN,
        *_MEDIA,
        *_COURSES,
        "cms.decide_material_change",
        *_ORG_WRITE,
        *_USERS,
        *_CERTIFICATES,
        "lms.view_launch",
        *_EXEMPTIONS,
        *_ACTIVATION,
        *[f"wagtailcore.{verb}_apitoken" for verb in ("add", "change", "delete")],
        *[
            f"lms.{verb}_webhookendpoint"
            for verb in ("add", "change", "delete", "view")
        ],
        "lms.view_webhookdelivery",
    ],
}


def _permissions(names: list[str]) -> list[Permission]:
    query = Q(pk__in=[])
    for name in names:
        app_label, codename = name.split(".", 1)
        query |= Q(content_type__app_label=app_label, codename=codename)
    return list(Permission.objects.filter(query))


# Permissions on the course pages, granted on every site's root page (the home
# page) and so on the whole catalogue below it: trainers write and submit for
# review, approvers also publish (through the review workflow).
PAGE_PERMISSIONS: dict[str, list[str]] = {
    TRAINER: ["add_page", "change_page"],
    APPROVER: ["add_page", "change_page", "publish_page"],
    ADMINISTRATOR: [
        "add_page",
        "change_page",
        "publish_page",
        "bulk_delete_page",
        "lock_page",
        "unlock_page",
    ],
}
# Images and documents are governed by collection permissions.
COLLECTION_PERMISSIONS: dict[str, list[str]] = {
    role: [name.split(".", 1)[1] for name in _MEDIA]
    for role in (TRAINER, APPROVER, ADMINISTRATOR)
}
# Stored as these msgids, shown in the reader's language (cms.workflow_names).
REVIEW_WORKFLOW = workflow_names.REVIEW_WORKFLOW
REVIEW_TASK = workflow_names.REVIEW_TASK


def roles_sync() -> dict[str, Group]:
    """Create the role groups and give each exactly its permissions."""
    groups: dict[str, Group] = {}
    for name, permission_names in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.set(_permissions(permission_names))
        groups[name] = group
    _page_permissions_sync(groups)
    _collection_permissions_sync(groups)
    _review_workflow_ensure(groups[APPROVER])
    return groups


def _site_roots() -> list[Page]:
    return list(Page.objects.filter(sites_rooted_here__isnull=False).distinct())


def _page_permissions_sync(groups: dict[str, Group]) -> None:
    roots = _site_roots()
    for role, codenames in PAGE_PERMISSIONS.items():
        wanted = Permission.objects.filter(
            content_type__app_label="wagtailcore", codename__in=codenames
        )
        for root in roots:
            GroupPagePermission.objects.filter(group=groups[role], page=root).exclude(
                permission__in=wanted
            ).delete()
            for permission in wanted:
                GroupPagePermission.objects.get_or_create(
                    group=groups[role], page=root, permission=permission
                )


def _collection_permissions_sync(groups: dict[str, Group]) -> None:
    root = Collection.get_first_root_node()
    if root is None:
        return
    for role, codenames in COLLECTION_PERMISSIONS.items():
        for permission in Permission.objects.filter(
            content_type__app_label__in=["wagtailimages", "wagtaildocs"],
            codename__in=codenames,
        ):
            GroupCollectionPermission.objects.get_or_create(
                group=groups[role], collection=root, permission=permission
            )


def _review_workflow_ensure(approvers: Group) -> None:
    """Put the course pages under review by the approvers, once.

    Created only when a site root has no workflow of its own yet, so that an
    administrator's later changes to the workflow are kept.
    """
    roots = [
        root
        for root in _site_roots()
        if not WorkflowPage.objects.filter(page=root).exists()
    ]
    if not roots:
        return
    workflow, _created = Workflow.objects.get_or_create(name=REVIEW_WORKFLOW)
    if not workflow.workflow_tasks.exists():
        task, _created = CourseReviewTask.objects.get_or_create(name=REVIEW_TASK)
        task.groups.set([approvers])
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    for root in roots:
        WorkflowPage.objects.get_or_create(page=root, defaults={"workflow": workflow})


def roles_sync_after_migrate(sender: Any = None, **kwargs: Any) -> None:
    """Sync once per ``migrate``: after the last app, when every permission exists."""
    from django.apps import apps

    with_models = [app for app in apps.get_app_configs() if app.models_module]
    if sender is with_models[-1]:
        roles_sync()
