"""Hostile and damaged spreadsheets (issue 11): each is refused in one line,
before it can hold a worker or its memory, and changes nothing; a check in
progress can be cancelled; import tasks have a time limit and a sweep."""

from __future__ import annotations

import io
import tracemalloc
import zipfile
from datetime import timedelta
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from openpyxl import Workbook

from lms import roles
from lms.admin.forms import ImportUploadForm
from lms.models import Employee, ImportJob
from lms.services.imports import jobs, readers
from lms.services.imports.readers import (
    MAX_ROWS,
    TableError,
    open_table,
    text_encoding,
)
from tests import factories

HEADER_ROW = (
    '<row r="1"><c r="A1" t="inlineStr"><is><t>employee_no</t></is></c>'
    '<c r="B1" t="inlineStr"><is><t>name</t></is></c></row>'
)


def sheet(rows: str, dimension: str = "A1:B1") -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="{dimension}"/><sheetData>{rows}</sheetData></worksheet>'
    )


def workbook(tmp_path: Path, replace: dict[str, str | bytes]) -> Path:
    """A real workbook saved by openpyxl, with some of its parts replaced (or
    added: a shared strings part is declared in the workbook's relations)."""
    source = tmp_path / "source.xlsx"
    book = Workbook()
    book.active.append(["employee_no", "name"])
    book.save(source)
    with zipfile.ZipFile(source) as original:
        parts = {item.filename: original.read(item) for item in original.infolist()}
    if "xl/sharedStrings.xml" in replace:  # openpyxl writes none
        rels = "xl/_rels/workbook.xml.rels"
        parts[rels] = parts[rels].replace(
            b"</Relationships>", _SHARED_RELATION + b"</Relationships>"
        )
        types = "[Content_Types].xml"
        parts[types] = parts[types].replace(b"</Types>", _SHARED_TYPE + b"</Types>")
    parts.update(replace)
    target = tmp_path / "hostile.xlsx"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in parts.items():
            out.writestr(name, data)
    return target


_SHARED_RELATION = (
    b'<Relationship Id="rIdShared" Target="sharedStrings.xml" Type="http://'
    b'schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/>'
)
_SHARED_TYPE = (
    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.'
    b'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
)


def refusal(path: Path) -> TableError:
    with pytest.raises(TableError) as refused:
        with open_table(path) as table:
            list(table.rows)
    return refused.value


@pytest.fixture
def no_parsing(monkeypatch):
    """Fails the test if openpyxl is asked to parse the file at all."""

    def parse(*args, **kwargs):
        raise AssertionError("the workbook was parsed")

    monkeypatch.setattr(openpyxl, "load_workbook", parse)


# --- 4. Dimensions, rows and columns are not trusted --------------------------


def test_a_dimension_claiming_the_whole_sheet_is_not_trusted(tmp_path):
    far = MAX_ROWS - 1
    rows = HEADER_ROW + (
        f'<row r="{far}"><c r="A{far}" t="inlineStr"><is><t>1001</t></is></c>'
        f'<c r="B{far}" t="inlineStr"><is><t>张三</t></is></c></row>'
    )
    path = workbook(
        tmp_path, {"xl/worksheets/sheet1.xml": sheet(rows, "A1:XFD1048576")}
    )
    with open_table(path) as table:
        assert table.header == ["employee_no", "name"]
        assert list(table.rows) == [(far, ["1001", "张三"])]


