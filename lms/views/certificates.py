"""The employee's certificates: the wallet (``/my/certificates/``) and the PDF
of each. Only the holder's own: another's serial is a 404."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from certificates.models import Certificate
from lms.selectors import employee_for
from lms.selectors.certificates import certificates_of
from lms.services.certificates import certificate_rendered

# Personal pages: neither a shared phone's cache nor a proxy keeps a copy.
private = cache_control(private=True, no_store=True)


def certificate_pdf_response(certificate: Certificate) -> FileResponse:
    """The stored PDF of ``certificate`` as a download (rendered first if no
    task has rendered it yet)."""
    certificate = certificate_rendered(certificate=certificate)
    response = FileResponse(
        certificate.pdf.open("rb"),
        content_type="application/pdf",
        as_attachment=True,
        filename=f"{certificate.serial}.pdf",
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
@private
def my_certificates(request: HttpRequest) -> HttpResponse:
    employee = employee_for(user=request.user)
    held = certificates_of(employee=employee) if employee else []
    return render(
        request,
        "lms/certificates/my_certificates.html",
        {"employee": employee, "held": held},
    )


@login_required
@require_GET
def my_certificate_pdf(request: HttpRequest, serial: str) -> HttpResponse:
    employee = employee_for(user=request.user)
    certificate = (
        Certificate.objects.filter(employee=employee, serial=serial).first()
        if employee
        else None
    )
    if certificate is None:
        raise Http404
    return certificate_pdf_response(certificate)
