"""``lms.sql``: SELECTs written once from the models read back the same
instances the ORM would."""

from __future__ import annotations

import pytest
from django.db import connection

from lms.models import Position
from lms.sql import Columns, column, insert_columns, insert_values, table

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
