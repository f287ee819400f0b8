"""Bulk exports of certificates: every certificate of a unit's subtree (and
optionally one measure) as one ZIP — each PDF, and the register as CSV (UTF-8
with BOM, so Chinese Excel opens it) and XLSX — built by a django-q2 task
with progress, downloadable from the administration while it is kept
(``CERTIFICATE_EXPORT_DAYS``).

The ZIP is written to a temporary file and moved to private storage: PDFs are
copied into it one at a time and the register rows are streamed (openpyxl's
write-only workbook), so memory stays flat for 10,000 certificates and more.
Certificates not rendered yet are rendered first, spread over the free
workers (``certificates_render_spread``). Building is
idempotent (a rebuild starts from scratch), and the sweep
(:func:`certificate_exports_sweep`, with the certificate sweep) rebuilds an
export a lost task left pending and deletes the expired ones.
"""

from __future__ import annotations

import csv
import datetime
import logging
import shutil
import tempfile
import zipfile
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_q.tasks import async_task
from openpyxl import Workbook

from certificates.models import Certificate
from certificates.verification import STATUS_LABELS, certificate_status, with_accepted
from cms.models import PolicyPage
from lms.models import CertificateExport, OrgUnit, User
from lms.selectors import units_visible_to
from lms.selectors.certificates import certificates_visible_to
from lms.services.certificates import (
    certificates_render,
    certificates_render_spread,
)
from lms.sheets import row

logger = logging.getLogger(__name__)

BUILD_TASK = "lms.tasks.certificate_export_build"
BATCH = 500
LOST_AFTER = datetime.timedelta(minutes=30)
REGISTER_HEADER = [
    "serial",
    "employee_no",
    "name",
    "unit",
    "policy_code",
    "policy_title",
    "version",
    "issued",
    "expires",
    "status",
]


def _progress_key(export_id: int) -> str:
    return f"lms:certificate-export:{export_id}:progress"


def certificate_export_progress(*, export_id: int) -> dict | None:
    """``{"done", "total"}`` of the task building the export, if it runs."""
    return cache.get(_progress_key(export_id))


def _enqueue(export_id: int) -> None:
    transaction.on_commit(
        lambda: async_task(
            BUILD_TASK, export_id, task_name=f"certificate-export:{export_id}"
        )
    )


def certificate_export_create(
    *,
    user: User,
    unit: OrgUnit,
    policy: PolicyPage | None = None,
    include_past: bool = False,
) -> CertificateExport:
    """Ask for the export of the certificates of ``unit``'s subtree; the task
    builds it after commit. Refused (``PermissionDenied``) for a unit outside
    the user's scopes."""
    if not user.has_perm("certificates.view_certificate"):
        raise PermissionDenied
    if not units_visible_to(user=user).filter(pk=unit.pk).exists():
        raise PermissionDenied
    export = CertificateExport.objects.create(
        unit=unit, policy=policy, include_past=include_past, requested_by=user
    )
    _enqueue(export.pk)
    return export


def _certificates(export: CertificateExport, at: datetime.datetime):
    """The export's certificates: in the subtree, of the measure, visible to
    whoever asked, current ones only unless ``include_past``."""
    rows = certificates_visible_to(user=export.requested_by).filter(
        employee__unit__path__startswith=export.unit.path
    )
    if export.policy_id:
        rows = rows.filter(policy_id=export.policy_id)
    rows = with_accepted(rows, at=at)
    if not export.include_past:
        rows = rows.filter(accepted=True)
    return rows.order_by("holder_unit", "employee_no", "policy_code", "version")


def _register_row(certificate: Certificate, at: datetime.datetime) -> list:
    expires = certificate.expires_on
    return row(
        [
            certificate.serial,
            certificate.employee_no,
            certificate.holder_name,
            certificate.holder_unit,
            certificate.policy_code,
            certificate.policy_title,
            certificate.version,
            certificate.issued_on.isoformat(),
            expires.isoformat() if expires else "",
            str(STATUS_LABELS[certificate_status(certificate, at=at)]),
        ]
    )


