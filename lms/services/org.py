"""Writes of the admin screens to the organisation and its staff.

Units are tree nodes (django-treebeard): they are created with
``OrgUnit.add_root`` / ``parent.add_child`` and moved with ``move``, never with
a bare ``save()``. An employee is an HR record plus its login: the login's
username is the employee number, its password unusable (staff set one through
the password reset), and its name, email and active flag follow the record.

A change that can move someone in or out of a policy's audience (a new
employee, another unit or position, (de)activation, a unit moved elsewhere in
the tree) enqueues the sync of their assignments after the commit.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from lms.models import Employee, OrgUnit, Position, User
from lms.services.assignments import assignments_sync_staff_enqueue
from lms.services.locks import readiness_lock_all

# --- Organisation units -------------------------------------------------------


def _rank(level: str) -> int:
    return OrgUnit.LEVEL_RANK[level]


def unit_placement_errors(
    *, unit: OrgUnit | None, parent: OrgUnit | None, level: str
) -> dict[str, str]:
    """Why ``unit`` (``None`` for a new one) cannot sit under ``parent`` at
    ``level``; an empty dict when it can. Field names are the form's."""
    errors: dict[str, str] = {}
    if parent is not None:
        if unit is not None and parent.path.startswith(unit.path):
            errors["parent"] = _(
                "A unit cannot be moved under itself or one of its own sub-units "
                "(%(parent)s is inside %(unit)s)."
            ) % {"parent": parent, "unit": unit}
        elif _rank(level) <= _rank(parent.level):
            errors["level"] = _(
                "A unit must be at a lower level than its parent: %(parent)s is "
                "a %(parent_level)s, so this unit cannot be a %(level)s."
            ) % {
                "parent": parent,
                "parent_level": parent.get_level_display().lower(),
                "level": OrgUnit.Level(level).label.lower(),
            }
    if unit is not None and "level" not in errors:
        child_levels = set(unit.get_children().values_list("level", flat=True))
        too_high = [lvl for lvl in child_levels if _rank(lvl) <= _rank(level)]
        if too_high:
            errors["level"] = _(
                "This unit has sub-units at level %(levels)s: its own level must "
                "stay above theirs."
            ) % {
                "levels": ", ".join(
                    str(OrgUnit.Level(lvl).label).lower() for lvl in sorted(too_high)
                )
            }
    return errors


def _check_placement(
    *, unit: OrgUnit | None, parent: OrgUnit | None, level: str
) -> None:
    errors = unit_placement_errors(unit=unit, parent=parent, level=level)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def unit_create(
    *,
    code: str,
    name: str,
    level: str,
    parent: OrgUnit | None,
    is_active: bool = True,
) -> OrgUnit:
    """Add a unit under ``parent`` (a new root when ``parent`` is ``None``)."""
    values = {"code": code.strip(), "name": name.strip(), "level": level}
    values["is_active"] = is_active
    if parent is None:
        _check_placement(unit=None, parent=None, level=level)
        return OrgUnit.add_root(**values)
    # The parent's numchild and last child decide the new path: read them
    # fresh, under a row lock where the database has one.
    parent = OrgUnit.objects.select_for_update().get(pk=parent.pk)
    _check_placement(unit=None, parent=parent, level=level)
    return parent.add_child(**values)


@transaction.atomic
def unit_update(
    *,
    unit: OrgUnit,
    code: str,
    name: str,
    level: str,
    is_active: bool,
    parent: OrgUnit | None,
) -> OrgUnit:
    """Change a unit; a different ``parent`` moves it, with its whole subtree.

    ``parent=None`` keeps a root unit a root; a unit that has a parent cannot
    be turned into a root here.
    """
    unit = OrgUnit.objects.select_for_update().get(pk=unit.pk)
    current_parent_path = unit.path[: -OrgUnit.steplen]
    if parent is None and current_parent_path:
        raise ValidationError({"parent": _("Choose the unit this one belongs to.")})
    if parent is not None:
        parent = OrgUnit.objects.select_for_update().get(pk=parent.pk)
    _check_placement(unit=unit, parent=parent, level=level)
    if parent is not None and parent.path != current_parent_path:
        readiness_lock_all()  # every scope above it changes
        unit.move(parent, pos="last-child")
        unit.refresh_from_db()
        # Its staff may have left or entered the subtrees of policy audiences.
        assignments_sync_staff_enqueue()
    unit.code = code.strip()
    unit.name = name.strip()
    unit.level = level
    unit.is_active = is_active
    unit.full_clean(exclude=["path", "depth", "numchild"])
    unit.save(update_fields=["code", "name", "level", "is_active"])
    return unit


