"""Hand-written SELECTs for the few queries that run on every request.

The ORM compiles each query anew on every call: a join with a Wagtail page and
a row lock costs about a millisecond of CPU before the database sees it, more
than the database spends answering. Signing in (the user with their employee
record) and submitting an attempt (the locked attempt with its owner and its
policy) run thousands of times a second at a deadline, and the launch
systems poll the readiness API (the token, the permissions, the policy, the
unit, the scope's stored counts: decision 22), so their SQL is written once,
with the column lists taken from the models (a new field cannot be
forgotten) and the rows turned back into model instances through the
database's converters and ``Model.from_db``, exactly as the ORM would.

On PostgreSQL these statements also run through :func:`planned_cursor`: a
server-side prepared statement per connection, so that PostgreSQL parses and
plans each of them once instead of on every request (planning the attempt's
five-table join cost more than executing it). The ORM's own queries keep
Django's client-side binding.

Everything else goes through the ORM. ``docs/decisions.md`` (11, 12, 22) says
why.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import psycopg
from django.db import connections
from django.db.backends.postgresql.psycopg_any import register_tzloader
from django.db.backends.utils import CursorWrapper
from django.db.models import Field, Model
from django.utils.asyncio import async_unsafe
from psycopg.pq import Format

_TIMESTAMPTZ_OID = psycopg.adapters.types["timestamptz"].oid


class Columns:
    """The columns of ``model`` in a SELECT, read back as an instance.

    ``aliases`` names the table alias of each concrete table (a Wagtail page
    type spans ``wagtailcore_page`` and its own table); ``fields`` limits the
    columns, in the order given (the others are deferred: read on access, like
    ``.only()``).
    """

    def __init__(
        self,
        model: type[Model],
        aliases: dict[type[Model], str] | str,
        fields: Sequence[str] | None = None,
    ):
        self.model = model
        self.aliases = aliases
        concrete = model._meta.concrete_fields
        if fields is not None:  # in the order given
            by_name = {f.name: f for f in concrete} | {f.attname: f for f in concrete}
            missing = [name for name in fields if name not in by_name]
            if missing:
                raise ValueError(f"{model.__name__} has no field {sorted(missing)}")
            concrete = [by_name[name] for name in fields]
        self.fields: list[Field] = list(concrete)
        self.attnames = [f.attname for f in self.fields]
        self._converters: dict[str, list[tuple[Any, list]]] = {}

    def __len__(self) -> int:
        return len(self.fields)

    def _alias(self, field: Field) -> str:
        if isinstance(self.aliases, str):
            return self.aliases
        return self.aliases[field.model]  # the model that declares the column

    def sql(self, using: str = "default") -> str:
        quote = connections[using].ops.quote_name
        return ", ".join(f"{self._alias(f)}.{quote(f.column)}" for f in self.fields)

    def converters(self, using: str) -> list[tuple[Any, list]]:
        """Per column: its expression and the database's and the field's
        converters (cached per database)."""
        if using not in self._converters:
            connection = connections[using]
            found = []
            for field in self.fields:
                column = field.get_col(self._alias(field))
                converters = [
                    *connection.ops.get_db_converters(column),
                    *column.get_db_converters(connection),
                ]
                found.append((column, converters))
            self._converters[using] = found
        return self._converters[using]

    def values(
        self, row: Sequence[Any], start: int = 0, using: str = "default"
    ) -> list[Any]:
        """The Python values of ``row[start:start + len(self)]``, converted as
        the ORM converts them."""
        connection = connections[using]
        values = []
        for offset, (column, converters) in enumerate(self.converters(using)):
            value = row[start + offset]
            for converter in converters:
                value = converter(value, column, connection)
            values.append(value)
        return values

    def named(
        self, row: Sequence[Any], start: int = 0, using: str = "default"
    ) -> dict[str, Any]:
        """:meth:`values` by attribute name (``policy_id`` for a foreign key)."""
        return dict(zip(self.attnames, self.values(row, start, using), strict=True))

    def build(self, row: Sequence[Any], start: int = 0, using: str = "default"):
        """The model instance for ``row[start:start + len(self)]``."""
        return self.model.from_db(using, self.attnames, self.values(row, start, using))


@functools.cache
def table(model: type[Model], using: str = "default") -> str:
    return connections[using].ops.quote_name(model._meta.db_table)


@functools.cache
def column(model: type[Model], name: str, using: str = "default") -> str:
    return connections[using].ops.quote_name(model._meta.get_field(name).column)


def aliased(model: type[Model], alias: str, using: str = "default"):
    """A function of a field's name giving ``alias."its column"``."""
    return lambda name: f"{alias}.{column(model, name, using)}"