def test_a_row_beyond_the_limit_is_refused_before_parsing(tmp_path, no_parsing):
    rows = HEADER_ROW + (
        '<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    )
    path = workbook(
        tmp_path, {"xl/worksheets/sheet1.xml": sheet(rows, "A1:XFD1048576")}
    )
    error = refusal(path)
    assert error.row == 0
    assert "row 1,048,576" in error.message
    assert "1,000,000" in error.message


def test_a_column_beyond_the_limit_is_refused_before_parsing(tmp_path, no_parsing):
    rows = HEADER_ROW.replace("</row>", '<c r="XFD1"><v>1</v></c></row>')
    path = workbook(tmp_path, {"xl/worksheets/sheet1.xml": sheet(rows)})
    assert "column XFD" in refusal(path).message


def test_rows_without_references_are_counted_before_parsing(tmp_path, no_parsing):
    rows = HEADER_ROW + "<row><c><v>1</v></c></row>" * (MAX_ROWS + 1000)
    path = workbook(tmp_path, {"xl/worksheets/sheet1.xml": sheet(rows)})
    assert path.stat().st_size < 1_000_000
    assert "more than 1,000,000 rows" in refusal(path).message


def test_cells_beyond_the_bound_are_refused_before_parsing(
    tmp_path, no_parsing, monkeypatch
):
    monkeypatch.setattr(readers, "MAX_CELLS", 1000)
    rows = HEADER_ROW + "<row>" + "<c/>" * 1001 + "</row>"
    path = workbook(tmp_path, {"xl/worksheets/sheet1.xml": sheet(rows)})
    assert "more than 1,000 cells" in refusal(path).message


def test_a_huge_cell_is_refused_while_streaming(tmp_path):
    """A 40 MB inline string in a workbook of about 40 KB: refused before
    anything holds it (the whole check peaks at a few megabytes)."""
    path = tmp_path / "huge.xlsx"
    base = workbook(tmp_path, {})
    with (
        zipfile.ZipFile(base) as original,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out,
    ):
        for item in original.infolist():
            if item.filename != "xl/worksheets/sheet1.xml":
                out.writestr(item.filename, original.read(item.filename))
        with out.open("xl/worksheets/sheet1.xml", "w") as part:
            head, tail = sheet(
                HEADER_ROW + '<row r="2"><c r="A2" t="inlineStr"><is><t>@</t></is>'
                "</c></row>"
            ).split("@")
            part.write(head.encode())
            for _ in range(40):
                part.write(b"A" * (1 << 20))
            part.write(tail.encode())
    assert path.stat().st_size < 200_000
    tracemalloc.start()
    try:
        error = refusal(path)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "more than 32,767 characters" in error.message
    assert peak < 16 * (1 << 20)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ('<row r="2"><c r="zzz2"><v>1</v></c></row>', "column ZZZ"),
        ('<row r="2"><c r="$XFD$2"><v>1</v></c></row>', "column XFD"),
        (
            "<row r='1000000000'><c r='A1000000000'><v>1</v></c></row>",
            "row 1,000,000,000",
        ),
        ('<row\tr="1048576"><c\tr="A1048576"><v>1</v></c></row>', "row 1,048,576"),
    ],
)
def test_references_are_read_as_openpyxl_reads_them(tmp_path, no_parsing, row, message):
    path = workbook(tmp_path, {"xl/worksheets/sheet1.xml": sheet(HEADER_ROW + row)})
    assert message in refusal(path).message


def test_a_cell_split_into_many_runs_is_refused_before_parsing(tmp_path, no_parsing):
    runs = "".join(f"<r><t>{'A' * 100_000}</t></r>" for _ in range(60))
    rows = HEADER_ROW + f'<row r="2"><c r="A2" t="inlineStr"><is>{runs}</is></c></row>'
    path = workbook(tmp_path, {"xl/worksheets/sheet1.xml": sheet(rows)})
    assert "more than 32,767 characters" in refusal(path).message


def test_other_parts_are_bounded_too(tmp_path, no_parsing):
    styles = "<styleSheet><fonts>" + "<font/>" * (6 << 20) + "</fonts></styleSheet>"
    path = workbook(tmp_path, {"xl/styles.xml": styles})
    assert path.stat().st_size < 1_000_000
    assert "xl/styles.xml unpacks to over 32 MB" in refusal(path).message