def unit_delete_blockers(*, unit: OrgUnit) -> list[str]:
    """Why ``unit`` cannot be deleted (sub-units, staff); empty when it can."""
    reasons = []
    children = unit.get_children().count()
    if children:
        reasons.append(
            ngettext(
                "It has %(count)d sub-unit: move or delete it first.",
                "It has %(count)d sub-units: move or delete them first.",
                children,
            )
            % {"count": children}
        )
    staff = Employee.objects.filter(unit=unit).count()
    if staff:
        reasons.append(
            ngettext(
                "%(count)d employee (active or not) belongs to it: transfer them "
                "first.",
                "%(count)d employees (active or not) belong to it: transfer them "
                "first.",
                staff,
            )
            % {"count": staff}
        )
    return reasons


@transaction.atomic
def unit_delete(*, unit: OrgUnit) -> None:
    """Delete a leaf unit without staff; its manager scopes go with it.

    Refused (``ValidationError``) when sub-units or staff exist, or when other
    records (assignments, launches...) protect it: a delete of a tree node
    would otherwise take its whole subtree along.
    """
    unit = OrgUnit.objects.select_for_update().get(pk=unit.pk)
    reasons = unit_delete_blockers(unit=unit)
    if reasons:
        raise ValidationError(reasons)
    try:
        unit.delete()
    except (ProtectedError, RestrictedError) as error:
        kinds = sorted({obj._meta.verbose_name for obj in error.protected_objects})
        raise ValidationError(
            _("Other records still refer to this unit: %(kinds)s.")
            % {"kinds": ", ".join(str(kind) for kind in kinds)}
        ) from error


# --- Employees ----------------------------------------------------------------


def _username_taken(username: str, *, other_than: User | None = None) -> bool:
    users = User.objects.filter(username=username)
    if other_than is not None:
        users = users.exclude(pk=other_than.pk)
    return users.exists()


@transaction.atomic
def employee_create(
    *,
    employee_no: str,
    name: str,
    unit: OrgUnit,
    position: Position,
    email: str = "",
    is_active: bool = True,
) -> Employee:
    """Create the HR record and its login (username = employee number)."""
    employee_no = employee_no.strip()
    name = name.strip()
    if _username_taken(employee_no):
        raise ValidationError(
            {"employee_no": _("A login with this employee number already exists.")}
        )
    user = User(
        username=employee_no,
        first_name=name,
        email=email,
        is_active=is_active,
    )
    user.set_unusable_password()
    user.save()
    employee = Employee.objects.create(
        user=user,
        employee_no=employee_no,
        name=name,
        email=email,
        unit=unit,
        position=position,
        is_active=is_active,
    )
    assignments_sync_staff_enqueue(employee_ids=[employee.pk])
    return employee


@transaction.atomic
def employee_update(
    *,
    employee: Employee,
    employee_no: str,
    name: str,
    unit: OrgUnit,
    position: Position,
    email: str = "",
    is_active: bool = True,
) -> Employee:
    """Change the HR record and keep its login in step."""
    employee = Employee.objects.select_for_update().get(pk=employee.pk)
    user = User.objects.select_for_update().get(pk=employee.user_id)
    employee_no = employee_no.strip()
    if _username_taken(employee_no, other_than=user):
        raise ValidationError(
            {"employee_no": _("A login with this employee number already exists.")}
        )
    audience_before = (employee.unit_id, employee.position_id, employee.is_active)
    employee.employee_no = employee_no
    employee.name = name.strip()
    employee.email = email
    employee.unit = unit
    employee.position = position
    employee.is_active = is_active
    employee.save()
    user.username = employee_no
    user.first_name = employee.name
    user.email = email
    user.is_active = is_active
    user.save(update_fields=["username", "first_name", "email", "is_active"])
    if (employee.unit_id, employee.position_id, employee.is_active) != audience_before:
        readiness_lock_all()  # a transfer or a deactivation moves the counts
        assignments_sync_staff_enqueue(employee_ids=[employee.pk])
    return employee
