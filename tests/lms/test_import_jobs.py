"""HR imports in the admin: upload → check (task) → preview → apply (task)."""

from __future__ import annotations

import contextlib
import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from lms import roles
from lms.models import Employee, ImportJob, OrgUnit
from lms.services.imports import jobs
from tests.factories import EmployeeFactory, ManagerScopeFactory, UserFactory

pytestmark = pytest.mark.django_db

Status = ImportJob.Status
INDEX = "/admin/organisation/imports/"
UPLOAD = "/admin/organisation/imports/new/"

STAFF_CSV = (
    "employee_no,name,unit_code,position,email\n"
    "GD1001,陈一,GZ-TH,counter,chen1@example.com\n"
    "GD1002,陈二,GZ-YX,billing,\n"
    "BJ1001,赵三,BJ-DC,counter,\n"
)


@pytest.fixture
def admin_user(db):
    return UserFactory(username="hr-admin", roles=[roles.ADMINISTRATOR])


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def csv_file(text: str, name: str = "hr.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def detail_url(job: ImportJob) -> str:
    return reverse("lms_imports:detail", args=[job.pk])


def upload(client, capture, text: str, *, kind: str = "staff", name="hr.csv", **extra):
    with capture(execute=True):
        response = client.post(
            UPLOAD, {"kind": kind, "file": csv_file(text, name), **extra}
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    return ImportJob.objects.latest("pk"), response


def counts_on_page(html: str) -> dict[str, int]:
    table = html.split("data-report-counts", 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<th scope=\"row\">([^<]+)</th><td data-count>(\d+)</td>", table)
    return {label: int(count) for label, count in rows}


# --- The happy path -----------------------------------------------------------


def test_staff_file_is_checked_previewed_then_applied(
    admin_client, tree, positions, private_dir, django_capture_on_commit_callbacks
):
    EmployeeFactory(unit=tree["SZ-NS"], employee_no="GD1002", name="陈二")
    job, response = upload(admin_client, django_capture_on_commit_callbacks, STAFF_CSV)
    assert response["Location"] == detail_url(job)
    assert job.status == Status.READY
    assert job.original_name == "hr.csv"
    assert Path(job.file.path).is_relative_to(private_dir)
    assert not Path(job.file.path).is_relative_to(settings.MEDIA_ROOT)
    assert Path(job.file.path).read_text() == STAFF_CSV
    # The check wrote nothing.
    assert Employee.objects.count() == 1

    page = admin_client.get(detail_url(job)).content.decode()
    assert "What applying the file would do" in page
    counts = counts_on_page(page)
    assert counts["Employees created"] == 2
    assert counts["Transferred to another unit"] == 1
    assert 'http-equiv="refresh"' not in page
    assert reverse("lms_imports:apply", args=[job.pk]) in page

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("lms_imports:apply", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == Status.DONE and job.finished_at is not None
    assert job.applied_by.username == "hr-admin"
    assert set(Employee.objects.values_list("employee_no", flat=True)) == {
        "GD1001",
        "GD1002",
        "BJ1001",
    }
    assert Employee.objects.get(employee_no="GD1002").unit.code == "GZ-YX"

    page = admin_client.get(detail_url(job)).content.decode()
    assert "What the import did" in page
    assert counts_on_page(page)["Employees created"] == 2
    assert reverse("lms_imports:apply", args=[job.pk]) not in page

    listing = admin_client.get(INDEX).content.decode()
    assert "hr.csv" in listing and "Applied" in listing


def test_org_file_adds_units_under_their_parent(
    admin_client, tree, django_capture_on_commit_callbacks
):
    text = "code,name,parent_code,level\nGZ-BY,白云区,GZ,county\n"
    job, _response = upload(
        admin_client, django_capture_on_commit_callbacks, text, kind="org"
    )
    assert job.status == Status.READY
    assert counts_on_page(admin_client.get(detail_url(job)).content.decode()) == {
        "Units created": 1,
        "Units updated": 0,
        "Units moved to another parent": 0,
        "Units unchanged": 0,
    }
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("lms_imports:apply", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == Status.DONE
    assert OrgUnit.objects.get(code="GZ-BY").get_parent().code == "GZ"


def test_an_xlsx_file_is_accepted(
    admin_client, tree, positions, django_capture_on_commit_callbacks
):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["employee_no", "name", "unit_code", "position"])
    sheet.append(["GD2001", "黄一", "GZ-TH", "counter"])
    buffer = io.BytesIO()
    book.save(buffer)
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            UPLOAD,
            {
                "kind": "staff",
                "file": SimpleUploadedFile("hr.xlsx", buffer.getvalue()),
            },
        )
    job = ImportJob.objects.get()
    assert job.status == Status.READY
    assert job.report["preview"]["created"] == 1


# --- Refusals -----------------------------------------------------------------


def test_an_invalid_file_shows_its_row_errors_and_changes_nothing(
    admin_client, tree, positions, django_capture_on_commit_callbacks
):
    text = (
        "employee_no,name,unit_code,position\n"
        "GD3001,好行,GZ-TH,counter\n"
        "GD3002,坏单位,NO-SUCH-UNIT,counter\n"
    )
    job, _response = upload(admin_client, django_capture_on_commit_callbacks, text)
    assert job.status == Status.INVALID
    page = admin_client.get(detail_url(job)).content.decode()
    assert "Errors in the file" in page
    errors = page.split("data-report-errors", 1)[1]
    assert re.search(r"<td>3</td>\s*<td>unit_code</td>", errors)
    assert "NO-SUCH-UNIT" in errors
    assert reverse("lms_imports:apply", args=[job.pk]) not in page
    assert Employee.objects.count() == 0

    # Applying an invalid job is refused.
    response = admin_client.post(reverse("lms_imports:apply", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == Status.INVALID
    assert Employee.objects.count() == 0


def test_only_the_first_500_errors_are_listed(
    admin_client, tree, positions, django_capture_on_commit_callbacks
):
    rows = "".join(f"X{n:04d},某人,NOWHERE,counter\n" for n in range(600))
    text = "employee_no,name,unit_code,position\n" + rows
    job, _response = upload(admin_client, django_capture_on_commit_callbacks, text)
    assert job.status == Status.INVALID
    page = admin_client.get(detail_url(job)).content.decode()
    errors = page.split("data-report-errors", 1)[1].split("</table>", 1)[0]
    assert errors.count("<tr>") == 1 + 500  # the header row and 500 errors
    assert "The first 500 of 600 errors" in page


def test_a_file_that_became_invalid_before_apply_ends_invalid_unchanged(
    admin_client, tree, positions, django_capture_on_commit_callbacks
):
    text = "employee_no,name,unit_code,position\nGD4001,甲,GZ-YX,counter\n"
    job, _response = upload(admin_client, django_capture_on_commit_callbacks, text)
    assert job.status == Status.READY
    OrgUnit.objects.get(code="GZ-YX").delete()  # the unit goes meanwhile
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("lms_imports:apply", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == Status.INVALID
    assert job.report["result"]["errors"]
    assert Employee.objects.count() == 0
    page = admin_client.get(detail_url(job)).content.decode()
    assert "The file was refused when applied" in page


def test_upload_refuses_other_file_types(
    admin_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            UPLOAD, {"kind": "staff", "file": csv_file("x", name="hr.pdf")}
        )
    assert response.status_code == 200
    assert "Upload a .csv or .xlsx file." in response.content.decode()
    assert not ImportJob.objects.exists()


def test_a_second_apply_is_refused_while_one_runs(
    admin_client, admin_user, tree, positions, django_capture_on_commit_callbacks
):
    first, _ = upload(admin_client, django_capture_on_commit_callbacks, STAFF_CSV)
    second, _ = upload(admin_client, django_capture_on_commit_callbacks, STAFF_CSV)
    # The first is being applied (its task has not run yet).
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        admin_client.post(reverse("lms_imports:apply", args=[first.pk]))
    assert len(callbacks) == 1
    first.refresh_from_db()
    assert first.status == Status.APPLYING

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = admin_client.post(
            reverse("lms_imports:apply", args=[second.pk]), follow=True
        )
    assert callbacks == []
    assert "Another import is being applied" in response.content.decode()
    second.refresh_from_db()
    assert second.status == Status.READY
    assert Employee.objects.count() == 0


def test_apply_is_refused_without_the_import_permission(
    client, admin_client, tree, positions, django_capture_on_commit_callbacks
):
    job, _response = upload(admin_client, django_capture_on_commit_callbacks, STAFF_CSV)
    manager = UserFactory(roles=[roles.MANAGER])
    ManagerScopeFactory(user=manager, unit=tree["HQ"])
    other = Client()
    other.force_login(manager)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = other.post(reverse("lms_imports:apply", args=[job.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailadmin_home")
    assert callbacks == []
    job.refresh_from_db()
    assert job.status == Status.READY
    assert Employee.objects.count() == 0
    for url in (INDEX, UPLOAD, detail_url(job)):
        assert other.get(url)["Location"] == reverse("wagtailadmin_home")


def test_apply_needs_the_csrf_token(
    admin_user, admin_client, tree, positions, django_capture_on_commit_callbacks
):
    job, _response = upload(admin_client, django_capture_on_commit_callbacks, STAFF_CSV)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(admin_user)
    apply_url = reverse("lms_imports:apply", args=[job.pk])
    with django_capture_on_commit_callbacks(execute=True):
        assert strict.post(apply_url).status_code == 403
    job.refresh_from_db()
    assert job.status == Status.READY

    page = strict.get(detail_url(job)).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    with django_capture_on_commit_callbacks(execute=True):
        response = strict.post(apply_url, {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == Status.DONE
    assert Employee.objects.count() == 3


def test_a_job_not_yet_applied_can_be_cancelled(
    admin_client, tree, positions, django_capture_on_commit_callbacks
):
    job, _response = upload(admin_client, django_capture_on_commit_callbacks, STAFF_CSV)
    response = admin_client.post(reverse("lms_imports:cancel", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == Status.CANCELLED
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("lms_imports:apply", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == Status.CANCELLED
    assert Employee.objects.count() == 0


# --- Tasks, commits and progress ----------------------------------------------


def test_the_check_task_is_enqueued_only_after_commit(
    admin_user, tree, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        with contextlib.suppress(RuntimeError), transaction.atomic():
            jobs.job_create(kind="staff", upload=csv_file(STAFF_CSV), user=admin_user)
            raise RuntimeError("rolled back")
    assert callbacks == []
    assert not ImportJob.objects.exists()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = jobs.job_create(kind="staff", upload=csv_file(STAFF_CSV), user=admin_user)
    assert len(callbacks) == 1
    job.refresh_from_db()
    assert job.status == Status.PENDING


def test_the_job_page_refreshes_itself_and_shows_progress(
    admin_client, admin_user, tree
):
    job = jobs.job_create(kind="staff", upload=csv_file(STAFF_CSV), user=admin_user)
    page = admin_client.get(detail_url(job)).content.decode()
    assert '<meta http-equiv="refresh" content="2">' in page
    assert "Waiting for a task worker" in page

    ImportJob.objects.filter(pk=job.pk).update(status=Status.APPLYING)
    jobs._ProgressWriter(job.pk, Status.APPLYING)(250, 1000)
    page = admin_client.get(detail_url(job)).content.decode()
    assert '<meta http-equiv="refresh" content="2">' in page
    assert re.search(r"250 of 1000 rows \(25 %\)", page)


def test_progress_is_written_to_the_cache_and_cleared_at_the_end(
    admin_user, tree, positions, monkeypatch, django_capture_on_commit_callbacks
):
    seen = []
    writer_call = jobs._ProgressWriter.write

    def spy(self, done, total):
        seen.append((self.phase, done, total))
        writer_call(self, done, total)
        assert jobs.job_progress(job_id=job.pk)["done"] == done

    monkeypatch.setattr(jobs._ProgressWriter, "write", spy)
    with django_capture_on_commit_callbacks(execute=False):
        job = jobs.job_create(kind="staff", upload=csv_file(STAFF_CSV), user=admin_user)
    jobs.job_validate(job_id=job.pk)
    assert seen[0] == (Status.VALIDATING, 0, None)
    assert len(seen) >= 2
    assert jobs.job_progress(job_id=job.pk) is None


def test_a_task_that_crashes_marks_the_job_failed(
    admin_client, admin_user, tree, monkeypatch, django_capture_on_commit_callbacks
):
    def explode(**kwargs):
        raise OSError("disk gone")

    monkeypatch.setattr(jobs.hr_imports, "staff_import", explode)
    job, _response = upload(admin_client, django_capture_on_commit_callbacks, STAFF_CSV)
    assert job.status == Status.FAILED
    page = admin_client.get(detail_url(job)).content.decode()
    assert "The task failed: nothing was changed." in page and "disk gone" in page


def test_an_apply_whose_task_died_no_longer_blocks_the_next(
    admin_client, admin_user, tree, positions, django_capture_on_commit_callbacks
):
    stuck, _ = upload(admin_client, django_capture_on_commit_callbacks, STAFF_CSV)
    ready, _ = upload(admin_client, django_capture_on_commit_callbacks, STAFF_CSV)
    long_ago = (timezone.now() - timedelta(hours=3)).isoformat()
    ImportJob.objects.filter(pk=stuck.pk).update(
        status=Status.APPLYING,
        report={**stuck.report, "apply_started_at": long_ago},
    )
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("lms_imports:apply", args=[ready.pk]))
    stuck.refresh_from_db()
    ready.refresh_from_db()
    assert stuck.status == Status.FAILED
    assert ready.status == Status.DONE
