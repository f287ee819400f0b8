"""Reading HR files: encodings, CSV dialects, XLSX values, unreadable files."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from lms.services.imports.readers import (
    TableError,
    cell_text,
    detect_encoding,
    locate_columns,
    open_table,
)

TEXT = "employee_no,name,unit_code\r\nE1,张三,GZ-TH\r\nE2,李四,SZ-NS\r\n"


def read(path: Path, **kwargs) -> tuple[list[str], list[tuple[int, list[str]]], str]:
    with open_table(path, **kwargs) as table:
        return table.header, list(table.rows), table.encoding


def refusal(path: Path, **kwargs) -> TableError:
    with pytest.raises(TableError) as excinfo:
        read(path, **kwargs)
    return excinfo.value


@pytest.mark.parametrize(
    ("encoding", "detected"),
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8-sig"),
        ("gb18030", "gb18030"),
        ("utf-16", "utf-16"),
    ],
)
def test_encoding_is_detected_from_the_bytes(tmp_path, encoding, detected):
    path = tmp_path / "staff.csv"
    path.write_bytes(TEXT.encode(encoding))

    assert detect_encoding(path) == detected
    header, rows, used = read(path)
    assert used == detected
    assert header == ["employee_no", "name", "unit_code"]
    assert rows == [(2, ["E1", "张三", "GZ-TH"]), (3, ["E2", "李四", "SZ-NS"])]


def test_utf8_is_decided_on_the_whole_file_not_its_start(tmp_path):
    """Only the last row is not UTF-8: the file is GB18030, not broken UTF-8."""
    rows = "".join(f"E{n},Zhang,GZ\r\n" for n in range(5000))
    path = tmp_path / "staff.csv"
    path.write_bytes(("code,name,unit\r\n" + rows + "E9,张三,GZ\r\n").encode("gb18030"))

    header, read_rows, used = read(path)

    assert used == "gb18030"
    assert read_rows[-1] == (5002, ["E9", "张三", "GZ"])


def test_explicit_encoding_wins_and_a_bom_is_dropped_from_the_header(tmp_path):
    path = tmp_path / "staff.csv"
    path.write_bytes(TEXT.encode("utf-8-sig"))

    header, _, used = read(path, encoding="utf-8")

    assert used == "utf-8"
    assert header[0] == "employee_no"


def test_header_is_trimmed_and_lower_cased_and_cells_are_trimmed(tmp_path):
    path = tmp_path / "staff.csv"
    path.write_text(" Employee_NO , Name \n  E1 ,\u3000张三 \n", encoding="utf-8")

    header, rows, _ = read(path)

    assert header == ["employee_no", "name"]
    assert rows == [(2, ["E1", "张三"])]


def test_blank_rows_are_skipped_but_keep_their_row_numbers(tmp_path):
    path = tmp_path / "staff.csv"
    path.write_text("a,b\nx,1\n\n,\n  , \ny,2\n", encoding="utf-8")

    _, rows, _ = read(path)

    assert rows == [(2, ["x", "1"]), (6, ["y", "2"])]


def test_a_quoted_cell_over_several_lines_is_one_row(tmp_path):
    path = tmp_path / "staff.csv"
    path.write_text('a,b\n"x\ny",1\nz,2\n', encoding="utf-8")

    _, rows, _ = read(path)

    assert rows == [(2, ["x\ny", "1"]), (3, ["z", "2"])]


def test_tab_separated_text_is_read(tmp_path):
    path = tmp_path / "staff.txt"
    path.write_bytes("工号\tname\r\nE1\t张三\r\n".encode("gb18030"))

    header, rows, _ = read(path)

    assert header == ["工号", "name"]
    assert rows == [(2, ["E1", "张三"])]


def test_xlsx_rows_are_read_as_text(tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "staff"
    sheet.append(["Employee_No ", "Hired", "Score"])
    sheet.append([1001, datetime.datetime(2024, 3, 1), 12.5])  # noqa: DTZ001
    sheet.append([None, None, None])
    sheet.append([1002.0, datetime.date(2024, 3, 2), True])
    workbook.create_sheet("notes").append(["ignored"])
    path = tmp_path / "staff.xlsx"
    workbook.save(path)

    header, rows, used = read(path)

    assert used is None
    assert header == ["employee_no", "hired", "score"]
    assert rows == [
        (2, ["1001", "2024-03-01", "12.5"]),
        (4, ["1002", "2024-03-02", "true"]),
    ]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (1001, "1001"),
        (1001.0, "1001"),
        (0.25, "0.25"),
        (False, "false"),
        (" 张三 ", "张三"),
        (datetime.datetime(2024, 3, 1, 8, 30), "2024-03-01 08:30:00"),  # noqa: DTZ001
        (datetime.date(2024, 3, 1), "2024-03-01"),
    ],
)
def test_cell_values_become_the_text_a_person_sees(value, text):
    assert cell_text(value) == text


# --- files that cannot be read ----------------------------------------------------


@pytest.mark.parametrize("name", ["staff.xls", "staff.pdf", "staff"])
def test_other_file_types_are_refused(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"data")

    error = refusal(path)

    assert error.row == 0
    assert "is not supported: use a .csv, .txt or .xlsx file." in error.message


def test_old_excel_files_get_a_hint(tmp_path):
    path = tmp_path / "staff.xls"
    path.write_bytes(b"data")
    assert "Save it from Excel as .xlsx or CSV first." in refusal(path).message


@pytest.mark.parametrize("name", ["staff.csv", "staff.xlsx"])
def test_an_empty_file_is_refused(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"")
    error = refusal(path)
    assert (error.row, error.message) == (0, "The file is empty.")


def test_a_missing_file_is_refused(tmp_path):
    error = refusal(tmp_path / "nowhere.csv")
    assert error.row == 0
    assert error.message.startswith("The file cannot be opened")


def test_a_broken_workbook_is_refused(tmp_path):
    path = tmp_path / "staff.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    error = refusal(path)
    assert (error.row, error.message) == (
        0,
        "The file is not a valid Excel (.xlsx) workbook.",
    )


def test_a_workbook_saved_as_csv_is_recognised(tmp_path):
    workbook = Workbook()
    workbook.active.append(["a"])
    path = tmp_path / "staff.csv"
    workbook.save(path)
    error = refusal(path)
    assert error.row == 0
    assert "This is an Excel workbook, not a CSV file" in error.message


def test_an_unknown_encoding_name_is_refused(tmp_path):
    path = tmp_path / "staff.csv"
    path.write_text(TEXT, encoding="utf-8")
    error = refusal(path, encoding="klingon")
    assert (error.row, error.message) == (0, "Unknown encoding “klingon”.")


def test_bytes_the_given_encoding_cannot_decode_name_their_row(tmp_path):
    path = tmp_path / "staff.csv"
    path.write_bytes(TEXT.encode("gb18030"))
    error = refusal(path, encoding="utf-8")
    assert error.row == 2
    assert "cannot be read with the encoding “utf-8”" in error.message


def test_nul_bytes_are_refused_with_their_row(tmp_path):
    path = tmp_path / "staff.csv"
    path.write_bytes(b"a,b\r\nx,1\r\ny,\x00\r\n")
    error = refusal(path)
    assert error.row == 3
    assert "NUL character" in error.message


def test_an_old_excel_file_named_csv_is_recognised(tmp_path):
    path = tmp_path / "staff.csv"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500))
    error = refusal(path)
    assert error.row == 0
    assert "old Excel (.xls) workbook" in error.message


# --- columns ----------------------------------------------------------------------


def test_columns_are_located_and_extra_ones_ignored():
    where, problems = locate_columns(
        ["x", "name", "code", "note"], ("code", "name"), ("email",)
    )
    assert where == {"name": 1, "code": 2}
    assert problems == []


def test_missing_and_repeated_columns_are_problems():
    where, problems = locate_columns(["code", "code", "x"], ("code", "name"), ())
    assert where == {"code": 0}
    assert problems == [
        ("code", "The column “code” appears twice."),
        (
            "name",
            "The required column “name” is missing (the header row has: code, "
            "code, x).",
        ),
    ]