def test_a_namespaced_worksheet_is_read_and_checked(tmp_path):
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    xml = (
        f'<x:worksheet xmlns:x="{ns}"><x:sheetData>'
        '<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>employee_no</x:t></x:is>'
        '</x:c></x:row><x:row r="2"><x:c r="A2" t="inlineStr"><x:is><x:t>1001</x:t>'
        "</x:is></x:c></x:row></x:sheetData></x:worksheet>"
    )
    path = workbook(tmp_path, {"xl/worksheets/sheet1.xml": xml})
    with open_table(path) as table:
        assert table.header == ["employee_no"]
        assert list(table.rows) == [(2, ["1001"])]


# --- 5. Damaged workbooks -----------------------------------------------------


def test_a_truncated_worksheet_is_one_line(tmp_path):
    rows = HEADER_ROW + '<row r="2"><c r="A2" t="inlineStr"><is><t>1001</t></is>'
    path = workbook(tmp_path, {"xl/worksheets/sheet1.xml": sheet(rows)[:-40]})
    error = refusal(path)
    assert error.message.startswith(("Row", "The workbook is damaged"))
    assert "\n" not in error.message


def test_truncated_shared_strings_are_one_line(tmp_path):
    shared = (
        '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.'
        'openxmlformats.org/spreadsheetml/2006/main" count="2"><si><t>employee'
    )
    path = workbook(tmp_path, {"xl/sharedStrings.xml": shared})
    error = refusal(path)
    assert "damaged" in error.message and "XML" in error.message
    assert "\n" not in error.message


def test_a_cell_pointing_at_a_missing_shared_string_names_the_problem(tmp_path):
    rows = HEADER_ROW + '<row r="2"><c r="A2" t="s"><v>99</v></c></row>'
    shared = (
        '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.'
        'openxmlformats.org/spreadsheetml/2006/main" count="1"><si><t>x</t></si></sst>'
    )
    path = workbook(
        tmp_path,
        {"xl/worksheets/sheet1.xml": sheet(rows), "xl/sharedStrings.xml": shared},
    )
    error = refusal(path)
    assert error.row == 2
    assert "shared text that does not exist" in error.message


def test_a_zip_without_a_workbook_says_so(tmp_path, no_parsing):
    path = tmp_path / "photos.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("photo.jpg", b"not a workbook")
    assert "without an Excel workbook" in refusal(path).message


# --- 6. Text encodings only ----------------------------------------------------


@pytest.mark.parametrize("name", ["rot13", "hex", "base64", "undefined", "idna"])
def test_codecs_that_are_not_text_encodings_are_refused(tmp_path, name):
    path = tmp_path / "staff.csv"
    path.write_text("employee_no,name\n1001,张三\n", encoding="utf-8")
    with pytest.raises(TableError, match="is not a text encoding"):
        text_encoding(name)
    with pytest.raises(TableError, match="is not a text encoding"):
        with open_table(path, encoding=name):
            pass


