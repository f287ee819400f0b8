"""Database triggers that raise ``ReadinessCount.generation`` in the
transaction of every write that can change a policy's readiness counts in a
unit (``lms.services.readiness_counts``): whatever writes the rows — the
services, a bulk update, the admin, a shell — the stored counts of that
unit stop being trusted until they are recounted.

PostgreSQL: assignments (written in bulk by the assignment sync, which holds
the readiness lock) by one statement-level trigger per event reading the
transition tables: one upsert per statement, however many rows it wrote.
Certificates, exemptions and staff by deferred row-level constraint
triggers, run as their transaction commits: the counts' row is then held
for the commit alone (a staff import holding every unit it transferred
someone in would make each quiz pass there wait for the whole import), and
the employee's unit is read as of the commit, so a pass racing a transfer
is counted in the unit its employee ends up in.
SQLite: row-level triggers (its only kind; writers take turns anyway)."""

from django.db import migrations

# What each table's change touches, as (policy_id, employee_id) pairs or,
# for the staff table, (policy_id, unit_id) pairs; ``{rows}`` is the
# transition table (PostgreSQL) or OLD/NEW (SQLite).
WATCHED = {
    # table: (columns whose change matters, employee column)
    "lms_assignment": ("is_active", "policy_id", "employee_id"),
    "certificates_certificate": (
        "policy_id",
        "employee_id",
        "version",
        "expires_at",
        "revoked_at",
        "superseded_at",
    ),
    "lms_exemption": ("policy_id", "employee_id", "status", "starts_on", "ends_on"),
}
STAFF_COLUMNS = ("unit_id", "position_id", "is_active", "created_at")

UPSERT = (
    "INSERT INTO lms_readinesscount (policy_id, unit_id) {select} "
    "ON CONFLICT (policy_id, unit_id) DO UPDATE "
    "SET generation = lms_readinesscount.generation + 1"
)


def _via_employee(row: str) -> str:
    """The upsert of (policy, the employee's unit) for ``row`` (OLD/NEW) of
    a table with ``policy_id`` and ``employee_id``."""
    select = (
        f"SELECT {row}.policy_id, e.unit_id FROM lms_employee e "
        f"WHERE e.id = {row}.employee_id"
    )
    return UPSERT.format(select=select) + ";"


def _sqlite_update(name: str, table: str, columns, body: str) -> str:
    changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in columns)
    return (
        f"CREATE TRIGGER {name}_update AFTER UPDATE OF {', '.join(columns)} "
        f"ON {table} WHEN {changed} BEGIN {body} END;"
    )


def _pg_pairs_changed(columns) -> str:
    old = ", ".join(f"o.{c}" for c in columns)
    new = ", ".join(f"n.{c}" for c in columns)
    return f"JOIN new_rows n ON n.id = o.id WHERE ({old}) IS DISTINCT FROM ({new})"


def _pg_statement_table(table: str, columns) -> list[str]:
    name = f"lms_readiness_touch_{table}"
    via_staff = (
        "SELECT DISTINCT t.policy_id, e.unit_id FROM ({pairs}) t "
        "JOIN lms_employee e ON e.id = t.employee_id"
    )
    changed = _pg_pairs_changed(columns)
    inserted = via_staff.format(pairs="SELECT policy_id, employee_id FROM new_rows")
    deleted = via_staff.format(pairs="SELECT policy_id, employee_id FROM old_rows")
    updated = via_staff.format(
        pairs=(
            f"SELECT o.policy_id, o.employee_id FROM old_rows o {changed} "
            f"UNION SELECT n.policy_id, n.employee_id FROM old_rows o {changed}"
        )
    )
    return [
        f"""
        CREATE FUNCTION {name}() RETURNS trigger AS $$
        BEGIN
            IF TG_OP = 'INSERT' THEN {UPSERT.format(select=inserted)};
            ELSIF TG_OP = 'DELETE' THEN {UPSERT.format(select=deleted)};
            ELSE {UPSERT.format(select=updated)};
            END IF;
            RETURN NULL;
        END $$ LANGUAGE plpgsql;
        """,
        f"CREATE TRIGGER {name}_insert AFTER INSERT ON {table} REFERENCING "
        f"NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {name}();",
        f"CREATE TRIGGER {name}_update AFTER UPDATE ON {table} REFERENCING "
        f"OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT "
        f"EXECUTE FUNCTION {name}();",
        f"CREATE TRIGGER {name}_delete AFTER DELETE ON {table} REFERENCING "
        f"OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION {name}();",
    ]