def _write_zip(export: CertificateExport, path: Path, at: datetime.datetime) -> int:
    """Write the export's ZIP at ``path``; returns how many certificates."""
    certificates = _certificates(export, at)
    ids = list(certificates.values_list("pk", flat=True))
    total = len(ids)
    certificates_render_spread(certificate_ids=ids)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Certificates")[:31])
    sheet.append(REGISTER_HEADER)
    csv_path = path.with_suffix(".csv")
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive,
        csv_path.open("w", encoding="utf-8-sig", newline="") as register,
    ):
        writer = csv.writer(register)
        writer.writerow(REGISTER_HEADER)
        for start in range(0, total, BATCH):
            batch_ids = ids[start : start + BATCH]
            certificates_render(certificate_ids=batch_ids)
            batch = {
                c.pk: c
                for c in with_accepted(
                    Certificate.objects.filter(pk__in=batch_ids), at=at
                ).select_related("superseded_by")
            }
            for certificate in (batch[pk] for pk in batch_ids):
                member = zipfile.ZipInfo(
                    f"pdf/{certificate.serial}.pdf",
                    date_time=timezone.localtime(certificate.issued_at).timetuple()[:6],
                )
                member.compress_type = zipfile.ZIP_STORED  # PDFs are compressed
                with (
                    certificate.pdf.open("rb") as pdf,
                    archive.open(member, "w") as stored,
                ):
                    shutil.copyfileobj(pdf, stored)
                values = _register_row(certificate, at)
                writer.writerow(values)
                sheet.append(values)
            cache.set(
                _progress_key(export.pk),
                {"done": min(start + BATCH, total), "total": total},
                3600,
            )
        register.close()
        archive.write(csv_path, "register.csv")
        xlsx_path = path.with_suffix(".xlsx")
        workbook.save(xlsx_path)
        archive.write(xlsx_path, "register.xlsx")
    return total


def certificate_export_build(*, export_id: int) -> CertificateExport | None:
    """Build the ZIP of an export (the task). An export already built, or
    deleted, is left as it is; a rebuild starts from scratch."""
    claimed = CertificateExport.objects.filter(
        pk=export_id,
        status__in=[CertificateExport.Status.PENDING, CertificateExport.Status.RUNNING],
    ).update(status=CertificateExport.Status.RUNNING, started_at=timezone.now())
    export = CertificateExport.objects.filter(pk=export_id).first()
    if not claimed or export is None:
        return export
    at = timezone.now()
    try:
        with tempfile.TemporaryDirectory(prefix="rollout-export-") as workdir:
            path = Path(workdir) / f"certificates-{export.unit.code}-{export.pk}.zip"
            count = _write_zip(export, path, at)
            with path.open("rb") as built:
                export.file.save(path.name, File(built), save=False)
    except Exception as error:
        logger.exception("Certificate export %s failed", export_id)
        CertificateExport.objects.filter(pk=export_id).update(
            status=CertificateExport.Status.FAILED,
            error=f"{type(error).__name__}: {error}"[:2000],
            finished_at=timezone.now(),
        )
        raise
    export.status = CertificateExport.Status.READY
    export.count = count
    export.finished_at = timezone.now()
    export.save(update_fields=["file", "status", "count", "finished_at"])
    cache.delete(_progress_key(export.pk))
    return export


def certificate_exports_sweep(*, now: datetime.datetime | None = None) -> int:
    """Delete the files of exports past their retention period, and enqueue
    again the exports a lost task left pending or running. Returns how many
    it touched."""
    now = now or timezone.now()
    days = datetime.timedelta(days=settings.CERTIFICATE_EXPORT_DAYS)
    touched = 0
    for export in CertificateExport.objects.filter(
        status=CertificateExport.Status.READY, finished_at__lt=now - days
    ):
        export.file.delete(save=False)
        export.status = CertificateExport.Status.EXPIRED
        export.save(update_fields=["file", "status"])
        touched += 1
    for export in CertificateExport.objects.filter(
        status__in=[CertificateExport.Status.PENDING, CertificateExport.Status.RUNNING],
        created_at__lt=now - LOST_AFTER,
    ):
        if certificate_export_progress(export_id=export.pk) is None:
            _enqueue(export.pk)
            touched += 1
    return touched
