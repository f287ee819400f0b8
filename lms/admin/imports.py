"""The HR import screens: list of jobs, upload, job page (progress, preview,
errors, final report), Apply and Cancel. Everything needs ``lms.run_import``.

The job page is server-rendered and reloads itself every two seconds while a
task works on the job (``<meta http-equiv="refresh">``): no JavaScript needed.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views import View
from django.views.generic import FormView, TemplateView
from wagtail.admin import messages
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import Column, DateColumn, StatusTagColumn, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.base import ViewSet

from lms.admin.forms import ImportUploadForm
from lms.models import ImportJob
from lms.selectors import scope_paths_for
from lms.services.activation import SEND_PERMISSION, staff_without_signin
from lms.services.imports.jobs import (
    CANCELLABLE,
    RUNNING,
    JobRefused,
    job_apply_start,
    job_cancel,
    job_create,
    job_progress,
)
from lms.services.imports.report import ImportReport

RUN_IMPORT = "lms.run_import"
MAX_ERRORS_SHOWN = 500
REFRESH_SECONDS = 2

# Counts shown in a preview or a report, in this order.
ORG_COUNTS = [
    ("created", gettext_lazy("Units created")),
    ("updated", gettext_lazy("Units updated")),
    ("moved", gettext_lazy("Units moved to another parent")),
    ("unchanged", gettext_lazy("Units unchanged")),
]
STAFF_COUNTS = [
    ("created", gettext_lazy("Employees created")),
    ("updated", gettext_lazy("Employees updated")),
    ("transferred", gettext_lazy("Transferred to another unit")),
    ("position_changed", gettext_lazy("Changed position")),
    ("reactivated", gettext_lazy("Reactivated")),
    ("deactivated", gettext_lazy("Deactivated")),
    ("unchanged", gettext_lazy("Unchanged")),
]
SAMPLE_LABELS = {
    "created": gettext_lazy("Created"),
    "updated": gettext_lazy("Updated"),
    "moved": gettext_lazy("Moved"),
    "transferred": gettext_lazy("Transferred"),
    "position_changed": gettext_lazy("Changed position"),
    "deactivated": gettext_lazy("Deactivated"),
    "reactivated": gettext_lazy("Reactivated"),
}


def job_counts(job: ImportJob) -> str:
    """One line for the listing: the result's counts, else the preview's."""
    data = job.report.get("result") or job.report.get("preview")
    if not data:
        return ""
    report = ImportReport.from_dict(data)
    if not report.ok:
        count = len(report.errors)
        return ngettext("%(count)d error", "%(count)d errors", count) % {"count": count}
    labels = ORG_COUNTS if report.kind == ImportJob.Kind.ORG else STAFF_COUNTS
    return ", ".join(
        f"{label}: {getattr(report, name)}"
        for name, label in labels
        if getattr(report, name)
    )


class RunImportRequiredMixin:
    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.has_perm(RUN_IMPORT):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class ImportJobIndexView(RunImportRequiredMixin, generic.IndexView):
    model = ImportJob
    any_permission_required = None
    page_title = gettext_lazy("HR imports")
    paginate_by = 20
    upload_url_name = None
    detail_url_name = None

    def get_base_queryset(self):
        return ImportJob.objects.select_related("created_by", "applied_by")

    def user_has_permission(self, permission: str) -> bool:
        return self.request.user.has_perm(RUN_IMPORT)

    def get_add_url(self) -> str:
        return reverse(self.upload_url_name)

    def get_edit_url(self, instance: ImportJob) -> str:
        return reverse(self.detail_url_name, args=[instance.pk])

    def get_delete_url(self, instance: ImportJob) -> None:
        return None

    @cached_property
    def add_item_label(self) -> str:
        return _("Upload a file")

    @cached_property
    def columns(self) -> list[Column]:
        return [
            TitleColumn(
                "original_name",
                label=_("File"),
                get_url=self.get_edit_url,
            ),
            Column("kind", label=_("Kind"), accessor="get_kind_display"),
            StatusTagColumn(
                "status",
                label=_("Status"),
                accessor="get_status_display",
                primary=lambda job: job.status in RUNNING,
            ),
            Column("counts", label=_("Counts"), accessor=job_counts),
            Column(
                "created_by",
                label=_("Uploaded by"),
                accessor=lambda job: (
                    job.created_by.get_full_name() if job.created_by else ""
                ),
            ),
            DateColumn("created_at", label=_("Uploaded")),
        ]


class ImportBreadcrumbsMixin(WagtailAdminTemplateMixin):
    index_url_name = None
    header_icon = "upload"

    def get_breadcrumbs_items(self) -> list[dict]:
        return [
            *self.breadcrumbs_items,
            {"url": reverse(self.index_url_name), "label": _("HR imports")},
            {"url": "", "label": self.get_page_title()},
        ]


class ImportUploadView(RunImportRequiredMixin, ImportBreadcrumbsMixin, FormView):
    form_class = ImportUploadForm
    template_name = "lms/admin/importjob/upload.html"
    page_title = gettext_lazy("Upload an HR file")
    detail_url_name = None

    def form_valid(self, form: ImportUploadForm) -> HttpResponse:
        data = form.cleaned_data
        try:
            job = job_create(
                kind=data["kind"],
                upload=data["file"],
                user=self.request.user,
                encoding=data["encoding"],
                deactivate_missing=data["deactivate_missing"],
            )
        except JobRefused as refusal:
            form.add_error(None, str(refusal))
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("“%(name)s” is uploaded: it is being checked.")
            % {"name": job.original_name},
        )
        return redirect(self.detail_url_name, job.pk)


class ImportJobMixin:
    def get_job(self, pk: int) -> ImportJob:
        return get_object_or_404(
            ImportJob.objects.select_related("created_by", "applied_by"), pk=pk
        )


class ImportJobDetailView(
    RunImportRequiredMixin, ImportJobMixin, ImportBreadcrumbsMixin, TemplateView
):
    template_name = "lms/admin/importjob/detail.html"
    apply_url_name = None
    cancel_url_name = None

    def get_page_title(self) -> str:
        return str(self.job)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        self.job = self.get_job(pk)
        return super().get(request, pk=pk)

    def report_context(self, data: dict | None) -> dict | None:
        if not data:
            return None
        report = ImportReport.from_dict(data)
        labels = ORG_COUNTS if report.kind == ImportJob.Kind.ORG else STAFF_COUNTS
        errors = report.errors
        return {
            "report": report,
            "counts": [(label, getattr(report, name)) for name, label in labels],
            "samples": [
                (SAMPLE_LABELS.get(kind, kind), texts)
                for kind, texts in report.samples.items()
                if texts
            ],
            "errors": errors[:MAX_ERRORS_SHOWN],
            "errors_total": len(errors),
            "errors_hidden": max(len(errors) - MAX_ERRORS_SHOWN, 0),
        }

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        job = self.job
        running = job.status in RUNNING
        progress = job_progress(job_id=job.pk) if running else None
        if progress and progress.get("total"):
            progress["percent"] = int(100 * progress["done"] / progress["total"])
        context.update(
            {
                "job": job,
                "running": running,
                "refresh_seconds": REFRESH_SECONDS if running else None,
                "progress": progress,
                "preview": self.report_context(job.report.get("preview")),
                "result": self.report_context(job.report.get("result")),
                "error": job.report.get("error"),
                "can_apply": job.status == ImportJob.Status.READY,
                "can_cancel": job.status in CANCELLABLE,
                "apply_url": reverse(self.apply_url_name, args=[job.pk]),
                "cancel_url": reverse(self.cancel_url_name, args=[job.pk]),
                "max_errors_shown": MAX_ERRORS_SHOWN,
            }
        )
        if job.kind == ImportJob.Kind.STAFF and job.status == ImportJob.Status.DONE:
            user = self.request.user
            context["without_signin"] = staff_without_signin(
                paths=scope_paths_for(user=user)
            )
            context["can_send_activation"] = user.has_perm(SEND_PERMISSION)
        return context


class ImportJobActionView(RunImportRequiredMixin, ImportJobMixin, View):
    """A POST-only action on a job, then back to the job page."""

    http_method_names = ["post"]
    detail_url_name = None

    def act(self, job: ImportJob) -> str:
        raise NotImplementedError

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        job = self.get_job(pk)
        try:
            message = self.act(job)
        except JobRefused as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(request, message)
        return redirect(self.detail_url_name, pk)


class ImportJobApplyView(ImportJobActionView):
    def act(self, job: ImportJob) -> str:
        job_apply_start(job=job, user=self.request.user)
        return _("The import is being applied.")


class ImportJobCancelView(ImportJobActionView):
    def act(self, job: ImportJob) -> str:
        job_cancel(job=job, user=self.request.user)
        return _("The import is cancelled: nothing was changed.")


class ImportJobViewSet(ViewSet):
    """The "HR imports" menu item and its screens."""

    icon = "upload"
    menu_label = gettext_lazy("Imports")
    url_prefix = "organisation/imports"

    @cached_property
    def menu_item_class(self):
        def is_shown(item, request: HttpRequest) -> bool:
            return request.user.has_perm(RUN_IMPORT)

        return type("ImportJobMenuItem", (MenuItem,), {"is_shown": is_shown})

    def url_names(self) -> dict[str, str]:
        return {
            "index_url_name": self.get_url_name("index"),
            "detail_url_name": self.get_url_name("detail"),
        }

    def get_urlpatterns(self):
        names = self.url_names()
        index = ImportJobIndexView.as_view(
            index_url_name=names["index_url_name"],
            index_results_url_name=self.get_url_name("index_results"),
            upload_url_name=self.get_url_name("upload"),
            detail_url_name=names["detail_url_name"],
            header_icon=self.icon,
        )
        results = ImportJobIndexView.as_view(
            index_url_name=names["index_url_name"],
            index_results_url_name=self.get_url_name("index_results"),
            upload_url_name=self.get_url_name("upload"),
            detail_url_name=names["detail_url_name"],
            results_only=True,
        )
        return [
            path("", index, name="index"),
            path("results/", results, name="index_results"),
            path("new/", ImportUploadView.as_view(**names), name="upload"),
            path(
                "<int:pk>/",
                ImportJobDetailView.as_view(
                    index_url_name=names["index_url_name"],
                    apply_url_name=self.get_url_name("apply"),
                    cancel_url_name=self.get_url_name("cancel"),
                ),
                name="detail",
            ),
            path(
                "<int:pk>/apply/",
                ImportJobApplyView.as_view(detail_url_name=names["detail_url_name"]),
                name="apply",
            ),
            path(
                "<int:pk>/cancel/",
                ImportJobCancelView.as_view(detail_url_name=names["detail_url_name"]),
                name="cancel",
            ),
        ]