def _pg_deferred(
    name: str, table: str, columns, body: str, *, inserts: bool = True
) -> list[str]:
    """Row-level constraint triggers run at commit (``DEFERRED_TRIGGERS``
    names them): ``body`` reads OLD/NEW (``TG_OP`` says which exist)."""
    changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in columns)
    deferred = "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW"
    statements = [
        f"""
        CREATE FUNCTION {name}() RETURNS trigger AS $$
        BEGIN
            {body}
            RETURN NULL;
        END $$ LANGUAGE plpgsql;
        """,
        f"CREATE CONSTRAINT TRIGGER {name}_update AFTER UPDATE ON {table} "
        f"{deferred} WHEN ({changed}) EXECUTE FUNCTION {name}();",
    ]
    if inserts:
        statements.append(
            f"CREATE CONSTRAINT TRIGGER {name}_insert_delete AFTER INSERT OR "
            f"DELETE ON {table} {deferred} EXECUTE FUNCTION {name}();"
        )
    return statements


def _pg_row_table(table: str, columns) -> list[str]:
    body = (
        f"IF TG_OP <> 'INSERT' THEN {_via_employee('OLD')} END IF; "
        f"IF TG_OP <> 'DELETE' THEN {_via_employee('NEW')} END IF;"
    )
    return _pg_deferred(f"lms_readiness_touch_{table}", table, columns, body)


def _pg_staff() -> list[str]:
    select = (
        "SELECT DISTINCT a.policy_id, u.unit_id FROM lms_assignment a "
        "CROSS JOIN (VALUES (OLD.unit_id), (NEW.unit_id)) AS u (unit_id) "
        "WHERE a.employee_id = NEW.id"
    )
    body = f"{UPSERT.format(select=select)};"
    return _pg_deferred(
        "lms_readiness_touch_lms_employee",
        "lms_employee",
        STAFF_COLUMNS,
        body,
        inserts=False,  # a new employee has no assignment yet
    )


def _sqlite_table(table: str, columns) -> list[str]:
    name = f"lms_readiness_touch_{table}"
    return [
        f"CREATE TRIGGER {name}_insert AFTER INSERT ON {table} "
        f"BEGIN {_via_employee('NEW')} END;",
        _sqlite_update(
            name, table, columns, f"{_via_employee('OLD')} {_via_employee('NEW')}"
        ),
        f"CREATE TRIGGER {name}_delete AFTER DELETE ON {table} "
        f"BEGIN {_via_employee('OLD')} END;",
    ]


def _sqlite_staff() -> list[str]:
    def touch(row: str) -> str:
        select = (
            f"SELECT policy_id, {row}.unit_id FROM lms_assignment "
            f"WHERE employee_id = {row}.id"
        )
        return UPSERT.format(select=select) + ";"

    return [
        _sqlite_update(
            "lms_readiness_touch_lms_employee",
            "lms_employee",
            STAFF_COLUMNS,
            f"{touch('OLD')} {touch('NEW')}",
        )
    ]


def _statements(vendor: str) -> list[str]:
    if vendor == "postgresql":
        statements = []
        for table, columns in WATCHED.items():
            make = _pg_statement_table if table == "lms_assignment" else _pg_row_table
            statements += make(table, columns)
        return statements + _pg_staff()
    if vendor == "sqlite":
        tables = [s for t, c in WATCHED.items() for s in _sqlite_table(t, c)]
        return tables + _sqlite_staff()
    return []


def _reverse(vendor: str) -> list[str]:
    names = [f"lms_readiness_touch_{t}" for t in [*WATCHED, "lms_employee"]]
    if vendor == "postgresql":
        return [f"DROP FUNCTION IF EXISTS {name}() CASCADE;" for name in names]
    if vendor == "sqlite":
        return [
            f"DROP TRIGGER IF EXISTS {name}_{event};"
            for name in names
            for event in ("insert", "update", "delete")
        ]
    return []


def forwards(apps, schema_editor):
    for statement in _statements(schema_editor.connection.vendor):
        schema_editor.execute(statement)


def backwards(apps, schema_editor):
    for statement in _reverse(schema_editor.connection.vendor):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("lms", "0014_readiness_count"),
        ("certificates", "0004_supersede_and_pdf"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