@pytest.mark.django_db
def test_the_command_refuses_a_codec_in_one_line(tmp_path, tree, positions):
    path = tmp_path / "staff.csv"
    path.write_text("employee_no,name,unit_code\n", encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was changed"):
        call_command("import_staff", str(path), encoding="rot13", stderr=err)
    assert "is not a text encoding" in err.getvalue()
    assert "Traceback" not in err.getvalue()


def test_the_upload_form_refuses_a_codec():
    form = ImportUploadForm(
        data={"kind": "staff", "encoding": "hex"},
        files={"file": SimpleUploadedFile("staff.csv", b"employee_no\n")},
    )
    assert not form.is_valid()
    assert "is not a text encoding" in str(form.errors["encoding"])


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_byte_order_mark_is_read(tmp_path, encoding):
    path = tmp_path / "staff.csv"
    path.write_bytes("employee_no,name\r\n1001,张三\r\n".encode(encoding))
    with open_table(path) as table:
        assert table.header == ["employee_no", "name"]
        assert list(table.rows) == [(2, ["1001", "张三"])]


# --- Cancelling a check, time limits, the sweep ------------------------------


@pytest.fixture
def admin(db):
    return factories.UserFactory(username="hr-admin", roles=[roles.ADMINISTRATOR])


def _staff_csv(rows: int) -> SimpleUploadedFile:
    lines = ["employee_no,name,unit_code,position_code"]
    lines += [f"{9000 + n},员工{n},GZ-TH,counter" for n in range(rows)]
    return SimpleUploadedFile("staff.csv", "\n".join(lines).encode())


@pytest.mark.django_db
def test_a_cancelled_check_stops_between_batches(
    tree, positions, admin, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(jobs, "CANCEL_INTERVAL", 0)
    enqueued = []
    monkeypatch.setattr(jobs, "async_task", lambda *a, **k: enqueued.append((a, k)))
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.job_create(kind="staff", upload=_staff_csv(3000), user=admin)
    (task, job_id), options = enqueued[0]
    assert options["timeout"] == 900

    written = jobs._ProgressWriter.write

    def cancel_when_started(self, done, total):
        written(self, done, total)
        if done == 0:  # the check has started: someone presses Cancel
            jobs.job_cancel(job=ImportJob.objects.get(pk=job_id), user=admin)

    monkeypatch.setattr(jobs._ProgressWriter, "write", cancel_when_started)
    jobs.job_validate(job_id=job_id)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CANCELLED
    assert "preview" not in job.report
    assert not Employee.objects.filter(employee_no="9000").exists()


@pytest.mark.django_db
def test_the_sweep_fails_checks_past_the_time_limit_and_requeues_lost_ones(
    tree, positions, admin, monkeypatch, settings, django_capture_on_commit_callbacks
):
    settings.LMS_IMPORT_TASK_TIMEOUT = 600
    enqueued = []
    monkeypatch.setattr(jobs, "async_task", lambda *a, **k: enqueued.append(a))
    lost = jobs.job_create(kind="staff", upload=_staff_csv(1), user=admin)
    stuck = jobs.job_create(kind="staff", upload=_staff_csv(1), user=admin)
    fresh = jobs.job_create(kind="staff", upload=_staff_csv(1), user=admin)
    long_ago = timezone.now() - timedelta(minutes=30)
    ImportJob.objects.filter(pk=lost.pk).update(created_at=long_ago)
    ImportJob.objects.filter(pk=stuck.pk).update(
        status=ImportJob.Status.VALIDATING,
        report={"check_started_at": long_ago.isoformat()},
    )
    enqueued.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.jobs_sweep() == {"failed": 1, "requeued": 1}
    stuck.refresh_from_db()
    assert stuck.status == ImportJob.Status.FAILED
    assert "10 minutes at most" in stuck.report["error"]
    assert [args[1] for args in enqueued] == [lost.pk]
    # Twice is safe: the failed job stays failed, the lost check is not
    # enqueued again before another ten minutes (it may be queued behind
    # others); and a second task for a job finds it claimed.
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.jobs_sweep() == {"failed": 0, "requeued": 0}
    fresh.refresh_from_db()
    assert fresh.status == ImportJob.Status.PENDING
    jobs.job_validate(job_id=lost.pk)
    assert jobs.job_validate(job_id=lost.pk) is None


@pytest.mark.django_db
def test_the_check_writes_its_refusals_in_the_uploaders_language(
    tree, positions, admin, django_capture_on_commit_callbacks
):
    from django.utils import translation

    upload = SimpleUploadedFile(
        "staff.csv",
        "employee_no,name,unit_code,position\n9001,张三,999999,counter\n".encode(),
    )
    with (
        translation.override("zh-hans"),
        django_capture_on_commit_callbacks() as callbacks,
    ):
        job = jobs.job_create(kind="staff", upload=upload, user=admin)
    with translation.override("en"):  # the task worker's language
        for callback in callbacks:
            callback()
    job.refresh_from_db()
    assert job.language == "zh-hans"
    assert job.status == ImportJob.Status.INVALID
    messages = [error["message"] for error in job.report["preview"]["errors"]]
    assert "未知的单位编码“999999”。" in messages
