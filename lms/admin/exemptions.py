"""Exemptions in the admin: managers propose them for staff of their scopes
and see those of their scopes; a manager of a unit above or an
administrator approves, rejects or ends them (``lms.services.exemptions``)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.widgets import AdminDateInput
from wagtail.log_actions import registry as log_registry

from cms.models import PolicyPage
from lms.admin.scope import request_scope_paths
from lms.models import Exemption
from lms.selectors import employees_in_scope
from lms.services.exemptions import (
    exemption_decide,
    exemption_end,
    exemption_may_decide,
    exemption_propose,
)

PER_PAGE = 50


class ProposeForm(forms.Form):
    employee_no = forms.CharField(label=gettext_lazy("Employee number"), max_length=32)
    policy = forms.ModelChoiceField(
        label=gettext_lazy("Measure"),
        queryset=PolicyPage.objects.live().order_by("code"),
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"), widget=forms.Textarea(attrs={"rows": 2})
    )
    starts_on = forms.DateField(
        label=gettext_lazy("From"), widget=AdminDateInput, required=False
    )
    ends_on = forms.DateField(label=gettext_lazy("Until"), widget=AdminDateInput)


class DecisionForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Note (required to reject or end)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )


class ExemptionAccess:
    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.has_perm("lms.view_exemption"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def visible(self):
        employees = employees_in_scope(paths=request_scope_paths(self.request))
        return Exemption.objects.filter(employee__in=employees.values("pk"))


def _form_errors(form: forms.Form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class ExemptionIndexView(ExemptionAccess, WagtailAdminTemplateMixin, TemplateView):
    template_name = "lms/admin/exemptions/index.html"
    page_title = gettext_lazy("Exemptions")
    header_icon = "time"

    def get_breadcrumbs_items(self) -> list[dict]:
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = self.visible().select_related(
            "employee__unit", "policy", "proposed_by", "decided_by"
        )
        status = self.request.GET.get("status", "")
        if status in Exemption.Status.values:
            rows = rows.filter(status=status)
        context.update(
            page=Paginator(rows, PER_PAGE).get_page(self.request.GET.get("p")),
            status=status,
            statuses=Exemption.Status.choices,
            may_propose=self.request.user.has_perm("lms.add_exemption"),
            form=kwargs.get("form") or ProposeForm(),
        )
        return context

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.has_perm("lms.add_exemption"):
            raise PermissionDenied
        form = ProposeForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            employee = (
                employees_in_scope(paths=request_scope_paths(request))
                .filter(employee_no=data["employee_no"].strip())
                .first()
            )
            if employee is None:
                form.add_error(
                    "employee_no",
                    _("There is no employee with this number in your scope."),
                )
            else:
                try:
                    exemption = exemption_propose(
                        employee=employee,
                        policy=data["policy"],
                        user=request.user,
                        reason=data["reason"],
                        starts_on=data["starts_on"],
                        ends_on=data["ends_on"],
                    )
                except ValidationError as error:
                    _form_errors(form, error)
                else:
                    messages.success(request, _("The exemption is proposed."))
                    return redirect("lms_exemption", pk=exemption.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class ExemptionDetailView(ExemptionAccess, WagtailAdminTemplateMixin, TemplateView):
    template_name = "lms/admin/exemptions/detail.html"
    header_icon = "time"

    @cached_property
    def exemption(self) -> Exemption:
        exemption = (
            self.visible()
            .select_related("employee__unit", "policy", "proposed_by", "decided_by")
            .filter(pk=self.kwargs["pk"])
            .first()
        )
        if exemption is None:
            raise Http404
        return exemption

    def get_page_title(self) -> str:
        return _("Exemption of %(name)s") % {"name": self.exemption.employee.name}

    def get_breadcrumbs_items(self) -> list[dict]:
        return [
            *self.breadcrumbs_items,
            {"url": reverse("lms_exemptions"), "label": _("Exemptions")},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        exemption = self.exemption
        context.update(
            exemption=exemption,
            may_decide=exemption_may_decide(
                user=self.request.user, exemption=exemption
            ),
            form=kwargs.get("form") or DecisionForm(),
            history=log_registry.get_logs_for_instance(exemption)
            .select_related("user")
            .order_by("-timestamp"),
        )
        return context

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        form = DecisionForm(request.POST)
        action = request.POST.get("action")
        if not form.is_valid() or action not in ("approve", "reject", "end"):
            return self.render_to_response(self.get_context_data(form=form), status=400)
        note = form.cleaned_data["note"]
        try:
            if action == "end":
                exemption_end(exemption=self.exemption, user=request.user, note=note)
            else:
                exemption_decide(
                    exemption=self.exemption,
                    user=request.user,
                    approve=action == "approve",
                    note=note,
                )
        except ValidationError as error:
            _form_errors(form, error)
            return self.render_to_response(self.get_context_data(form=form), status=400)
        messages.success(request, _("Saved."))
        return redirect("lms_exemption", pk=self.exemption.pk)


urlpatterns = [
    path("lms/exemptions/", ExemptionIndexView.as_view(), name="lms_exemptions"),
    path(
        "lms/exemptions/<int:pk>/", ExemptionDetailView.as_view(), name="lms_exemption"
    ),
]


class ExemptionsMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return request.user.has_perm("lms.view_exemption")


def exemptions_menu_item() -> MenuItem:
    return ExemptionsMenuItem(
        gettext_lazy("Exemptions"),
        reverse("lms_exemptions"),
        icon_name="time",
        order=322,
    )
