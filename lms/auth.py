"""Authentication: Django's model backend, with the signed-in user loaded
together with their employee record in one query.

Every page an employee opens needs both (``request.user`` and the employee it
belongs to); :class:`EmployeeBackend` reads them in one hand-written SELECT
(``lms.sql``) instead of two compiled ORM queries, and caches the active
employee record on the user, where :func:`active_employee` finds it.

A view that reads the user's row anyway (quiz submission reads the attempt
with its owner) can have Django authenticate the request with that row
(:func:`authenticate_with`): Django's own ``get_user`` then runs every check
it always runs (the backend, ``is_active``, the session's password hash and
its fallbacks), on the row already read, without a second query.
"""

from __future__ import annotations

import functools
from contextvars import ContextVar

from django.conf import settings
from django.contrib import auth
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import router
from django.http import HttpRequest

from lms.models import Employee, User
from lms.sql import Columns, column, planned_cursor, table

# The user's and the employee's columns, aliased "u" and "e" in a SELECT.
USER_COLUMNS = Columns(User, "u")
EMPLOYEE_COLUMNS = Columns(Employee, "e")
# A user row read by the view itself, for EmployeeBackend.get_user.
_PRELOADED: ContextVar[User | None] = ContextVar("preloaded_user", default=None)


@functools.cache
def _sql(using: str) -> str:
    return (
        f"SELECT {USER_COLUMNS.sql(using)}, {EMPLOYEE_COLUMNS.sql(using)} "
        f"FROM {table(User, using)} u LEFT JOIN {table(Employee, using)} e "
        f"ON e.{column(Employee, 'user', using)} = u.{column(User, 'id', using)} "
        f"AND e.{column(Employee, 'is_active', using)} "
        f"WHERE u.{column(User, 'id', using)} = %s"
    )


def user_with_employee(user_id) -> User | None:
    """The user ``user_id`` with its active employee record (or none) cached
    as ``user.employee``."""
    using = router.db_for_read(User)
    with planned_cursor(using) as cursor:
        cursor.execute(_sql(using), [user_id])
        row = cursor.fetchone()
    if row is None:
        return None
    return user_from_row(row, 0, using)


def user_from_row(row, start: int, using: str) -> User:
    """The user of ``row[start:]`` (:data:`USER_COLUMNS` then
    :data:`EMPLOYEE_COLUMNS`, the latter all NULL without an active record),
    with the employee record cached as ``user.employee``."""
    user = USER_COLUMNS.build(row, start, using)
    employee = None
    if row[start + len(USER_COLUMNS)] is not None:
        employee = EMPLOYEE_COLUMNS.build(row, start + len(USER_COLUMNS), using)
    attach_employee(user, employee)
    return user


def active_employee(user) -> Employee | None:
    """The active employee record of a signed-in ``user`` (``None`` for an
    account without one, e.g. an administrator, or a departed employee)."""
    if not user.is_authenticated:
        return None
    try:
        employee = user.employee  # cached by the backend, else one query
    except ObjectDoesNotExist:
        return None
    return employee if employee is not None and employee.is_active else None


def attach_employee(user: User, employee: Employee | None) -> None:
    """Cache ``employee`` (active, or ``None``) as ``user.employee``."""
    if employee is not None:
        Employee.user.field.set_cached_value(employee, user)
    User.employee.related.set_cached_value(user, employee)


def session_user_id(request: HttpRequest):
    """The id of the user the session names, through a backend this site
    accepts, or ``None``: read from the session only, the user not loaded
    (nor verified: see :func:`authenticate_with`)."""
    session = request.session
    try:
        user_id = User._meta.pk.to_python(session[auth.SESSION_KEY])
        backend = session[auth.BACKEND_SESSION_KEY]
    except (KeyError, ValidationError):
        return None
    return user_id if backend in settings.AUTHENTICATION_BACKENDS else None


def authenticate_with(request: HttpRequest, user: User) -> bool:
    """Authenticate ``request`` with ``user``, a row of the user
    :func:`session_user_id` named, read by the caller: Django's
    ``auth.get_user`` decides, with every check it makes (a session that fails
    them is flushed, as always), and ``request.user`` is set to its answer.
    ``True`` when the request is that user's."""
    token = _PRELOADED.set(user)
    try:
        resolved = auth.get_user(request)
    finally:
        _PRELOADED.reset(token)
    request.user = resolved
    return resolved.is_authenticated and resolved.pk == user.pk


@functools.cache
def _permissions_sql(using: str, everyone: bool) -> str:
    """The permissions (app label, codename) of a user, their own and their
    groups' (``everyone``: all of them, a superuser's)."""
    direct = User.user_permissions.through
    member = User.groups.through
    granted = Group.permissions.through
    where = ""
    if not everyone:
        where = (
            f" WHERE p.{column(Permission, 'id', using)} IN ("
            f"SELECT {column(direct, 'permission', using)} FROM {table(direct, using)} "
            f"WHERE {column(direct, 'user', using)} = %s UNION "
            f"SELECT g.{column(granted, 'permission', using)} "
            f"FROM {table(granted, using)} g JOIN {table(member, using)} m "
            f"ON m.{column(member, 'group', using)} "
            f"= g.{column(granted, 'group', using)} "
            f"WHERE m.{column(member, 'user', using)} = %s)"
        )
    return (
        f"SELECT c.{column(ContentType, 'app_label', using)}, "
        f"p.{column(Permission, 'codename', using)} "
        f"FROM {table(Permission, using)} p JOIN {table(ContentType, using)} c "
        f"ON c.{column(ContentType, 'id', using)} "
        f"= p.{column(Permission, 'content_type', using)}{where}"
    )


class EmployeeBackend(ModelBackend):
    """``ModelBackend`` (passwords, permissions, ``is_active``) whose
    ``get_user`` also loads the employee record, in the same query (or takes
    the row :func:`authenticate_with` was given)."""

    def get_all_permissions(self, user_obj, obj=None):
        """As ``ModelBackend``'s, the user's and their groups' permissions
        read in one planned statement instead of two compiled queries (every
        permission check of a request starts here)."""
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            using = router.db_for_read(Permission)
            with planned_cursor(using) as cursor:
                if user_obj.is_superuser:
                    cursor.execute(_permissions_sql(using, everyone=True))
                else:
                    cursor.execute(
                        _permissions_sql(using, everyone=False), [user_obj.pk] * 2
                    )
                rows = cursor.fetchall()
            user_obj._perm_cache = {f"{app}.{codename}" for app, codename in rows}
        return user_obj._perm_cache

    def get_user(self, user_id):
        preloaded = _PRELOADED.get()
        if preloaded is not None and preloaded.pk == user_id:
            user = preloaded
        else:
            user = user_with_employee(user_id)
        if user is None or not self.user_can_authenticate(user):
            return None
        return user
