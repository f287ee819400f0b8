"""An attempt's row read and written on the hot path: SQL written once
(``lms.sql``, ``docs/decisions.md`` 11). One read of the attempt with its
policy's rules (and, by user, its owner); one conditional write of the grade
and the certificate."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from django.db import connections, router, transaction
from django.utils.translation import gettext as _
from wagtail.models import Page

from certificates.models import Certificate
from cms.models import PolicyPage
from lms.auth import EMPLOYEE_COLUMNS, USER_COLUMNS, user_from_row
from lms.models import Employee, QuizAttempt, User
from lms.services.attempts.errors import AttemptNotFound
from lms.sql import (
    Columns,
    column,
    insert_columns,
    insert_values,
    planned_cursor,
    prepared,
    table,
)

_ATTEMPT = Columns(QuizAttempt, "a")


@dataclass(frozen=True)
class PolicyRules:
    """What grading and certifying read of an attempt's policy (as it is now)."""

    id: int
    title: str
    live: bool
    code: str
    version: int
    pass_mark: int
    certificate_validity_months: int

    @property
    def pk(self) -> int:
        return self.id


_POLICY = Columns(
    PolicyPage, {Page: "g", PolicyPage: "p"}, fields=list(PolicyRules.__annotations__)
)


@dataclass
class OwnedAttempt:
    """An attempt read for saving or submitting: with its policy's rules and
    its owner's (active) employee record, which caches the user when the
    attempt was read by user (:func:`attempt_read`)."""

    attempt: QuizAttempt
    policy: PolicyRules
    employee: Employee

    @property
    def user(self) -> User:
        return self.employee.user


@functools.cache
def _read_sql(using: str, by_user: bool) -> str:
    ptr = column(PolicyPage, "page_ptr", using)
    select = f"{_ATTEMPT.sql(using)}, {_POLICY.sql(using)}"
    owner = f"a.{column(QuizAttempt, 'employee', using)} = %s"
    joins = ""
    if by_user:
        employee_id = column(Employee, "id", using)
        select += f", {USER_COLUMNS.sql(using)}, {EMPLOYEE_COLUMNS.sql(using)}"
        joins = (
            f" JOIN {table(Employee, using)} e "
            f"ON e.{employee_id} = a.{column(QuizAttempt, 'employee', using)} "
            f"AND e.{column(Employee, 'is_active', using)} "
            f"JOIN {table(User, using)} u ON u.{column(User, 'id', using)} "
            f"= e.{column(Employee, 'user', using)}"
        )
        owner = f"e.{column(Employee, 'user', using)} = %s"
    return (
        f"SELECT {select} FROM {table(QuizAttempt, using)} a "
        f"JOIN {table(PolicyPage, using)} p "
        f"ON p.{ptr} = a.{column(QuizAttempt, 'policy', using)} "
        f"JOIN {table(Page, using)} g ON g.{column(Page, 'id', using)} = p.{ptr}"
        f"{joins} WHERE a.{column(QuizAttempt, 'id', using)} = %s AND {owner}"
    )


def attempt_read(
    *, attempt_id: int, employee: Employee | None = None, user_id: int | None = None
) -> OwnedAttempt:
    """The attempt ``attempt_id`` of ``employee`` (or of the active employee
    of the user ``user_id``, read with it and its user), with its policy's
    rules, in one query (``lms.sql``: this runs on every save and submission;
    by user, it lets the view authenticate with the same row:
    ``lms.auth.authenticate_with``). Raises :class:`AttemptNotFound` for an
    attempt that is not theirs. Not locked: the writes that follow are
    conditional on the attempt being still open (:func:`_write_open`)."""
    by_user = employee is None
    using = router.db_for_write(QuizAttempt)
    with planned_cursor(using) as cursor:
        cursor.execute(
            _read_sql(using, by_user), [attempt_id, user_id if by_user else employee.pk]
        )
        row = cursor.fetchone()
    if row is None:
        raise AttemptNotFound(_("There is no such attempt."))
    attempt = _ATTEMPT.build(row, 0, using)
    start = len(_ATTEMPT) + len(_POLICY)
    policy = PolicyRules(**_POLICY.named(row, len(_ATTEMPT), using))
    if by_user:
        employee = user_from_row(row, start, using).employee
    QuizAttempt.employee.field.set_cached_value(attempt, employee)
    return OwnedAttempt(attempt=attempt, policy=policy, employee=employee)


@functools.cache
def _update_open_sql(using: str, fields: tuple[str, ...]) -> str:
    sets = ", ".join(f"{column(QuizAttempt, name, using)} = %s" for name in fields)
    return (
        f"UPDATE {table(QuizAttempt, using)} SET {sets} "
        f"WHERE {column(QuizAttempt, 'id', using)} = %s "
        f"AND {column(QuizAttempt, 'submitted_at', using)} IS NULL"
    )


@functools.cache
def _update_open_and_certify_sql(using: str, fields: tuple[str, ...]) -> str:
    columns, placeholders = insert_columns(Certificate, using)
    return (
        f"WITH graded AS ({_update_open_sql(using, fields)} RETURNING 1) "
        f"INSERT INTO {table(Certificate, using)} ({columns}) "
        f"SELECT {placeholders} FROM graded"
    )


def _write_open(
    attempt: QuizAttempt,
    fields: tuple[str, ...],
    certificate: Certificate | None = None,
) -> bool:
    """Write ``fields`` of ``attempt`` if it is still open, and then
    ``certificate`` with them, atomically: on PostgreSQL in one statement (an
    UPDATE and an INSERT of what it updated), elsewhere in a transaction.

    ``False`` when the attempt was submitted meanwhile (a double click, a
    second tab): nothing was written. The condition is checked by the UPDATE
    itself, under the row lock the database takes for it, so of two
    concurrent submissions exactly one grades and certifies.
    """
    using = router.db_for_write(QuizAttempt)
    connection = connections[using]
    params = [*prepared(QuizAttempt, fields, attempt, using), attempt.pk]
    if certificate is None:
        with planned_cursor(using) as cursor:
            cursor.execute(_update_open_sql(using, fields), params)
            return cursor.rowcount == 1
    values = insert_values(certificate, using)
    if connection.vendor == "postgresql":
        with planned_cursor(using) as cursor:
            cursor.execute(
                _update_open_and_certify_sql(using, fields), [*params, *values]
            )
            return cursor.rowcount == 1
    columns, placeholders = insert_columns(Certificate, using)
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute(_update_open_sql(using, fields), params)
        if cursor.rowcount != 1:
            return False
        cursor.execute(
            f"INSERT INTO {table(Certificate, using)} ({columns}) "
            f"VALUES ({placeholders})",
            values,
        )
        return True
