"""Certificates in the administration: find them (by serial, employee number
or name; by measure and status), see one with its history, download its PDF,
revoke it or reissue it. Managers and launch officers see those of the staff
in their scopes; approvers those of the measures they publish (and may
revoke or reissue them); administrators all."""

from __future__ import annotations

from pathlib import Path

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView, View
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.log_actions import registry as log_registry

from certificates.models import Certificate
from certificates.services import certificate_reissue, certificate_revoke
from certificates.verification import (
    STATUS_LABELS,
    Status,
    certificate_status,
    with_accepted,
)
from cms.models import PolicyPage
from lms.admin.widgets import OrgUnitChooserWidget
from lms.models import CertificateExport, OrgUnit
from lms.selectors import scope_paths_for, units_visible_to
from lms.selectors.certificates import certificate_can_revoke, certificates_visible_to
from lms.services.certificate_exports import (
    certificate_export_create,
    certificate_export_progress,
)
from lms.services.certificates import certificates_render_soon
from lms.views.certificates import certificate_pdf_response

VIEW_PERMISSION = "certificates.view_certificate"
PER_PAGE = 50


class CertificateFilterForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Serial, employee number or name"), required=False
    )
    policy = forms.ModelChoiceField(
        label=gettext_lazy("Measure"),
        queryset=PolicyPage.objects.order_by("code"),
        required=False,
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        choices=[("", gettext_lazy("All"))]
        + [(s.value, STATUS_LABELS[s]) for s in Status],
        required=False,
    )


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why is it revoked?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
    )


