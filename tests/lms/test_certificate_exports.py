"""Bulk exports of certificates (``lms.services.certificate_exports``): the
ZIP of a subtree's PDFs with its register, within the requester's scope."""

from __future__ import annotations

import csv
import datetime
import io
import zipfile

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from certificates.services import certificate_revoke
from lms.models import CertificateExport, ManagerScope
from lms.services.certificate_exports import (
    certificate_export_create,
    certificate_exports_sweep,
)
from tests.factories import EmployeeFactory, UserFactory
from tests.lms.test_attempts import build_course, enrol, pool
from tests.lms.test_training import certify

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(tree, positions):
    policy = build_course(questions=pool(2))
    people = {
        "gz": EmployeeFactory(unit=tree["GZ-TH"], name="王小明", employee_no="GZ1"),
        "formula": EmployeeFactory(
            unit=tree["GZ-YX"], name="=cmd|' /C calc'!A0", employee_no="GZ2"
        ),
        "revoked": EmployeeFactory(unit=tree["GZ-YX"], name="李四", employee_no="GZ3"),
        "sz": EmployeeFactory(unit=tree["SZ-NS"], name="张三", employee_no="SZ1"),
        "bj": EmployeeFactory(unit=tree["BJ-DC"], name="赵六", employee_no="BJ1"),
    }
    certificates = {}
    for key, employee in people.items():
        enrol(policy, employee=employee)
        certificates[key] = certify(employee, policy)
    certificate_revoke(certificate=certificates["revoked"], user=None, reason="x")
    manager = UserFactory(username="mgr-gd", roles=["Managers"])
    ManagerScope.objects.create(user=manager, unit=tree["GD"])
    return {"policy": policy, "certificates": certificates, "manager": manager}


def _export(user, unit, **options) -> CertificateExport:
    with TestCase.captureOnCommitCallbacks(execute=True):
        export = certificate_export_create(user=user, unit=unit, **options)
    export.refresh_from_db()
    return export


def _zip(export) -> zipfile.ZipFile:
    with export.file.open("rb") as stored:
        return zipfile.ZipFile(io.BytesIO(stored.read()))


def test_a_city_export_holds_its_pdfs_and_register(world, tree):
    export = _export(world["manager"], tree["GZ"])
    assert export.status == CertificateExport.Status.READY and export.count == 2
    archive = _zip(export)
    certificates = world["certificates"]
    pdfs = {name for name in archive.namelist() if name.startswith("pdf/")}
    assert pdfs == {
        f"pdf/{certificates['gz'].serial}.pdf",
        f"pdf/{certificates['formula'].serial}.pdf",
    }
    for name in pdfs:
        assert archive.read(name).startswith(b"%PDF")
    raw = archive.read("register.csv")
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:4] == ["serial", "employee_no", "name", "unit"]
    by_number = {r[1]: r for r in rows[1:]}
    assert set(by_number) == {"GZ1", "GZ2"}
    assert by_number["GZ1"][3] == "广东省 › 广州市 › 天河区"
    assert by_number["GZ2"][2] == "'=cmd|' /C calc'!A0"  # neutralised
    sheet = load_workbook(io.BytesIO(archive.read("register.xlsx"))).active
    values = [[cell.value for cell in line] for line in sheet.iter_rows()]
    assert len(values) == 3 and values[0][0] == "serial"
    assert {line[2] for line in values[1:]} == {"王小明", "'=cmd|' /C calc'!A0"}


def test_past_certificates_only_when_asked(world, tree):
    export = _export(world["manager"], tree["GZ"], include_past=True)
    assert export.count == 3
    names = _zip(export).namelist()
    assert f"pdf/{world['certificates']['revoked'].serial}.pdf" in names


def test_a_unit_outside_the_scope_is_refused(world, tree):
    with pytest.raises(PermissionDenied):
        certificate_export_create(user=world["manager"], unit=tree["BJ"])
    response = _client(world["manager"]).post(
        reverse("lms_certificate_export_create"), {"unit": tree["BJ"].pk}
    )
    assert response.status_code == 302
    assert not CertificateExport.objects.exists()


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_only_the_requester_downloads_the_export(world, tree):
    export = _export(world["manager"], tree["GZ"])
    url = reverse("lms_certificate_export_download", args=[export.pk])
    mine = _client(world["manager"]).get(url)
    assert mine.status_code == 200 and mine["Content-Type"] == "application/zip"
    other = UserFactory(username="mgr-gd-2", roles=["Managers"])
    ManagerScope.objects.create(user=other, unit=tree["GD"])
    assert _client(other).get(url).status_code == 404
    page = _client(world["manager"]).get(
        reverse("lms_certificate_export", args=[export.pk])
    )
    assert page.status_code == 200 and "Download the ZIP" in page.content.decode()


def test_the_sweep_deletes_expired_exports_and_rebuilds_lost_ones(
    world, tree, settings
):
    done = _export(world["manager"], tree["GZ"])
    CertificateExport.objects.filter(pk=done.pk).update(
        finished_at=timezone.now()
        - datetime.timedelta(days=settings.CERTIFICATE_EXPORT_DAYS + 1)
    )
    lost = CertificateExport.objects.create(
        unit=tree["SZ"], requested_by=world["manager"]
    )
    CertificateExport.objects.filter(pk=lost.pk).update(
        created_at=timezone.now() - datetime.timedelta(hours=1)
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert certificate_exports_sweep() == 2
    done.refresh_from_db()
    lost.refresh_from_db()
    assert done.status == CertificateExport.Status.EXPIRED and not done.file
    assert lost.status == CertificateExport.Status.READY and lost.count == 1


def test_rendering_is_spread_in_chunks_and_nothing_is_rendered_twice(world, tree):
    from certificates.models import Certificate
    from lms.services.certificates import certificates_render_spread

    ids = list(Certificate.objects.order_by("pk").values_list("pk", flat=True))
    assert Certificate.objects.filter(rendered_at__isnull=True).count() == len(ids)
    with TestCase.captureOnCommitCallbacks(execute=True):
        certificates_render_spread(certificate_ids=ids, chunk=2)
    rendered = dict(Certificate.objects.values_list("pk", "rendered_at"))
    assert all(rendered.values())
    assert certificates_render_spread(certificate_ids=ids, chunk=2) == 0
    assert dict(Certificate.objects.values_list("pk", "rendered_at")) == rendered
