"""Organisation → Activation: e-mail activation links to staff without a
password, and print the sheet of codes for those without an e-mail address
(``lms.services.activation``). Managers act inside their scopes,
administrators everywhere (``lms.add_activationbatch``)."""

from __future__ import annotations

import datetime

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.generic import TemplateView
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.base import ViewSet
from wagtail.admin.widgets import HeaderButton

from lms.activation_sheet import SheetData, Slip, activation_sheet_pdf
from lms.admin.widgets import OrgUnitChooserWidget
from lms.models import ActivationBatch, OrgUnit, Position
from lms.selectors import scope_paths_for, units_visible_to
from lms.selectors.scope import subtree_filter
from lms.services import activation as service

PER_PAGE = 30
REFRESH_SECONDS = 3


class SendRequiredMixin(PermissionRequiredMixin):
    """Managers and administrators (``lms.add_activationbatch``); others 403."""

    permission_required = service.SEND_PERMISSION
    raise_exception = True


class SelectionForm(forms.Form):
    unit = forms.ModelChoiceField(
        label=gettext_lazy("Unit (with every unit below it)"),
        queryset=OrgUnit.objects.none(),
    )
    position = forms.ModelChoiceField(
        label=gettext_lazy("Position"),
        queryset=Position.objects.order_by("name"),
        required=False,
        empty_label=gettext_lazy("Every position"),
    )
    never_signed_in = forms.BooleanField(
        label=gettext_lazy("Only staff who never signed in"), required=False
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units_visible_to(user=user)
        self.fields["unit"].widget = OrgUnitChooserWidget()

    def selection(self) -> dict:
        data = self.cleaned_data
        return {
            "unit": data["unit"],
            "position": data["position"],
            "never_signed_in": data["never_signed_in"],
        }


def batches_visible_to(user):
    batches = ActivationBatch.objects.select_related("unit", "position", "created_by")
    paths = scope_paths_for(user=user)
    if paths is None:
        return batches
    return batches.filter(subtree_filter(paths, "unit__path"))


class ActivationIndexView(SendRequiredMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "lms/admin/activation/index.html"
    page_title = gettext_lazy("Activation")
    header_icon = "mail"

    @cached_property
    def header_buttons(self):
        return [
            HeaderButton(
                _("Send activation"),
                url=reverse("lms_activation:new"),
                icon_name="plus",
            )
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = Paginator(batches_visible_to(self.request.user), PER_PAGE).get_page(
            self.request.GET.get("p")
        )
        context.update(
            page_obj=page,
            waiting=service.staff_without_signin(
                paths=scope_paths_for(user=self.request.user)
            ),
        )
        return context


class ActivationNewView(SendRequiredMixin, WagtailAdminTemplateMixin, TemplateView):
    """Choose the selection, see how many it holds, then send or print."""

    template_name = "lms/admin/activation/new.html"
    page_title = gettext_lazy("Send activation")
    header_icon = "mail"

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("lms_activation:index"), "label": _("Activation")},
            {"url": "", "label": self.page_title},
        ]

    @cached_property
    def form(self) -> SelectionForm:
        data = self.request.POST or (
            self.request.GET if "unit" in self.request.GET else None
        )
        return SelectionForm(data, user=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["form"] = self.form
        if self.form.is_bound and self.form.is_valid():
            context["counts"] = service.selection_counts(
                service.activation_selection(**self.form.selection())
            )
            context["query"] = self.request.GET.urlencode()
        return context

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        form = self.form
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(), status=400)
        try:
            batch = service.activation_send_start(user=request.user, **form.selection())
        except ValidationError as error:
            form.add_error(None, error)
            return self.render_to_response(self.get_context_data(), status=400)
        messages.success(
            request,
            ngettext(
                "Activation is being sent to %(count)d person with an e-mail address.",
                "Activation is being sent to %(count)d people with an e-mail address.",
                batch.with_email,
            )
            % {"count": batch.with_email},
        )
        return redirect("lms_activation:detail", batch.pk)


class ActivationSheetView(SendRequiredMixin, WagtailAdminTemplateMixin, TemplateView):
    """POST: new codes for the selection's staff without an e-mail address,
    as a PDF to print (downloading again replaces them)."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        form = SelectionForm(request.POST, user=request.user)
        if not form.is_valid():
            messages.error(request, _("Choose a unit in your scopes."))
            return redirect("lms_activation:new")
        selection = form.selection()
        try:
            slips = service.activation_sheet_slips(user=request.user, **selection)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(
                reverse("lms_activation:new") + f"?unit={selection['unit'].pk}"
            )
        unit = selection["unit"]
        today = timezone.localdate()
        pdf = activation_sheet_pdf(
            SheetData(
                unit=f"{unit.code} {unit.name}",
                activate_url=settings.SITE_URL + reverse("activation"),
                generated_on=today,
                expires_on=today + datetime.timedelta(days=settings.ACTIVATION_DAYS),
                slips=[Slip(**vars(slip)) for slip in slips],
                issuer=settings.CERTIFICATE_ISSUER,
            ),
            font_path=settings.CERTIFICATE_FONT,
        )
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = (
            f'attachment; filename="activation-{unit.code}-{today.isoformat()}.pdf"'
        )
        return response


class ActivationDetailView(SendRequiredMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "lms/admin/activation/detail.html"
    header_icon = "mail"

    @cached_property
    def batch(self) -> ActivationBatch:
        return get_object_or_404(
            batches_visible_to(self.request.user), pk=self.kwargs["pk"]
        )

    def get_page_title(self) -> str:
        return _("Activation sending")

    def get_page_subtitle(self) -> str:
        return str(self.batch.unit)

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("lms_activation:index"), "label": _("Activation")},
            {"url": "", "label": str(self.batch)},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        batch = self.batch
        running = batch.status != ActivationBatch.Status.DONE
        context.update(
            batch=batch,
            running=running,
            refresh_seconds=REFRESH_SECONDS if running else None,
            percent=int(100 * batch.sent / batch.with_email)
            if batch.with_email
            else 100,
        )
        return context


class ActivationViewSet(ViewSet):
    icon = "mail"
    menu_label = gettext_lazy("Activation")
    url_prefix = "organisation/activation"

    @cached_property
    def menu_item_class(self):
        def is_shown(item, request: HttpRequest) -> bool:
            return request.user.has_perm(service.SEND_PERMISSION)

        return type("ActivationMenuItem", (MenuItem,), {"is_shown": is_shown})

    @property
    def menu_url(self) -> str:
        return reverse("lms_activation:index")

    def get_urlpatterns(self):
        return [
            path("", ActivationIndexView.as_view(), name="index"),
            path("new/", ActivationNewView.as_view(), name="new"),
            path("sheet/", ActivationSheetView.as_view(), name="sheet"),
            path("<int:pk>/", ActivationDetailView.as_view(), name="detail"),
        ]
