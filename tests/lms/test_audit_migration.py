"""Migration 0012 moves the audit entries of units, staff and what belongs
to them from Wagtail's ModelLogEntry to the scoped table, each with the unit
the object belongs to (decision 18)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("lms", "0010_exemption")]
AFTER = [("lms", "0012_move_scoped_log_entries")]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_entries_move_with_their_units_and_pages_stay():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    OrgUnit = old.get_model("lms", "OrgUnit")
    Employee = old.get_model("lms", "Employee")
    Position = old.get_model("lms", "Position")
    User = old.get_model("lms", "User")
    ContentType = old.get_model("contenttypes", "ContentType")
    ModelLogEntry = old.get_model("wagtailcore", "ModelLogEntry")

    unit = OrgUnit.objects.create(
        code="M-HQ", name="总部", level="hq", path="9001", depth=1, numchild=0
    )
    position = Position.objects.create(code="m-counter", name="柜面")
    user = User.objects.create(username="m-1")
    employee = Employee.objects.create(
        employee_no="M-1",
        name="张三",
        unit=unit,
        position=position,
        user=user,
        created_at=timezone.now(),
        updated_at=timezone.now(),
    )
    types = {
        model: ContentType.objects.get_or_create(app_label=app, model=model)[0]
        for app, model in (("lms", "employee"), ("lms", "position"))
    }
    now = timezone.now()
    for object_id, kind, label in (
        (employee.pk, "employee", "张三 (M-1)"),
        (999_999, "employee", "已删除 (M-0)"),
        (position.pk, "position", "柜面"),
    ):
        ModelLogEntry.objects.create(
            content_type=types[kind],
            object_id=str(object_id),
            label=label,
            action="wagtail.edit",
            timestamp=now,
            data={},
        )

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    ScopedLogEntry = new.get_model("lms", "ScopedLogEntry")
    moved = {e.label: e.unit_id for e in ScopedLogEntry.objects.all()}
    assert moved == {"张三 (M-1)": unit.pk, "已删除 (M-0)": None}
    remaining = new.get_model("wagtailcore", "ModelLogEntry").objects.all()
    assert [e.label for e in remaining] == ["柜面"]  # positions are not scoped

    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)  # and back: the entries return
    back = executor.loader.project_state(BEFORE).apps
    labels = back.get_model("wagtailcore", "ModelLogEntry").objects.values_list(
        "label", flat=True
    )
    assert sorted(labels) == sorted(["张三 (M-1)", "已删除 (M-0)", "柜面"])
    MigrationExecutor(connection).migrate(executor.loader.graph.leaf_nodes())