@functools.cache
def insert_columns(model: type[Model], using: str = "default") -> tuple[str, str]:
    """The column list and the placeholders of an INSERT of ``model`` (every
    concrete field but an automatic primary key)."""
    quote = connections[using].ops.quote_name
    fields = _insert_fields(model)
    return ", ".join(quote(f.column) for f in fields), ", ".join(["%s"] * len(fields))


def insert_values(instance: Model, using: str = "default") -> list[Any]:
    """The values of :func:`insert_columns` for the unsaved ``instance``,
    prepared as ``Model.save()`` prepares them."""
    connection = connections[using]
    return [
        f.get_db_prep_save(f.pre_save(instance, add=True), connection)
        for f in _insert_fields(type(instance))
    ]


def _insert_fields(model: type[Model]) -> list[Field]:
    auto = model._meta.auto_field
    return [f for f in model._meta.concrete_fields if f is not auto]


def prepared(
    model: type[Model], names: Sequence[str], instance: Model, using: str = "default"
) -> list[Any]:
    """The values of ``instance``'s fields ``names`` as the database takes them."""
    connection = connections[using]
    meta = model._meta
    return [
        meta.get_field(name).get_db_prep_save(getattr(instance, name), connection)
        for name in names
    ]


class _PlannedCursor(psycopg.Cursor):
    """A psycopg cursor binding its parameters on the server and preparing
    every statement it runs (psycopg keeps the prepared statements of a
    connection, up to ``prepared_max``, and reuses them by SQL text and
    parameter types)."""

    def execute(self, query, params=None, *, prepare=None, binary=None):
        return super().execute(query, params, prepare=True, binary=binary)

    def _convert_query(self, query, params=None):
        # Django's query log reads the statement from ``_query``, which psycopg
        # only sets for statements it does not prepare.
        self._query = super()._convert_query(query, params)
        return self._query


@async_unsafe
def planned_cursor(using: str = "default") -> CursorWrapper:
    """Django's cursor on ``using`` (health check, transactions, error
    translation, query log and counts all Django's), whose statements
    PostgreSQL parses and plans once per connection: a server-side prepared
    statement. After five runs PostgreSQL keeps a generic plan, so a join
    with the Wagtail page tables is no longer planned on every request.

    For the hand-written hot-path statements of this module only. Elsewhere,
    and with ``DJANGO_DB_PREPARED_STATEMENTS=0`` (settings: psycopg's
    ``prepare_threshold`` left to Django's ``None``, as a connection pooler
    without prepared-statement support needs), it is the plain cursor.
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        return connection.cursor()
    # What connection.cursor() does, with our cursor in Django's wrapper.
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    raw = connection.connection
    if raw.prepare_threshold is None:
        return connection.cursor()
    with connection.wrap_database_errors:
        planned = _PlannedCursor(raw)
    # As Django's create_cursor: the cursor's time zone when the connection's
    # differs (a test overriding TIME_ZONE on an open connection).
    loader = raw.adapters.get_loader(_TIMESTAMPTZ_OID, Format.TEXT)
    if connection.timezone != loader.timezone:
        register_tzloader(connection.timezone, planned)
    connection.validate_thread_sharing()
    if connection.queries_logged:
        return connection.make_debug_cursor(planned)
    return connection.make_cursor(planned)
