"""The organisation import: ``org_import`` and ``manage.py import_org``."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from lms.models import OrgUnit
from lms.services.imports import ImportReport, RowError, org_import

pytestmark = pytest.mark.django_db

HEADER = ["code", "name", "parent_code", "level"]
ROOT = Path(__file__).resolve().parents[2]


def write_csv(path: Path, rows: list[list[str]], *, header=HEADER, encoding="utf-8"):
    with path.open("w", encoding=encoding, newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def snapshot() -> list[tuple]:
    return list(
        OrgUnit.objects.order_by("code").values_list(
            "code", "name", "level", "path", "depth", "numchild"
        )
    )


def parent_code(code: str) -> str | None:
    parent = OrgUnit.objects.get(code=code).get_parent(update=True)
    return parent.code if parent else None


def errors_of(report: ImportReport) -> list[tuple[int, str]]:
    return [(error.row, error.column) for error in report.errors]


# --- building and changing the tree ---------------------------------------------


def test_import_builds_the_tree_in_an_empty_database(tmp_path):
    path = write_csv(
        tmp_path / "org.csv",
        [
            ["HQ", "集团总部", "", "hq"],
            ["GD", "广东省", "HQ", "province"],
            ["GZ", "广州市", "GD", "city"],
            ["GZ-TH", "天河区", "GZ", "county"],
        ],
    )
    report = org_import(path=path)

    assert report.ok, report.errors
    assert (report.rows, report.created, report.updated) == (4, 4, 0)
    tianhe = OrgUnit.objects.get(code="GZ-TH")
    assert [u.code for u in tianhe.get_ancestors()] == ["HQ", "GD", "GZ"]
    assert (tianhe.name, tianhe.level, tianhe.depth) == ("天河区", "county", 4)
    assert OrgUnit.find_problems() == ([], [], [], [], [])
    assert report.samples["created"][0] == "HQ 集团总部 (Headquarters), top of the tree"


def test_rows_are_applied_parents_first_whatever_the_file_order(tmp_path):
    path = write_csv(
        tmp_path / "org.csv",
        [
            ["GZ-TH", "天河区", "GZ", "county"],
            ["GZ", "广州市", "GD", "city"],
            ["BJ", "北京市", "HQ", "province"],
            ["GD", "广东省", "HQ", "province"],
            ["HQ", "集团总部", "", "hq"],
        ],
    )
    report = org_import(path=path)

    assert report.ok, report.errors
    assert report.created == 5
    assert parent_code("GZ-TH") == "GZ"
    assert parent_code("GZ") == "GD"
    assert parent_code("GD") == "HQ"
    assert OrgUnit.objects.get(code="HQ").numchild == 2
    assert OrgUnit.find_problems() == ([], [], [], [], [])


def test_second_import_of_the_same_file_changes_nothing(tmp_path, tree):
    rows = [
        [u.code, u.name, (u.get_parent().code if u.depth > 1 else ""), u.level]
        for u in OrgUnit.objects.order_by("path")
    ]
    path = write_csv(tmp_path / "org.csv", rows)
    before = snapshot()

    report = org_import(path=path)

    assert report.ok
    assert (report.rows, report.unchanged, report.created, report.updated) == (
        10,
        10,
        0,
        0,
    )
    assert report.moved == 0
    assert snapshot() == before


def test_new_units_join_the_stored_tree(tmp_path, tree):
    path = write_csv(
        tmp_path / "org.csv",
        [
            ["SZ-FT", "福田区", "SZ", "county"],
            ["SH", "上海市", "HQ", "province"],
            ["SH01", "市辖区", "SH", "city"],
        ],
    )
    report = org_import(path=path)

    assert report.ok
    assert report.created == 3
    assert parent_code("SZ-FT") == "SZ"
    assert parent_code("SH01") == "SH"
    assert OrgUnit.objects.get(code="SZ").numchild == 2
    assert OrgUnit.find_problems() == ([], [], [], [], [])


def test_changed_parent_moves_the_unit_with_its_subtree(tmp_path, tree):
    path = write_csv(tmp_path / "org.csv", [["GZ", "广州市", "BJ", "city"]])

    report = org_import(path=path)

    assert report.ok, report.errors
    assert (report.moved, report.updated, report.unchanged) == (1, 1, 0)
    assert report.samples["moved"] == ["GZ 广州市: 广东省 → 北京市"]
    beijing = OrgUnit.objects.get(code="BJ")
    moved = set(
        OrgUnit.objects.filter(path__startswith=beijing.path).values_list(
            "code", flat=True
        )
    )
    assert moved == {"BJ", "BJ01", "BJ-DC", "GZ", "GZ-TH", "GZ-YX"}
    assert parent_code("GZ-TH") == "GZ"
    assert OrgUnit.objects.get(code="GD").numchild == 1
    assert OrgUnit.find_problems() == ([], [], [], [], [])


def test_moves_follow_the_new_tree_when_units_swap_places(tmp_path, tree):
    """SZ goes to Beijing and BJ01 to Guangdong while a new unit joins SZ."""
    path = write_csv(
        tmp_path / "org.csv",
        [
            ["SZ-NEW", "新区", "SZ", "county"],
            ["SZ", "深圳市", "BJ", "city"],
            ["BJ01", "市辖区", "GD", "city"],
        ],
    )
    report = org_import(path=path)

    assert report.ok, report.errors
    assert (report.created, report.moved) == (1, 2)
    assert parent_code("SZ") == "BJ"
    assert parent_code("SZ-NS") == "SZ"
    assert parent_code("SZ-NEW") == "SZ"
    assert parent_code("BJ01") == "GD"
    assert parent_code("BJ-DC") == "BJ01"
    assert OrgUnit.find_problems() == ([], [], [], [], [])


def test_a_unit_can_move_under_its_former_child(tmp_path, tree):
    """GZ-TH becomes the city and GZ a county below it: parents first still works."""
    path = write_csv(
        tmp_path / "org.csv",
        [
            ["GZ", "广州市", "GZ-TH", "county"],
            ["GZ-YX", "越秀区", "GZ-TH", "county"],
            ["GZ-TH", "天河区", "GD", "city"],
        ],
    )
    report = org_import(path=path)

    assert report.ok, report.errors
    assert (report.moved, report.updated) == (3, 3)
    assert parent_code("GZ-TH") == "GD"
    assert parent_code("GZ") == "GZ-TH"
    assert parent_code("GZ-YX") == "GZ-TH"
    assert OrgUnit.objects.get(code="GZ").numchild == 0
    assert OrgUnit.find_problems() == ([], [], [], [], [])


def test_name_and_level_changes_are_updates(tmp_path, tree):
    path = write_csv(
        tmp_path / "org.csv",
        [
            ["GZ", "广州分公司", "GD", "city"],
            ["BJ01", "北京市辖区", "BJ", "city"],
        ],
    )
    report = org_import(path=path)

    assert report.ok
    assert (report.updated, report.moved, report.unchanged) == (2, 0, 0)
    assert OrgUnit.objects.get(code="GZ").name == "广州分公司"
    assert "GZ 广州分公司: 广州市 → 广州分公司" in report.samples["updated"]


def test_a_leaf_unit_can_change_level_and_parent(tmp_path, tree):
    path = write_csv(tmp_path / "org.csv", [["SZ-NS", "南山区", "GD", "city"]])

    report = org_import(path=path)

    assert report.ok, report.errors
    unit = OrgUnit.objects.get(code="SZ-NS")
    assert (unit.level, parent_code("SZ-NS")) == ("city", "GD")


def test_dry_run_reports_the_same_changes_and_writes_nothing(tmp_path, tree):
    path = write_csv(
        tmp_path / "org.csv",
        [
            ["GZ", "广州市", "BJ", "city"],
            ["SH", "上海市", "HQ", "province"],
            ["SZ", "深圳分公司", "GD", "city"],
            ["BJ", "北京市", "HQ", "province"],
        ],
    )
    before = snapshot()

    dry = org_import(path=path, dry_run=True)

    assert snapshot() == before
    assert dry.dry_run and dry.ok
    real = org_import(path=path)
    assert (dry.created, dry.updated, dry.moved, dry.unchanged) == (1, 2, 1, 1)
    assert (real.created, real.updated, real.moved, real.unchanged) == (
        dry.created,
        dry.updated,
        dry.moved,
        dry.unchanged,
    )
    assert real.samples == dry.samples
    assert snapshot() != before


def test_xlsx_file_is_imported(tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Code", " Name ", "PARENT_CODE", "Level"])
    sheet.append([1000, "集团总部", None, "HQ"])
    sheet.append([1001.0, "广东省", 1000, "province"])
    sheet.append([])
    sheet.append(["1001-01", "广州市", "1001", "city"])
    path = tmp_path / "org.xlsx"
    workbook.save(path)

    report = org_import(path=path)

    assert report.ok, report.errors
    assert report.rows == 3
    assert parent_code("1001") == "1000"
    assert parent_code("1001-01") == "1001"
    assert OrgUnit.objects.get(code="1000").level == "hq"


def test_progress_is_reported_while_reading_and_applying(tmp_path):
    path = write_csv(
        tmp_path / "org.csv",
        [["HQ", "总部", "", "hq"]]
        + [[f"P{n}", f"省{n}", "HQ", "province"] for n in range(150)],
    )
    calls = []
    report = org_import(
        path=path, progress=lambda done, total: calls.append((done, total))
    )

    assert report.ok
    assert (151, None) in calls
    assert (100, 151) in calls
    assert calls[-1] == (151, 151)


# --- refused files -----------------------------------------------------------


def refused(tmp_path, rows, **kwargs) -> ImportReport:
    """Import ``rows`` and check the file was refused without any change."""
    path = write_csv(tmp_path / "org.csv", rows, **kwargs)
    before = snapshot()
    report = org_import(path=path)
    assert not report.ok
    assert snapshot() == before
    assert (report.created, report.updated, report.moved) == (0, 0, 0)
    return report


def test_import_refused_when_a_parent_code_is_unknown(tmp_path, tree):
    report = refused(
        tmp_path,
        [["SZ-FT", "福田区", "SZ", "county"], ["XX-01", "某区", "XX", "county"]],
    )
    assert report.errors == [
        RowError(
            3,
            "parent_code",
            "Unknown parent unit code XX: it is neither in the file nor in the "
            "organisation.",
        )
    ]


def test_import_refused_when_a_code_appears_twice(tmp_path, tree):
    report = refused(
        tmp_path,
        [
            ["SZ-FT", "福田区", "SZ", "county"],
            ["SZ-LH", "罗湖区", "SZ", "county"],
            ["SZ-FT", "福田区", "SZ", "county"],
        ],
    )
    assert report.errors == [
        RowError(4, "code", "The unit code SZ-FT appears twice: first on row 2.")
    ]


def test_import_refused_when_a_required_value_is_empty(tmp_path, tree):
    report = refused(
        tmp_path,
        [
            ["", "福田区", "SZ", "county"],
            ["SZ-LH", "", "SZ", "county"],
            ["SZ-BA", "宝安区", "SZ", ""],
        ],
    )
    assert errors_of(report) == [(2, "code"), (3, "name"), (4, "level")]
    assert {e.message for e in report.errors} == {"A value is required."}


def test_import_refused_when_a_level_is_not_known(tmp_path, tree):
    report = refused(tmp_path, [["SZ-FT", "福田区", "SZ", "district"]])
    assert report.errors == [
        RowError(
            2,
            "level",
            "“district” is not a level: use one of hq, province, city, county.",
        )
    ]


def test_import_refused_when_a_value_is_too_long(tmp_path, tree):
    report = refused(
        tmp_path,
        [["C" * 33, "福田区", "SZ", "county"], ["SZ-X", "名" * 101, "SZ", "county"]],
    )
    assert report.errors == [
        RowError(2, "code", "Too long: 33 characters, at most 32."),
        RowError(3, "name", "Too long: 101 characters, at most 100."),
    ]


def test_import_refused_for_a_cycle_and_every_row_in_it_is_named(tmp_path, tree):
    report = refused(
        tmp_path,
        [
            ["A", "甲", "C", "city"],
            ["OK", "正常", "GZ", "county"],
            ["B", "乙", "A", "city"],
            ["C", "丙", "B", "city"],
        ],
    )
    assert errors_of(report) == [
        (2, "parent_code"),
        (4, "parent_code"),
        (5, "parent_code"),
    ]
    assert "cycle: A → C → B → A" in report.errors[0].message


def test_import_refused_for_a_cycle_through_stored_units(tmp_path, tree):
    """GD under GZ while GZ stays under GD (stored)."""
    report = refused(tmp_path, [["GD", "广东省", "GZ", "province"]])
    assert errors_of(report) == [(2, "parent_code")]
    assert "GD → GZ → GD" in report.errors[0].message


def test_import_refused_when_a_unit_is_its_own_parent(tmp_path, tree):
    report = refused(tmp_path, [["SZ-FT", "福田区", "SZ-FT", "county"]])
    assert errors_of(report) == [(2, "parent_code")]


def test_import_refused_for_a_second_root(tmp_path, tree):
    report = refused(tmp_path, [["HQ2", "第二总部", "", "hq"]])
    assert errors_of(report) == [(2, "parent_code")]
    assert "HQ already is" in report.errors[0].message


def test_import_refused_for_two_roots_in_an_empty_database(tmp_path):
    report = refused(
        tmp_path,
        [
            ["HQ", "集团总部", "", "hq"],
            ["GD", "广东省", "HQ", "province"],
            ["HQ2", "另一个总部", "", "hq"],
        ],
    )
    assert errors_of(report) == [(4, "parent_code")]


def test_import_refused_for_a_second_headquarters_inside_the_tree(tmp_path, tree):
    report = refused(tmp_path, [["HQ-B", "分部", "HQ", "hq"]])
    assert report.errors == [
        RowError(
            2,
            "level",
            "There can be only one headquarters unit (level hq): HQ already is.",
        )
    ]


def test_import_refused_when_the_root_is_not_headquarters(tmp_path):
    report = refused(
        tmp_path, [["GD", "广东省", "", "province"], ["GZ", "广州市", "GD", "city"]]
    )
    assert report.errors == [
        RowError(2, "level", "The unit at the top of the tree must have the level hq.")
    ]


def test_import_refused_when_a_child_is_not_below_its_parent_level(tmp_path, tree):
    report = refused(
        tmp_path,
        [
            ["TH-01", "街道", "GZ-TH", "city"],
            ["GZ2", "广州二", "GZ", "city"],
            ["P2", "省二", "GZ", "province"],
        ],
    )
    assert errors_of(report) == [(2, "level"), (3, "level"), (4, "level")]
    assert report.errors[0].message == (
        "The level city is not below the level county of its parent GZ-TH."
    )


def test_import_refused_when_a_new_level_is_not_above_stored_sub_units(tmp_path, tree):
    report = refused(tmp_path, [["GD", "广东省", "HQ", "county"]])
    assert report.errors == [
        RowError(
            2,
            "level",
            "The level county is not above the level city of its sub-unit GZ.",
        )
    ]


def test_import_refused_when_a_column_is_missing(tmp_path, tree):
    report = refused(
        tmp_path,
        [["SZ-FT", "福田区", "county"]],
        header=["Code", "Name", "Level"],
    )
    assert report.errors == [
        RowError(
            1,
            "parent_code",
            "The required column “parent_code” is missing (the header row has: "
            "code, name, level).",
        )
    ]


def test_import_refused_for_a_file_without_rows(tmp_path, tree):
    report = refused(tmp_path, [])
    assert report.errors == [RowError(0, "", "The file has no data rows.")]


def test_import_refused_for_an_unsupported_file_type(tmp_path, tree):
    path = tmp_path / "org.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0")
    report = org_import(path=path)
    assert errors_of(report) == [(0, "")]
    assert "not supported" in report.errors[0].message


def test_every_error_is_listed_at_once(tmp_path, tree):
    report = refused(
        tmp_path,
        [
            ["X1", "", "GZ", "county"],
            ["X2", "某区", "NOPE", "county"],
            ["X3", "某区", "GZ", "town"],
        ],
    )
    assert errors_of(report) == [(2, "name"), (3, "parent_code"), (4, "level")]


# --- the report and the command ----------------------------------------------------


def test_report_survives_a_json_round_trip(tmp_path, tree):
    report = refused(tmp_path, [["X", "某区", "NOPE", "county"]])
    data = json.loads(json.dumps(report.to_dict()))
    assert data["ok"] is False
    assert ImportReport.from_dict(data) == report


def test_command_prints_the_summary(tmp_path, tree):
    path = write_csv(
        tmp_path / "org.csv",
        [["GZ", "广州市", "BJ", "city"], ["SZ-FT", "福田区", "SZ", "county"]],
    )
    out = StringIO()
    call_command("import_org", str(path), stdout=out)
    text = out.getvalue()
    assert "2 unit rows read" in text
    assert "created: 1" in text and "moved to another parent: 1" in text
    assert "GZ 广州市: 广东省 → 北京市" in text
    assert "Import finished." in text
    assert parent_code("GZ") == "BJ"


def test_command_dry_run_changes_nothing(tmp_path, tree):
    path = write_csv(tmp_path / "org.csv", [["SZ-FT", "福田区", "SZ", "county"]])
    out = StringIO()
    call_command("import_org", str(path), "--dry-run", stdout=out)
    assert "Dry run: nothing was changed" in out.getvalue()
    assert "created: 1" in out.getvalue()
    assert not OrgUnit.objects.filter(code="SZ-FT").exists()


def test_command_lists_bad_rows_and_fails(tmp_path, tree):
    path = write_csv(
        tmp_path / "org.csv",
        [["SZ-FT", "福田区", "SZ", "county"], ["X", "某区", "NOPE", "county"]],
    )
    err = StringIO()
    with pytest.raises(CommandError) as excinfo:
        call_command("import_org", str(path), stdout=StringIO(), stderr=err)
    assert excinfo.value.returncode == 1
    assert str(excinfo.value) == "The file was refused (1 error); nothing was changed."
    assert err.getvalue().splitlines() == [
        "row 3, column parent_code: Unknown parent unit code NOPE: it is neither in "
        "the file nor in the organisation."
    ]
    assert not OrgUnit.objects.filter(code="SZ-FT").exists()


def test_command_reads_gb18030_and_the_encoding_option(tmp_path, tree):
    path = write_csv(
        tmp_path / "org.csv", [["SZ-FT", "福田区", "SZ", "county"]], encoding="gb18030"
    )
    call_command("import_org", str(path), "--encoding", "gb18030", stdout=StringIO())
    assert OrgUnit.objects.get(code="SZ-FT").name == "福田区"


def test_command_exits_with_status_1_without_a_traceback(tmp_path):
    """The real process: no database is touched for an unsupported file."""
    path = tmp_path / "org.ods"
    path.write_text("x")
    result = subprocess.run(
        [sys.executable, "manage.py", "import_org", str(path)],
        cwd=ROOT,
        env={
            **{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
            "DJANGO_VAR_DIR": str(tmp_path / "var"),
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "file: The file type “.ods” is not supported" in result.stderr
    assert "CommandError: The file was refused (1 error)" in result.stderr