class ReissueForm(forms.Form):
    holder_name = forms.CharField(
        label=gettext_lazy("Name on the new certificate"), max_length=100
    )
    reason = forms.CharField(
        label=gettext_lazy("Why is it reissued?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
    )


class ExportForm(forms.Form):
    unit = forms.ModelChoiceField(
        label=gettext_lazy("Unit (with every unit below it)"),
        queryset=OrgUnit.objects.all(),
        widget=OrgUnitChooserWidget,
    )
    policy = forms.ModelChoiceField(
        label=gettext_lazy("Measure"),
        queryset=PolicyPage.objects.order_by("code"),
        required=False,
        empty_label=gettext_lazy("Every measure"),
    )
    include_past = forms.BooleanField(
        label=gettext_lazy("Also revoked, superseded and expired certificates"),
        required=False,
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            self.fields["unit"].queryset = units_visible_to(user=user)


class CertificateAccessMixin:
    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.has_perm(VIEW_PERMISSION):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    @cached_property
    def visible(self):
        return certificates_visible_to(user=self.request.user)


def _status_filter(status: str, now) -> Q:
    """Rows with ``status`` now, in SQL (the ``accepted`` annotation for
    "valid" and "no longer accepted")."""
    return {
        Status.REVOKED: Q(revoked_at__isnull=False),
        Status.SUPERSEDED: Q(revoked_at__isnull=True, superseded_by__isnull=False),
        Status.EXPIRED: Q(
            revoked_at__isnull=True, superseded_by__isnull=True, expires_at__lte=now
        ),
        Status.VALID: Q(accepted=True),
        Status.NOT_ACCEPTED: Q(
            accepted=False, revoked_at__isnull=True, superseded_by__isnull=True
        )
        & (Q(expires_at__isnull=True) | Q(expires_at__gt=now)),
    }[Status(status)]


class CertificateIndexView(
    CertificateAccessMixin, WagtailAdminTemplateMixin, TemplateView
):
    template_name = "lms/admin/certificates/index.html"
    page_title = gettext_lazy("Certificates")
    header_icon = "tick-inverse"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        now = timezone.now()
        form = CertificateFilterForm(self.request.GET or None)
        rows = with_accepted(self.visible, at=now).select_related("superseded_by")
        if form.is_valid():
            if term := form.cleaned_data["q"].strip():
                rows = rows.filter(
                    Q(serial__icontains=term)
                    | Q(employee_no__iexact=term)
                    | Q(holder_name__icontains=term)
                )
            if policy := form.cleaned_data["policy"]:
                rows = rows.filter(policy=policy)
            if status := form.cleaned_data["status"]:
                rows = rows.filter(_status_filter(status, now))
        page = Paginator(rows.order_by("-issued_at", "-pk"), PER_PAGE).get_page(
            self.request.GET.get("p")
        )
        context.update(
            form=form,
            export_form=ExportForm(user=self.request.user),
            exports=CertificateExport.objects.filter(requested_by=self.request.user)
            .select_related("unit", "policy")
            .order_by("-created_at")[:10],
            page=page,
            rows=[(c, STATUS_LABELS[certificate_status(c, at=now)]) for c in page],
            query=self.request.GET.copy(),
        )
        return context


class CertificateDetailView(
    CertificateAccessMixin, WagtailAdminTemplateMixin, TemplateView
):
    template_name = "lms/admin/certificates/detail.html"
    header_icon = "tick-inverse"

    @cached_property
    def certificate(self) -> Certificate:
        certificate = (
            with_accepted(self.visible, at=timezone.now())
            .select_related("superseded_by", "revoked_by", "employee__unit")
            .filter(serial=self.kwargs["serial"])
            .first()
        )
        if certificate is None:
            raise Http404
        return certificate

    def get_page_title(self) -> str:
        return self.certificate.serial

    def get_breadcrumbs_items(self) -> list[dict]:
        return [
            *self.breadcrumbs_items,
            {"url": reverse("lms_certificates"), "label": _("Certificates")},
            {"url": "", "label": self.certificate.serial},
        ]

    def can_change(self) -> bool:
        return certificate_can_revoke(
            user=self.request.user, certificate=self.certificate
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        certificate = self.certificate
        status = certificate_status(certificate, at=timezone.now())
        can_change = self.can_change()
        current = certificate.revoked_at is None and certificate.superseded_at is None
        context.update(
            certificate=certificate,
            status=status,
            status_label=STATUS_LABELS[status],
            can_revoke=can_change and certificate.revoked_at is None,
            can_reissue=can_change and current,
            revoke_form=kwargs.get("revoke_form") or RevokeForm(),
            reissue_form=kwargs.get("reissue_form")
            or ReissueForm(initial={"holder_name": certificate.holder_name}),
            history=log_registry.get_logs_for_instance(certificate)
            .select_related("user")
            .order_by("-timestamp"),
        )
        return context

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not self.can_change():
            raise PermissionDenied
        action = request.POST.get("action")
        if action == "revoke":
            form = RevokeForm(request.POST)
            if form.is_valid():
                certificate_revoke(
                    certificate=self.certificate,
                    user=request.user,
                    reason=form.cleaned_data["reason"],
                )
                messages.success(request, _("The certificate is revoked."))
                return redirect("lms_certificate", serial=self.certificate.serial)
            return self.render_to_response(
                self.get_context_data(revoke_form=form), status=400
            )
        if action == "reissue":
            form = ReissueForm(request.POST)
            if form.is_valid():
                try:
                    new = certificate_reissue(
                        certificate=self.certificate,
                        user=request.user,
                        reason=form.cleaned_data["reason"],
                        holder_name=form.cleaned_data["holder_name"],
                    )
                except ValidationError as error:
                    form.add_error(None, error)
                else:
                    transaction.on_commit(certificates_render_soon)
                    messages.success(
                        request,
                        _("Reissued as %(serial)s.") % {"serial": new.serial},
                    )
                    return redirect("lms_certificate", serial=new.serial)
            return self.render_to_response(
                self.get_context_data(reissue_form=form), status=400
            )
        return self.render_to_response(self.get_context_data(), status=400)


class CertificatePdfView(CertificateAccessMixin, View):
    def get(self, request: HttpRequest, serial: str) -> HttpResponse:
        certificate = self.visible.filter(serial=serial).first()
        if certificate is None:
            raise Http404
        return certificate_pdf_response(certificate)


class ExportCreateView(CertificateAccessMixin, View):
    def post(self, request: HttpRequest) -> HttpResponse:
        form = ExportForm(request.POST, user=request.user)
        if not form.is_valid():
            messages.error(request, _("Choose a unit in your scope to export."))
            return redirect("lms_certificates")
        export = certificate_export_create(
            user=request.user,
            unit=form.cleaned_data["unit"],
            policy=form.cleaned_data["policy"],
            include_past=form.cleaned_data["include_past"],
        )
        return redirect("lms_certificate_export", pk=export.pk)


def _exports_of(request: HttpRequest):
    """Exports are their requester's (administrators see all)."""
    exports = CertificateExport.objects.select_related("unit", "policy")
    if scope_paths_for(user=request.user) is None:
        return exports
    return exports.filter(requested_by=request.user)


class ExportDetailView(CertificateAccessMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "lms/admin/certificates/export.html"
    header_icon = "download"
    page_title = gettext_lazy("Certificate export")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        export = get_object_or_404(_exports_of(self.request), pk=self.kwargs["pk"])
        context.update(
            export=export,
            progress=certificate_export_progress(export_id=export.pk),
            waiting=export.status
            in (CertificateExport.Status.PENDING, CertificateExport.Status.RUNNING),
        )
        return context

    def get_breadcrumbs_items(self) -> list[dict]:
        return [
            *self.breadcrumbs_items,
            {"url": reverse("lms_certificates"), "label": _("Certificates")},
            {"url": "", "label": self.get_page_title()},
        ]


class ExportDownloadView(CertificateAccessMixin, View):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        export = get_object_or_404(
            _exports_of(request), pk=pk, status=CertificateExport.Status.READY
        )
        response = FileResponse(
            export.file.open("rb"),
            content_type="application/zip",
            as_attachment=True,
            filename=Path(export.file.name).name,
        )
        response["Cache-Control"] = "private, no-store"
        return response


urlpatterns = [
    path(
        "lms/certificates/exports/",
        ExportCreateView.as_view(),
        name="lms_certificate_export_create",
    ),
    path(
        "lms/certificates/exports/<int:pk>/",
        ExportDetailView.as_view(),
        name="lms_certificate_export",
    ),
    path(
        "lms/certificates/exports/<int:pk>/download/",
        ExportDownloadView.as_view(),
        name="lms_certificate_export_download",
    ),
    path("lms/certificates/", CertificateIndexView.as_view(), name="lms_certificates"),
    path(
        "lms/certificates/<str:serial>/",
        CertificateDetailView.as_view(),
        name="lms_certificate",
    ),
    path(
        "lms/certificates/<str:serial>/pdf/",
        CertificatePdfView.as_view(),
        name="lms_certificate_pdf",
    ),
]


class CertificatesMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return request.user.has_perm(VIEW_PERMISSION)


def certificates_menu_item() -> MenuItem:
    return CertificatesMenuItem(
        gettext_lazy("Certificates"),
        reverse("lms_certificates"),
        icon_name="tick-inverse",
        order=310,
    )
