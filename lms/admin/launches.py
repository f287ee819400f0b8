"""The launch gate in the administration.

"Launch gate" (``lms/launch/``): choose a measure and a unit; see its
readiness (the unit and the units below it, per position, the blockers with
the people each still needs), whether it is launched there, where the
measure is launched (flagged when a launched scope has fallen below its
thresholds); launch officers launch or withdraw there, through
``lms.services.launches`` and its refusals. "Launch records"
(``lms/launches/``): the immutable records, with their snapshots.
Managers, launch officers and administrators (``lms.view_launch``) see what
concerns their scopes.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from cms.models import PolicyPage
from lms.admin.widgets import OrgUnitChooserWidget
from lms.models import Launch, OrgUnit
from lms.selectors import scope_paths_for, units_visible_to
from lms.selectors.launches import launch_status, launched_scopes, launches_visible_to
from lms.selectors.readiness import readiness_for
from lms.services.launches import (
    NOTE_MAX,
    LaunchRefused,
    launch_evidence,
    launch_may,
    launch_record,
    launch_withdraw,
)

VIEW_PERMISSION = "lms.view_launch"
PER_PAGE = 50


class GateForm(forms.Form):
    policy = forms.ModelChoiceField(
        label=gettext_lazy("Measure"),
        queryset=PolicyPage.objects.live().order_by("code"),
    )
    unit = forms.ModelChoiceField(
        label=gettext_lazy("Unit"), queryset=OrgUnit.objects.none(), required=False
    )
    depth = forms.TypedChoiceField(
        label=gettext_lazy("Levels shown below"),
        choices=[(n, str(n)) for n in range(4)],
        coerce=int,
        initial=1,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units_visible_to(user=user)
        self.fields["unit"].widget = OrgUnitChooserWidget()


class LaunchForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Note (recorded with the launch)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=NOTE_MAX,
        required=False,
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why is the launch withdrawn?"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=NOTE_MAX,
    )


class LaunchAccessMixin:
    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.has_perm(VIEW_PERMISSION):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


def _default_unit(user) -> OrgUnit | None:
    paths = scope_paths_for(user=user)
    if paths is None:
        return OrgUnit.get_first_root_node()
    return OrgUnit.objects.filter(path__in=paths).order_by("path").first()


class LaunchGateView(LaunchAccessMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "lms/admin/launches/gate.html"
    page_title = gettext_lazy("Launch gate")
    header_icon = "rocket"

    @cached_property
    def form(self) -> GateForm:
        data = None
        if "policy" in self.request.GET:
            data = self.request.GET.copy()
            data.setdefault("depth", "1")
        return GateForm(data, user=self.request.user)

    def chosen(self) -> tuple[PolicyPage, OrgUnit, int] | None:
        if not self.form.is_valid():
            return None
        data = self.form.cleaned_data
        unit = data["unit"] or _default_unit(self.request.user)
        if unit is None:
            return None
        return data["policy"], unit, data["depth"]

    def get_breadcrumbs_items(self) -> list[dict]:
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["form"] = self.form
        chosen = self.chosen()
        if chosen is None:
            return context
        policy, unit, depth = chosen
        readiness = readiness_for(policy=policy, scope=unit, depth=depth)
        status = launch_status(policy=policy, unit=unit)
        context.update(
            policy=policy,
            unit=unit,
            readiness=readiness,
            status=status,
            launched=launched_scopes(policy=policy, user=self.request.user),
            may_launch=launch_may(user=self.request.user, unit=unit),
            own_launch=status.launched and not status.through_unit_above,
            launch_form=kwargs.get("launch_form") or LaunchForm(),
            withdraw_form=kwargs.get("withdraw_form") or WithdrawForm(),
            refusal=kwargs.get("refusal"),
        )
        return context

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        chosen = self.chosen()
        if chosen is None:
            raise Http404
        policy, unit, _depth = chosen
        if not launch_may(user=request.user, unit=unit):
            raise PermissionDenied
        action = request.POST.get("action")
        if action == "launch":
            form = LaunchForm(request.POST)
            extra, service = {"launch_form": form}, launch_record
        elif action == "withdraw":
            form = WithdrawForm(request.POST)
            extra, service = {"withdraw_form": form}, launch_withdraw
        else:
            return self.render_to_response(self.get_context_data(), status=400)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(**extra), status=400)
        values = (
            {"note": form.cleaned_data["note"]}
            if action == "launch"
            else {"reason": form.cleaned_data["reason"]}
        )
        try:
            record = service(policy=policy, unit=unit, user=request.user, **values)
        except LaunchRefused as refused:
            # The page answers (200) with the refusal and its blockers: the
            # refusal is the content here (the API answers 409).
            return self.render_to_response(
                self.get_context_data(refusal=refused, **extra)
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.render_to_response(self.get_context_data(**extra), status=400)
        if record.is_withdrawal:
            messages.success(
                request,
                _("The launch in %(unit)s is withdrawn (record %(reference)s).")
                % {"unit": unit.name, "reference": record.reference},
            )
        else:
            messages.success(
                request,
                _("%(code)s is launched in %(unit)s (record %(reference)s).")
                % {
                    "code": policy.code,
                    "unit": unit.name,
                    "reference": record.reference,
                },
            )
        return redirect(reverse("lms_launch", args=[record.reference]))


class LaunchIndexView(LaunchAccessMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "lms/admin/launches/index.html"
    page_title = gettext_lazy("Launch records")
    header_icon = "list-ul"

    def get_breadcrumbs_items(self) -> list[dict]:
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        records = launches_visible_to(user=self.request.user).order_by("-at", "-pk")
        policy_code = self.request.GET.get("policy", "")
        if policy_code:
            records = records.filter(policy_code=policy_code)
        page = Paginator(records, PER_PAGE).get_page(self.request.GET.get("p"))
        context.update(
            page=page,
            policy_code=policy_code,
            codes=PolicyPage.objects.order_by("code").values_list("code", flat=True),
            query=urlencode({"policy": policy_code}) if policy_code else "",
        )
        return context


class LaunchDetailView(LaunchAccessMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "lms/admin/launches/detail.html"
    header_icon = "rocket"

    @cached_property
    def record(self) -> Launch:
        record = (
            launches_visible_to(user=self.request.user)
            .filter(reference=self.kwargs["reference"])
            .first()
        )
        if record is None:
            raise Http404
        return record

    def get_page_title(self) -> str:
        return _("Launch record %(reference)s") % {"reference": self.record.reference}

    def get_breadcrumbs_items(self) -> list[dict]:
        return [
            *self.breadcrumbs_items,
            {"url": reverse("lms_launches"), "label": _("Launch records")},
            {"url": "", "label": self.record.reference},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        record = self.record
        context.update(
            record=record,
            withdrawal=getattr(record, "withdrawal", None),
            gate_url=reverse("lms_launch_gate")
            + "?"
            + urlencode({"policy": record.policy_id, "unit": record.unit_id}),
        )
        return context


class LaunchPdfView(LaunchDetailView):
    """The record's evidence PDF (drawn on demand: a few pages, or ~60 for a
    group-wide launch's ~3,000 counties)."""

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        record = self.record
        response = HttpResponse(launch_evidence(record), content_type="application/pdf")
        response["Content-Disposition"] = (
            f'attachment; filename="launch-{record.reference}.pdf"'
        )
        response["Cache-Control"] = "private, no-store"
        return response


urlpatterns = [
    path("lms/launch/", LaunchGateView.as_view(), name="lms_launch_gate"),
    path("lms/launches/", LaunchIndexView.as_view(), name="lms_launches"),
    path(
        "lms/launches/<str:reference>/", LaunchDetailView.as_view(), name="lms_launch"
    ),
    path(
        "lms/launches/<str:reference>/pdf/",
        LaunchPdfView.as_view(),
        name="lms_launch_pdf",
    ),
]


class LaunchMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return request.user.has_perm(VIEW_PERMISSION)


def launch_menu_items() -> list[MenuItem]:
    return [
        LaunchMenuItem(
            gettext_lazy("Launch gate"),
            reverse("lms_launch_gate"),
            icon_name="rocket",
            order=320,
        ),
        LaunchMenuItem(
            gettext_lazy("Launch records"),
            reverse("lms_launches"),
            icon_name="list-ul",
            order=321,
        ),
    ]
