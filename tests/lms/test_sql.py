"""``lms.sql``: SELECTs written once from the models read back the same
instances the ORM would."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from lms.models import Position
from lms.sql import (
    Columns,
    column,
    insert_columns,
    insert_values,
    planned_cursor,
    table,
)
from tests.conftest import POSTGRES

pytestmark = pytest.mark.django_db


def _select(columns: Columns, pk: int):
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns.sql()} FROM {table(Position)} t "
            f"WHERE t.{column(Position, 'id')} = %s",
            [pk],
        )
        return cursor.fetchone()


def test_a_row_reads_back_as_the_orm_instance():
    position = Position.objects.create(code="counter", name="营业员")
    columns = Columns(Position, "t")

    built = columns.build(_select(columns, position.pk))

    orm = Position.objects.get(pk=position.pk)
    assert [getattr(built, f) for f in columns.attnames] == [
        getattr(orm, f) for f in columns.attnames
    ]
    assert built._state.adding is False


def test_a_subset_of_fields_defers_the_others():
    position = Position.objects.create(code="counter", name="营业员")
    columns = Columns(Position, "t", fields=["id", "code"])

    built = columns.build(_select(columns, position.pk))

    assert built.code == "counter"
    assert built.get_deferred_fields() >= {"name"}
    assert built.name == "营业员"  # read on access, like .only()


def test_the_fields_are_read_in_the_order_given():
    position = Position.objects.create(code="counter", name="营业员")
    columns = Columns(Position, "t", fields=["name", "id", "code"])

    assert columns.values(_select(columns, position.pk)) == [
        "营业员",
        position.pk,
        "counter",
    ]


def test_an_unknown_field_is_refused_at_once():
    with pytest.raises(ValueError, match="no field"):
        Columns(Position, "t", fields=["id", "colour"])


def test_an_insert_writes_what_save_would():
    columns, placeholders = insert_columns(Position)
    unsaved = Position(code="clerk", name="客户经理")

    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table(Position)} ({columns}) VALUES ({placeholders})",
            insert_values(unsaved),
        )

    saved = Position.objects.get(code="clerk")
    assert saved.name == "客户经理"


def _prepared_statements() -> dict[str, tuple[int, int]]:
    """The statements prepared on this connection: text → (generic, custom) plans."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements"
        )
        return {row[0]: (row[1], row[2]) for row in cursor.fetchall()}


def _read_position(pk: int, alias: str = "t"):
    """A SELECT through :func:`planned_cursor`; its text differs by ``alias``
    (prepared statements outlive a test's transaction on the connection)."""
    with planned_cursor() as cursor:
        cursor.execute(
            f"SELECT {alias}.{column(Position, 'name')} FROM {table(Position)} "
            f"{alias} WHERE {alias}.{column(Position, 'id')} = %s",
            [pk],
        )
        return cursor.fetchone()


def test_a_planned_cursor_reads_as_any_cursor(django_assert_num_queries):
    """On every database: the same rows, each statement counted in the query
    log (the query-count tests see it)."""
    position = Position.objects.create(code="counter", name="营业员")

    with django_assert_num_queries(1) as captured:
        assert _read_position(position.pk) == ("营业员",)

    assert table(Position) in captured.captured_queries[0]["sql"]


postgres_only = pytest.mark.skipif(
    not POSTGRES, reason="needs PostgreSQL (DATABASE_URL=postgres://...)"
)


@postgres_only
def test_postgresql_plans_a_planned_statement_once_per_connection():
    positions = [
        Position.objects.create(code=f"p{i}", name=f"岗位 {i}") for i in range(8)
    ]

    for position in positions:
        assert _read_position(position.pk, alias="once") == (position.name,)

    mine = {
        text: plans
        for text, plans in _prepared_statements().items()
        if f"{table(Position)} once" in text
    }
    assert len(mine) == 1  # one statement, prepared once, run 8 times
    generic, custom = next(iter(mine.values()))
    assert custom == 5 and generic == 3  # then PostgreSQL keeps the generic plan


@postgres_only
def test_a_planned_statement_fails_as_a_django_database_error():
    Position.objects.create(code="counter", name="营业员")
    columns, placeholders = insert_columns(Position)

    with pytest.raises(IntegrityError), transaction.atomic():
        with planned_cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table(Position)} ({columns}) VALUES ({placeholders})",
                insert_values(Position(code="counter", name="重复")),
            )

    assert list(Position.objects.values_list("name", flat=True)) == ["营业员"]


@postgres_only
def test_without_prepared_statements_nothing_is_prepared(monkeypatch):
    """``DJANGO_DB_PREPARED_STATEMENTS=0`` (psycopg's prepare_threshold left at
    None, behind an old pooler): the plain client-side cursor."""
    position = Position.objects.create(code="counter", name="营业员")
    connection.ensure_connection()
    monkeypatch.setattr(connection.connection, "prepare_threshold", None)

    for _ in range(6):
        assert _read_position(position.pk, alias="unprepared") == ("营业员",)

    assert not [t for t in _prepared_statements() if "unprepared" in t]


def test_the_hot_path_reads_are_the_orm_s(tree):
    """The API's policy, unit and manager scopes, read by planned
    statements, are what the ORM reads."""
    from cms.models import PolicyPage
    from lms.models import ManagerScope, OrgUnit
    from lms.selectors.policies import policy_with_code
    from lms.selectors.scope import scope_paths_for, unit_with_code
    from tests.factories import UserFactory
    from tests.lms.test_readiness import readiness_course

    policy = readiness_course()
    read = policy_with_code(policy.code)
    orm = PolicyPage.objects.get(pk=policy.pk)
    fields = [f.attname for f in PolicyPage._meta.concrete_fields]
    assert [getattr(read, f) for f in fields] == [getattr(orm, f) for f in fields]
    assert policy_with_code("NOPE-1") is None

    unit = unit_with_code("GZ-TH")
    assert unit == OrgUnit.objects.get(code="GZ-TH") and unit.path == tree["GZ-TH"].path
    assert unit_with_code("XX") is None

    manager = UserFactory()
    for code in ("GZ", "GZ-TH", "BJ"):  # GZ-TH lies inside GZ
        ManagerScope.objects.create(user=manager, unit=tree[code])
    assert scope_paths_for(user=manager) == sorted([tree["GZ"].path, tree["BJ"].path])
