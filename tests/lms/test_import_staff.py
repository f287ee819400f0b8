"""The staff import: ``staff_import`` and ``manage.py import_staff``."""

from __future__ import annotations

import csv
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from lms.models import Employee, Position, User
from lms.services.imports import (
    ImportReport,
    RowError,
    staff_compare,
    staff_import,
    staff_write,
)
from lms.services.imports import report as report_module
from lms.services.imports import staff as staff_module
from tests.factories import EmployeeFactory, UserFactory

pytestmark = pytest.mark.django_db

HEADER = ["employee_no", "name", "unit_code", "position", "email"]


def write_csv(path: Path, rows: list[list], *, header=HEADER, encoding="utf-8"):
    with path.open("w", encoding=encoding, newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def snapshot() -> tuple[list[tuple], list[tuple], list[tuple]]:
    """Every stored employee, login and position, to prove nothing changed."""
    return (
        list(
            Employee.objects.order_by("employee_no").values_list(
                "employee_no",
                "name",
                "email",
                "unit__code",
                "position__code",
                "is_active",
                "updated_at",
            )
        ),
        list(
            User.objects.order_by("username").values_list(
                "username", "first_name", "email", "is_active"
            )
        ),
        list(Position.objects.order_by("code").values_list("code", "name")),
    )


def employee(number: str) -> Employee:
    return Employee.objects.select_related("user", "unit", "position").get(
        employee_no=number
    )


def errors_of(report: ImportReport) -> list[tuple[int, str]]:
    return [(error.row, error.column) for error in report.errors]


STAFF = [
    ["E000001", "张三", "GZ-TH", "counter", "zhangsan@example.com"],
    ["E000002", "李四", "GZ-YX", "billing", ""],
    ["E000003", "王五", "SZ-NS", "management", "wangwu@example.com"],
]


@pytest.fixture
def staff_file(tmp_path, tree, positions) -> Path:
    return write_csv(tmp_path / "staff.csv", STAFF)


@pytest.fixture
def imported(staff_file) -> Path:
    report = staff_import(path=staff_file)
    assert report.ok, report.errors
    return staff_file


# --- creating and updating ------------------------------------------------------


def test_import_creates_employees_with_their_logins(staff_file):
    report = staff_import(path=staff_file)

    assert report.ok, report.errors
    assert (report.rows, report.created, report.updated, report.unchanged) == (
        3,
        3,
        0,
        0,
    )
    zhang = employee("E000001")
    assert (zhang.name, zhang.email, zhang.unit.code, zhang.position.code) == (
        "张三",
        "zhangsan@example.com",
        "GZ-TH",
        "counter",
    )
    assert zhang.is_active
    user = zhang.user
    assert (user.username, user.first_name, user.email, user.is_active) == (
        "E000001",
        "张三",
        "zhangsan@example.com",
        True,
    )
    assert not user.has_usable_password()
    assert user.password != employee("E000002").user.password
    # Positions as people call them, not their codes.
    assert report.samples["created"][0] == "E000001 张三: 天河区, 营业厅柜面"
    assert report.new_positions == []


def test_second_import_of_the_same_file_changes_nothing(imported):
    before = snapshot()

    report = staff_import(path=imported)

    assert report.ok
    assert (report.unchanged, report.created, report.updated) == (3, 0, 0)
    assert report.samples == {}
    assert snapshot() == before


def test_changed_unit_is_a_transfer(imported, tmp_path):
    old_stamp = employee("E000001").updated_at
    path = write_csv(
        tmp_path / "again.csv",
        [
            ["E000001", "张三", "SZ-NS", "counter", "zhangsan@example.com"],
            *STAFF[1:],
        ],
    )
    report = staff_import(path=path)

    assert report.ok
    assert (report.transferred, report.updated, report.unchanged) == (1, 1, 2)
    assert report.samples["transferred"] == ["E000001 张三: 天河区 → 南山区"]
    zhang = employee("E000001")
    assert zhang.unit.code == "SZ-NS"
    assert zhang.updated_at > old_stamp


def test_changed_position_is_a_change_of_job(imported, tmp_path):
    path = write_csv(
        tmp_path / "again.csv",
        [["E000002", "李四", "GZ-YX", "complaints", ""], STAFF[0], STAFF[2]],
    )
    report = staff_import(path=path)

    assert report.ok
    assert (report.position_changed, report.transferred, report.updated) == (1, 0, 1)
    assert report.samples["position_changed"] == ["E000002 李四: 计费账务 → 投诉处理"]
    assert employee("E000002").position.code == "complaints"


def test_unknown_position_codes_are_created(imported, tmp_path):
    path = write_csv(
        tmp_path / "again.csv",
        [
            ["E000001", "张三", "GZ-TH", "5g_sales", "", "5G 销售"],
            ["E000004", "赵六", "GZ-TH", "5g_sales", "", "ignored: first name wins"],
            ["E000005", "钱七", "BJ-DC", "field-tech", "", ""],
        ],
        header=[*HEADER, "position_name"],
    )
    report = staff_import(path=path)

    assert report.ok, report.errors
    assert report.new_positions == ["5g_sales", "field-tech"]
    names = dict(Position.objects.values_list("code", "name"))
    assert (names["5g_sales"], names["field-tech"]) == ("5G 销售", "field-tech")
    assert employee("E000001").position.code == "5g_sales"
    assert employee("E000004").position.name == "5G 销售"
    assert (report.created, report.position_changed) == (2, 1)
    # The email column is there and empty: the stored email is cleared.
    assert employee("E000001").email == ""
    assert employee("E000001").user.email == ""


def test_name_and_email_changes_reach_the_login(imported, tmp_path):
    path = write_csv(
        tmp_path / "again.csv",
        [["E000001", "张叁", "GZ-TH", "counter", "z3@example.com"], *STAFF[1:]],
    )
    report = staff_import(path=path)

    assert (report.updated, report.unchanged) == (1, 2)
    assert report.samples["updated"] == ["E000001 张叁: name, email"]
    zhang = employee("E000001")
    assert (zhang.name, zhang.email) == ("张叁", "z3@example.com")
    assert (zhang.user.first_name, zhang.user.email) == ("张叁", "z3@example.com")


def test_a_login_edited_elsewhere_is_brought_back_in_step(imported):
    User.objects.filter(username="E000003").update(first_name="X", email="x@x.cn")

    report = staff_import(path=imported)

    assert (report.updated, report.unchanged) == (1, 2)
    assert report.samples["updated"] == ["E000003 王五: login"]
    user = User.objects.get(username="E000003")
    assert (user.first_name, user.email) == ("王五", "wangwu@example.com")


def test_without_an_email_column_the_stored_email_is_kept(imported, tmp_path):
    path = write_csv(
        tmp_path / "again.csv",
        [row[:4] for row in STAFF],
        header=HEADER[:4],
    )
    report = staff_import(path=path)

    assert (report.unchanged, report.updated) == (3, 0)
    assert employee("E000001").email == "zhangsan@example.com"


def test_header_names_ignore_case_spaces_and_extra_columns(tree, positions, tmp_path):
    path = write_csv(
        tmp_path / "staff.csv",
        [["x", "E000009", "孙八", "GZ-TH", "counter", "", "note"]],
        header=[
            "Dept",
            " Employee_No ",
            "NAME",
            "Unit_Code",
            "Position",
            "EMAIL",
            "备注",
        ],
    )
    report = staff_import(path=path)

    assert report.ok, report.errors
    assert employee("E000009").name == "孙八"


def test_deactivate_missing_deactivates_absent_staff_without_deleting(
    imported, tmp_path
):
    EmployeeFactory(employee_no="E000099", unit=Employee.objects.first().unit)
    path = write_csv(tmp_path / "again.csv", STAFF[:1])

    report = staff_import(path=path, deactivate_missing=True)

    assert report.ok
    assert (report.deactivated, report.unchanged, report.updated) == (3, 1, 0)
    assert set(report.samples["deactivated"]) >= {"E000002 李四", "E000003 王五"}
    assert Employee.objects.count() == 4
    assert set(
        Employee.objects.filter(is_active=False).values_list("employee_no", flat=True)
    ) == {"E000002", "E000003", "E000099"}
    assert set(
        User.objects.filter(is_active=False).values_list("username", flat=True)
    ) == {"E000002", "E000003", "E000099"}
    # Already inactive staff are not deactivated twice.
    again = staff_import(path=path, deactivate_missing=True)
    assert (again.deactivated, again.unchanged) == (0, 1)


def test_without_the_option_absent_staff_stay_active(imported, tmp_path):
    path = write_csv(tmp_path / "again.csv", STAFF[:1])
    report = staff_import(path=path)
    assert report.deactivated == 0
    assert Employee.objects.filter(is_active=True).count() == 3


def test_a_row_for_an_inactive_employee_reactivates_them(imported):
    Employee.objects.filter(employee_no="E000002").update(is_active=False)
    User.objects.filter(username="E000002").update(is_active=False)

    report = staff_import(path=imported)

    assert (report.reactivated, report.updated, report.unchanged) == (1, 1, 2)
    assert report.samples["reactivated"] == ["E000002 李四"]
    li = employee("E000002")
    assert li.is_active and li.user.is_active


def test_active_column_marks_staff_inactive(imported, tmp_path):
    path = write_csv(
        tmp_path / "again.csv",
        [[*STAFF[0], "否"], [*STAFF[1], "1"], [*STAFF[2], ""]]
        + [["E000010", "新人", "GZ-TH", "counter", "", "0"]],
        header=[*HEADER, "active"],
    )
    report = staff_import(path=path)

    assert report.ok, report.errors
    assert (report.deactivated, report.updated, report.created) == (1, 1, 1)
    assert not employee("E000001").is_active
    assert not employee("E000001").user.is_active
    assert not employee("E000010").is_active
    assert employee("E000003").is_active


def test_dry_run_reports_the_same_changes_and_writes_nothing(imported, tmp_path):
    path = write_csv(
        tmp_path / "again.csv",
        [
            ["E000001", "张三", "SZ-NS", "counter", "zhangsan@example.com"],
            ["E000002", "李四", "GZ-YX", "new_role", ""],
            ["E000004", "赵六", "BJ-DC", "counter", ""],
        ],
    )
    before = snapshot()

    dry = staff_import(path=path, dry_run=True, deactivate_missing=True)

    assert dry.ok and dry.dry_run
    assert snapshot() == before
    real = staff_import(path=path, deactivate_missing=True)
    counts = (
        "created",
        "updated",
        "unchanged",
        "transferred",
        "position_changed",
        "deactivated",
        "reactivated",
    )
    assert [getattr(dry, c) for c in counts] == [1, 2, 0, 1, 1, 1, 0]
    assert [getattr(real, c) for c in counts] == [getattr(dry, c) for c in counts]
    assert real.samples == dry.samples
    assert dry.new_positions == real.new_positions == ["new_role"]
    assert snapshot() != before


def test_batches_and_chunks_give_the_same_result(
    tree, positions, tmp_path, monkeypatch
):
    monkeypatch.setattr(staff_module, "BATCH_SIZE", 3)
    monkeypatch.setattr(staff_compare, "LOOKUP_CHUNK", 2)
    monkeypatch.setattr(staff_write, "DEACTIVATE_CHUNK", 2)
    units = ["GZ-TH", "GZ-YX", "SZ-NS", "BJ-DC"]
    rows = [
        [f"E{n:06d}", f"员工{n}", units[n % 4], "counter", ""] for n in range(1, 11)
    ]
    first = staff_import(path=write_csv(tmp_path / "a.csv", rows))
    assert (first.created, Employee.objects.count()) == (10, 10)

    rows[4][2] = "BJ-DC" if rows[4][2] != "BJ-DC" else "GZ-TH"
    calls = []
    second = staff_import(
        path=write_csv(tmp_path / "b.csv", rows[:8]),
        deactivate_missing=True,
        progress=lambda *args: calls.append(args),
    )
    assert (second.unchanged, second.transferred, second.deactivated) == (7, 1, 2)
    assert Employee.objects.filter(is_active=True).count() == 8
    assert calls == [(3, None), (6, None), (8, None), (3, 8), (6, 8), (8, 8)]


def test_xlsx_file_with_numbers_is_imported(tree, positions, tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["employee_no", "name", "unit_code", "position", "email"])
    sheet.append([1001, "张三", "GZ-TH", "counter", None])
    sheet.append([])
    sheet.append([1002.0, "李四", "SZ-NS", "billing", "lisi@example.com"])
    path = tmp_path / "staff.xlsx"
    workbook.save(path)

    report = staff_import(path=path)

    assert report.ok, report.errors
    assert report.created == 2
    assert employee("1002").email == "lisi@example.com"
    assert User.objects.filter(username="1001").exists()


def test_xlsx_errors_use_spreadsheet_row_numbers(tree, positions, tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    sheet.append(["E1", "张三", "GZ-TH", "counter", None])
    sheet.append([])
    sheet.append(["E2", "李四", "NOPE", "counter", None])
    path = tmp_path / "staff.xlsx"
    workbook.save(path)

    report = staff_import(path=path)

    assert errors_of(report) == [(4, "unit_code")]


@pytest.mark.parametrize(
    "encoding", ["utf-8", "utf-8-sig", "gb18030"], ids=["utf8", "bom", "gb18030"]
)
def test_csv_encodings_are_detected(tree, positions, tmp_path, encoding):
    path = write_csv(tmp_path / "staff.csv", STAFF, encoding=encoding)

    report = staff_import(path=path)

    assert report.ok, report.errors
    assert employee("E000001").name == "张三"
    assert employee("E000003").unit.name == "南山区"


def test_encoding_option_overrides_detection(tree, positions, tmp_path):
    path = write_csv(tmp_path / "staff.csv", STAFF, encoding="gb18030")
    report = staff_import(path=path, encoding="gb18030")
    assert report.ok
    assert employee("E000002").name == "李四"


# --- refused files ----------------------------------------------------------------


def refused(tmp_path, rows, **kwargs) -> ImportReport:
    """Import ``rows`` and check the file was refused without any change."""
    options = {
        key: kwargs.pop(key)
        for key in ("deactivate_missing", "encoding")
        if key in kwargs
    }
    path = write_csv(tmp_path / "bad.csv", rows, **kwargs)
    before = snapshot()
    report = staff_import(path=path, **options)
    assert not report.ok
    assert snapshot() == before
    assert (report.created, report.updated, report.deactivated) == (0, 0, 0)
    assert report.new_positions == []
    return report


def test_import_refused_when_a_unit_code_is_unknown(imported, tmp_path):
    report = refused(
        tmp_path,
        [STAFF[0], ["E000004", "赵六", "XX-99", "counter", ""], STAFF[1]],
        deactivate_missing=True,
    )
    assert report.errors == [RowError(3, "unit_code", "Unknown unit code “XX-99”.")]


def test_import_refused_when_an_employee_number_appears_twice(imported, tmp_path):
    report = refused(
        tmp_path,
        [
            ["E000004", "赵六", "GZ-TH", "counter", ""],
            STAFF[0],
            ["E000004", "赵六", "GZ-YX", "counter", ""],
            ["E000004", "赵六", "GZ-YX", "counter", ""],
        ],
    )
    message = "The employee number E000004 appears twice: first on row 2."
    assert report.errors == [
        RowError(4, "employee_no", message),
        RowError(5, "employee_no", message),
    ]


def test_import_refused_when_a_required_value_is_empty(imported, tmp_path):
    report = refused(
        tmp_path,
        [
            ["", "赵六", "GZ-TH", "counter", ""],
            ["E000005", "", "GZ-TH", "counter", ""],
            ["E000006", "孙七", "", "counter", ""],
            ["E000007", "周八", "GZ-TH", "", ""],
            ["E000008", "吴九", "GZ-TH", "counter"],  # a short row: email empty
        ],
    )
    assert errors_of(report) == [
        (2, "employee_no"),
        (3, "name"),
        (4, "unit_code"),
        (5, "position"),
    ]
    assert {error.message for error in report.errors} == {"A value is required."}


def test_import_refused_when_an_email_is_invalid(imported, tmp_path):
    report = refused(
        tmp_path, [["E000004", "赵六", "GZ-TH", "counter", "zhao@@example"]]
    )
    assert report.errors == [
        RowError(2, "email", "“zhao@@example” is not a valid email address.")
    ]


def test_import_refused_when_a_position_code_is_not_a_slug(imported, tmp_path):
    report = refused(tmp_path, [["E000004", "赵六", "GZ-TH", "营业员 A", ""]])
    assert report.errors == [
        RowError(
            2,
            "position",
            "“营业员 A” is not a valid position code: use letters, digits, hyphens "
            "and underscores only.",
        )
    ]


def test_import_refused_when_values_are_too_long(imported, tmp_path):
    report = refused(
        tmp_path,
        [
            ["E" * 33, "赵六", "GZ-TH", "counter", ""],
            ["E000005", "名" * 101, "GZ-TH", "counter", ""],
            ["E000006", "孙七", "GZ-TH", "p" * 41, ""],
            ["E000007", "周八", "GZ-TH", "counter", "a" * 250 + "@x.cn"],
        ],
    )
    assert report.errors == [
        RowError(2, "employee_no", "Too long: 33 characters, at most 32."),
        RowError(3, "name", "Too long: 101 characters, at most 100."),
        RowError(4, "position", "Too long: 41 characters, at most 40."),
        RowError(5, "email", "Too long: 255 characters, at most 254."),
    ]


def test_import_refused_when_an_employee_number_cannot_be_a_login(imported, tmp_path):
    report = refused(tmp_path, [["E 0004", "赵六", "GZ-TH", "counter", ""]])
    assert errors_of(report) == [(2, "employee_no")]
    assert "not a valid employee number" in report.errors[0].message


def test_import_refused_when_a_login_of_that_name_belongs_to_no_employee(
    imported, tmp_path
):
    UserFactory(username="E000004")
    report = refused(tmp_path, [["E000004", "赵六", "GZ-TH", "counter", ""]])
    assert report.errors == [
        RowError(
            2,
            "employee_no",
            "A login named “E000004” already exists and is not this employee's: "
            "rename that login first.",
        )
    ]


def test_import_refused_for_an_unknown_yes_no_value(imported, tmp_path):
    report = refused(tmp_path, [[*STAFF[0], "maybe"]], header=[*HEADER, "active"])
    assert errors_of(report) == [(2, "active")]


def test_import_refused_when_a_column_is_missing(imported, tmp_path):
    report = refused(
        tmp_path,
        [["E000004", "赵六", "counter"]],
        header=["employee_no", "name", "position"],
    )
    assert errors_of(report) == [(1, "unit_code")]


def test_import_refused_when_a_column_appears_twice(imported, tmp_path):
    report = refused(
        tmp_path,
        [["E000004", "赵六", "GZ-TH", "counter", "x"]],
        header=["employee_no", "name", "unit_code", "position", "NAME"],
    )
    assert report.errors == [RowError(1, "name", "The column “name” appears twice.")]


def test_import_refused_for_a_file_without_rows(imported, tmp_path):
    report = refused(tmp_path, [], deactivate_missing=True)
    assert report.errors == [RowError(0, "", "The file has no data rows.")]
    assert Employee.objects.filter(is_active=True).count() == 3


def test_import_refused_for_an_empty_file(imported, tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    report = staff_import(path=path)
    assert report.errors == [RowError(0, "", "The file is empty.")]


def test_import_refused_for_an_unsupported_file_type(imported, tmp_path):
    path = tmp_path / "staff.pdf"
    path.write_bytes(b"%PDF-1.4")
    report = staff_import(path=path)
    assert errors_of(report) == [(0, "")]
    assert "“.pdf” is not supported" in report.errors[0].message


def test_import_refused_when_the_given_encoding_does_not_fit(imported, tmp_path):
    rows = [[f"E1{n:05d}", "Zhao", "GZ-TH", "counter", ""] for n in range(300)]
    rows += [["E000005", "赵六", "GZ-TH", "counter", ""]]
    path = write_csv(tmp_path / "gb.csv", rows, encoding="gb18030")
    before = snapshot()

    report = staff_import(path=path, encoding="utf-8")

    assert snapshot() == before
    assert report.errors == [
        RowError(
            302,
            "",
            "Row 302 cannot be read with the encoding “utf-8”: check the encoding.",
        )
    ]


def test_import_refused_when_neither_utf8_nor_gb18030_decodes(imported, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(",".join(HEADER).encode() + b"\r\nE1,\x81\x30\xff,GZ-TH,x,\r\n")

    report = staff_import(path=path)

    assert errors_of(report) == [(2, "")]
    assert "cannot be read as UTF-8 or GB18030" in report.errors[0].message


def test_a_login_taken_between_check_and_apply_rolls_everything_back(
    imported, tmp_path, monkeypatch
):
    """Another process creates the login after the check: nothing is written."""
    path = write_csv(
        tmp_path / "again.csv",
        [
            ["E000001", "张三", "SZ-NS", "new_role", ""],
            ["E000004", "赵六", "GZ-TH", "counter", ""],
        ],
    )
    check = staff_module._StaffImport._check

    def check_then_race(self):
        check(self)
        UserFactory(username="E000004")

    monkeypatch.setattr(staff_module._StaffImport, "_check", check_then_race)
    before = snapshot()

    report = staff_import(path=path)

    assert report.errors == [
        RowError(
            0,
            "",
            "The staff records changed while the file was being imported; import "
            "it again.",
        )
    ]
    assert (report.created, report.transferred, report.new_positions) == (0, 0, [])
    employees, users, positions = snapshot()
    assert employees == before[0]
    assert positions == before[2]
    assert [u[0] for u in users] == ["E000001", "E000002", "E000003", "E000004"]


def test_a_file_changed_between_check_and_apply_changes_nothing(
    imported, tmp_path, monkeypatch
):
    path = write_csv(
        tmp_path / "again.csv", [["E000001", "张三", "SZ-NS", "counter", ""]]
    )
    check = staff_module._StaffImport._check

    def check_then_edit(self):
        check(self)
        with path.open("a", encoding="utf-8") as stream:
            stream.write("E000009,孙九,NOPE,counter,\n")

    monkeypatch.setattr(staff_module._StaffImport, "_check", check_then_edit)
    before = snapshot()

    report = staff_import(path=path)

    assert report.errors == [
        RowError(0, "", "The file changed while it was being imported.")
    ]
    assert snapshot() == before


def test_every_bad_row_is_listed_at_once(imported, tmp_path):
    report = refused(
        tmp_path,
        [
            ["E000004", "赵六", "XX", "counter", ""],
            STAFF[0],
            ["E000005", "", "GZ-TH", "counter", "bad"],
        ],
    )
    assert errors_of(report) == [(2, "unit_code"), (4, "name"), (4, "email")]


def test_errors_beyond_the_limit_are_counted_not_listed(
    imported, tmp_path, monkeypatch
):
    monkeypatch.setattr(report_module, "MAX_ERRORS", 3)
    rows = [[f"E1{n:05d}", "某人", "XX", "counter", ""] for n in range(10)]
    report = refused(tmp_path, rows)
    assert errors_of(report) == [
        (2, "unit_code"),
        (3, "unit_code"),
        (4, "unit_code"),
        (0, ""),
    ]
    assert report.errors[-1].message == "7 more errors are not listed."


# --- the report and the command ----------------------------------------------------


def test_report_survives_a_json_round_trip(imported, tmp_path):
    path = write_csv(tmp_path / "again.csv", [["E000001", "张三", "SZ-NS", "x1", ""]])
    report = staff_import(path=path, dry_run=True, deactivate_missing=True)
    data = json.loads(json.dumps(report.to_dict()))
    assert data["ok"] is True
    assert data["transferred"] == 1 and data["new_positions"] == ["x1"]
    assert ImportReport.from_dict(data) == report


def test_command_prints_the_summary(imported, tmp_path):
    path = write_csv(
        tmp_path / "again.csv",
        [
            ["E000001", "张三", "SZ-NS", "counter", "zhangsan@example.com"],
            ["E000004", "赵六", "BJ-DC", "vip_desk", ""],
        ],
    )
    out = StringIO()
    call_command("import_staff", str(path), "--deactivate-missing", stdout=out)

    text = out.getvalue()
    assert "2 staff rows read" in text
    for line in (
        "  created: 1",
        "  transferred to another unit: 1",
        "  deactivated: 2",
    ):
        assert line in text
    assert "New positions: vip_desk" in text
    assert "E000001 张三: 天河区 → 南山区" in text
    assert "Import finished." in text
    assert employee("E000004").position.code == "vip_desk"


def test_command_dry_run_writes_nothing(imported, tmp_path):
    path = write_csv(tmp_path / "again.csv", [["E000004", "赵六", "BJ-DC", "x", ""]])
    out = StringIO()
    call_command("import_staff", str(path), "--dry-run", stdout=out)
    assert "Dry run: nothing was changed" in out.getvalue()
    assert "  created: 1" in out.getvalue()
    assert not Employee.objects.filter(employee_no="E000004").exists()


def test_command_lists_every_bad_row_and_fails(imported, tmp_path):
    path = write_csv(
        tmp_path / "bad.csv",
        [
            ["E000004", "赵六", "XX", "counter", ""],
            ["E000005", "孙七", "GZ-TH", "counter", "nope"],
        ],
    )
    err = StringIO()
    with pytest.raises(CommandError) as excinfo:
        call_command("import_staff", str(path), stdout=StringIO(), stderr=err)

    assert excinfo.value.returncode == 1
    assert "refused (2 errors)" in str(excinfo.value)
    assert err.getvalue().splitlines() == [
        "row 2, column unit_code: Unknown unit code “XX”.",
        "row 3, column email: “nope” is not a valid email address.",
    ]
    assert Employee.objects.count() == 3


def test_command_encoding_option(tree, positions, tmp_path):
    path = write_csv(tmp_path / "gb.csv", STAFF, encoding="gb18030")
    call_command("import_staff", str(path), "--encoding", "GB18030", stdout=StringIO())
    assert employee("E000001").name == "张三"


def test_command_shows_progress_at_verbosity_2(staff_file):
    err = StringIO()
    call_command(
        "import_staff", str(staff_file), verbosity=2, stdout=StringIO(), stderr=err
    )
    assert err.getvalue().splitlines() == ["3 rows checked", "3 of 3 rows applied"]
