"""Launch records cannot be changed or deleted, whoever writes to the
database: a trigger refuses every UPDATE and DELETE of ``lms_launch``
(PostgreSQL and SQLite; the model refuses them before that). TRUNCATE, which
only the table's owner may run (an operator, e.g. the test runner's flush),
is left to the database's own privileges."""

from django.db import migrations

MESSAGE = "launch records are never changed or deleted"

POSTGRESQL = [
    f"""
    CREATE OR REPLACE FUNCTION lms_launch_immutable() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
    END;
    $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER lms_launch_immutable
    BEFORE UPDATE OR DELETE ON lms_launch
    FOR EACH ROW EXECUTE FUNCTION lms_launch_immutable();
    """,
]
POSTGRESQL_REVERSE = [
    "DROP TRIGGER IF EXISTS lms_launch_immutable ON lms_launch;",
    "DROP FUNCTION IF EXISTS lms_launch_immutable();",
]
SQLITE = [
    f"""
    CREATE TRIGGER lms_launch_no_update BEFORE UPDATE ON lms_launch
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;
    """,
    f"""
    CREATE TRIGGER lms_launch_no_delete BEFORE DELETE ON lms_launch
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;
    """,
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS lms_launch_no_update;",
    "DROP TRIGGER IF EXISTS lms_launch_no_delete;",
]


def forwards(apps, schema_editor):
    _run(schema_editor, POSTGRESQL, SQLITE)


def backwards(apps, schema_editor):
    _run(schema_editor, POSTGRESQL_REVERSE, SQLITE_REVERSE)


def _run(schema_editor, postgresql, sqlite):
    vendor = schema_editor.connection.vendor
    statements = {"postgresql": postgresql, "sqlite": sqlite}.get(vendor, [])
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("lms", "0006_launch")]

    operations = [migrations.RunPython(forwards, backwards)]
