"""Units, positions, employees and manager scopes in the Wagtail admin.

Scoping: administrators (``lms.change_employee``) and superusers see every unit
and employee; managers and launch officers see the subtrees of their
``ManagerScope`` rows only, in the listings, the filters' choices and on the
object URLs (an out-of-scope id is a 404). Their view-only permission opens
the read-only inspect view instead of the edit form.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from wagtail.admin.ui.tables import BooleanColumn, Column, NumberColumn
from wagtail.admin.views import generic
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets import Button
from wagtail.log_actions import log

from lms.admin.account import MANAGE_SIGNIN, EmployeeSigninView
from lms.admin.activation import ActivationViewSet
from lms.admin.filters import EmployeeFilterSet, ManagerScopeFilterSet, OrgUnitFilterSet
from lms.admin.forms import EmployeeForm, ManagerScopeForm, OrgUnitForm
from lms.admin.generic import (
    FieldListInspectView,
    GuardedDeleteView,
    ServiceFormMixin,
    lineage_display,
    unit_with_parent,
    yes_no,
)
from lms.admin.imports import ImportJobViewSet
from lms.admin.scope import request_scope_paths, visible_employees, visible_units
from lms.models import Employee, ManagerScope, OrgUnit, Position
from lms.selectors import (
    employees_annotate_for_listing,
    positions_annotate_for_listing,
    units_annotate_for_listing,
    units_parent_name,
)
from lms.services.org import (
    employee_create,
    employee_update,
    unit_create,
    unit_delete,
    unit_delete_blockers,
    unit_update,
)

LIST_PER_PAGE = 50


# --- Organisation units -------------------------------------------------------


class _Chunked:
    """A queryset read in chunks of rows by the export (Wagtail's loops over
    it whole, which holds every row of a province in the web process)."""

    def __init__(self, queryset: QuerySet) -> None:
        self.model = queryset.model
        self.queryset = queryset

    def __iter__(self):
        return self.queryset.iterator(chunk_size=2000)


class ExportMixin:
    """Listings exported as CSV or XLSX (the buttons above each listing), with
    the scope of the page; yes/no in words rather than True/False."""

    custom_field_preprocess = {
        "is_active": {"csv": yes_no, "xlsx": yes_no},
    }

    def as_spreadsheet(self, queryset, spreadsheet_format):
        return super().as_spreadsheet(_Chunked(queryset), spreadsheet_format)


class OrgUnitIndexView(ExportMixin, generic.IndexView):
    def get_base_queryset(self) -> QuerySet[OrgUnit]:
        return units_annotate_for_listing(visible_units(self.request))


UNIT_FIELDS = ("code", "name", "level", "is_active", "parent")


class OrgUnitCreateView(ServiceFormMixin, generic.CreateView):
    service_fields = UNIT_FIELDS

    def save_with(self, **values) -> OrgUnit:
        return unit_create(**values)


class OrgUnitEditView(ServiceFormMixin, generic.EditView):
    service_fields = UNIT_FIELDS

    def get_queryset(self) -> QuerySet[OrgUnit]:
        return visible_units(self.request)

    def save_with(self, **values) -> OrgUnit:
        return unit_update(unit=self.object, **values)


class OrgUnitDeleteView(GuardedDeleteView):
    def get_object(self, queryset=None):
        if getattr(self, "object", None):
            return self.object
        return get_object_or_404(visible_units(self.request), pk=self.kwargs["pk"])

    @cached_property
    def blockers(self) -> list[str]:
        return unit_delete_blockers(unit=self.object)

    def get_blockers(self) -> list[str]:
        return self.blockers

    def delete_object(self) -> None:
        log(instance=self.object, action="wagtail.delete", user=self.request.user)
        unit_delete(unit=self.object)


class OrgUnitInspectView(FieldListInspectView):
    def get_object(self, queryset=None):
        units = units_annotate_for_listing(visible_units(self.request))
        return get_object_or_404(units, pk=self.pk)

    def get_rows(self) -> list[tuple[str, object]]:
        unit = self.object
        return [
            (_("Code"), unit.code),
            (_("Name"), unit.name),
            (_("Level"), unit.get_level_display()),
            (_("Place in the organisation"), lineage_display(unit)),
            (_("Sub-units"), unit.numchild),
            (_("Active staff in the subtree"), unit.active_staff),
            (_("Active"), yes_no(unit.is_active)),
        ]


class OrgUnitViewSet(ModelViewSet):
    model = OrgUnit
    icon = "folder-inverse"
    menu_label = gettext_lazy("Units")
    url_prefix = "organisation/units"
    add_to_reference_index = False
    copy_view_enabled = False
    inspect_view_enabled = True
    list_per_page = LIST_PER_PAGE
    ordering = "path"
    search_fields = ["code", "name"]
    search_backend_name = None
    filterset_class = OrgUnitFilterSet
    index_view_class = OrgUnitIndexView
    export_filename = "units"
    list_export = [
        "code",
        "name",
        "get_level_display",
        "parent_name",
        "active_staff",
        "is_active",
    ]
    export_headings = {
        "code": gettext_lazy("Code"),
        "name": gettext_lazy("Name"),
        "get_level_display": gettext_lazy("Level"),
        "parent_name": gettext_lazy("Parent unit"),
        "active_staff": gettext_lazy("Active staff (subtree)"),
        "is_active": gettext_lazy("Active"),
    }
    add_view_class = OrgUnitCreateView
    edit_view_class = OrgUnitEditView
    delete_view_class = OrgUnitDeleteView
    inspect_view_class = OrgUnitInspectView

    @cached_property
    def list_display(self) -> list:
        return [
            "name",
            Column("code", label=gettext_lazy("Code"), sort_key="code"),
            Column("level", label=gettext_lazy("Level"), accessor="get_level_display"),
            Column("parent_name", label=gettext_lazy("Parent unit")),
            NumberColumn("active_staff", label=gettext_lazy("Active staff (subtree)")),
            BooleanColumn("is_active", label=gettext_lazy("Active")),
        ]

    def get_form_class(self, for_update: bool = False):
        return OrgUnitForm

    def get_common_view_kwargs(self, **kwargs):
        return super().get_common_view_kwargs(usage_url_name=None, **kwargs)


# --- Positions ----------------------------------------------------------------


class PositionIndexView(ExportMixin, generic.IndexView):
    def get_base_queryset(self) -> QuerySet[Position]:
        return positions_annotate_for_listing(
            Position.objects.all(), paths=request_scope_paths(self.request)
        )


class PositionDeleteView(GuardedDeleteView):
    def get_blockers(self) -> list[str]:
        staff = Employee.objects.filter(position=self.object).count()
        if not staff:
            return []
        return [
            ngettext(
                "%(count)d employee (active or not) holds it.",
                "%(count)d employees (active or not) hold it.",
                staff,
            )
            % {"count": staff}
        ]


class PositionViewSet(ModelViewSet):
    model = Position
    icon = "tag"
    menu_label = gettext_lazy("Positions")
    url_prefix = "organisation/positions"
    add_to_reference_index = False
    copy_view_enabled = False
    inspect_view_enabled = True
    list_per_page = LIST_PER_PAGE
    ordering = "code"
    search_fields = ["code", "name"]
    search_backend_name = None
    form_fields = ["code", "name"]
    index_view_class = PositionIndexView
    export_filename = "positions"
    list_export = ["code", "name", "active_staff"]
    export_headings = {
        "code": gettext_lazy("Code"),
        "name": gettext_lazy("Name"),
        "active_staff": gettext_lazy("Active staff"),
    }
    delete_view_class = PositionDeleteView
    inspect_view_fields = ["code", "name"]

    @cached_property
    def list_display(self) -> list:
        return [
            "name",
            Column("code", label=gettext_lazy("Code"), sort_key="code"),
            NumberColumn("active_staff", label=gettext_lazy("Active staff")),
        ]

    def get_common_view_kwargs(self, **kwargs):
        return super().get_common_view_kwargs(usage_url_name=None, **kwargs)


# --- Employees ----------------------------------------------------------------


class EmployeeIndexView(ExportMixin, generic.IndexView):
    def get_base_queryset(self) -> QuerySet[Employee]:
        return employees_annotate_for_listing(visible_employees(self.request))


EMPLOYEE_FIELDS = ("employee_no", "name", "email", "unit", "position", "is_active")


class EmployeeCreateView(ServiceFormMixin, generic.CreateView):
    service_fields = EMPLOYEE_FIELDS

    def save_with(self, **values) -> Employee:
        return employee_create(**values)


class SigninButtonMixin:
    """A header button to the employee's sign-in page, for administrators."""

    @cached_property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        if self.request.user.has_perm(MANAGE_SIGNIN):
            buttons.append(
                Button(
                    _("Sign-in and sessions"),
                    url=reverse("lms_employees:signin", args=[self.object.pk]),
                    icon_name="key",
                    priority=30,
                )
            )
        return buttons


class EmployeeEditView(SigninButtonMixin, ServiceFormMixin, generic.EditView):
    service_fields = EMPLOYEE_FIELDS

    def get_queryset(self) -> QuerySet[Employee]:
        return visible_employees(self.request)

    def save_with(self, **values) -> Employee:
        return employee_update(employee=self.object, **values)


class EmployeeInspectView(SigninButtonMixin, FieldListInspectView):
    def get_object(self, queryset=None):
        employees = visible_employees(self.request).select_related("user")
        return get_object_or_404(employees, pk=self.pk)

    def get_rows(self) -> list[tuple[str, object]]:
        employee = self.object
        return [
            (_("Employee number"), employee.employee_no),
            (_("Name"), employee.name),
            (_("Email"), employee.email),
            (_("Unit"), lineage_display(employee.unit)),
            (_("Unit code"), employee.unit.code),
            (_("Position"), str(employee.position)),
            (_("Active"), yes_no(employee.is_active)),
            (_("Last login"), employee.user.last_login),
            (_("Created"), employee.created_at),
            (_("Updated"), employee.updated_at),
        ]


class EmployeeViewSet(ModelViewSet):
    model = Employee
    icon = "group"
    menu_label = gettext_lazy("Employees")
    url_prefix = "organisation/employees"
    add_to_reference_index = False
    copy_view_enabled = False
    inspect_view_enabled = True
    list_per_page = LIST_PER_PAGE
    ordering = "employee_no"
    search_fields = ["employee_no", "name"]
    search_backend_name = None
    filterset_class = EmployeeFilterSet
    index_view_class = EmployeeIndexView
    export_filename = "employees"
    list_export = [
        "employee_no",
        "name",
        "email",
        "unit.code",
        "unit.name",
        "unit_parent_name",
        "position.name",
        "is_active",
    ]
    export_headings = {
        "employee_no": gettext_lazy("Employee number"),
        "name": gettext_lazy("Name"),
        "email": gettext_lazy("Email"),
        "unit.code": gettext_lazy("Unit code"),
        "unit.name": gettext_lazy("Unit"),
        "unit_parent_name": gettext_lazy("Parent unit"),
        "position.name": gettext_lazy("Position"),
        "is_active": gettext_lazy("Active"),
    }
    add_view_class = EmployeeCreateView
    edit_view_class = EmployeeEditView
    inspect_view_class = EmployeeInspectView

    @cached_property
    def list_display(self) -> list:
        return [
            "employee_no",
            Column("name", label=gettext_lazy("Name"), sort_key="name"),
            Column(
                "unit",
                label=gettext_lazy("Unit"),
                accessor=lambda e: unit_with_parent(e.unit, e.unit_parent_name),
            ),
            Column("unit_code", label=gettext_lazy("Unit code"), accessor="unit.code"),
            Column(
                "position", label=gettext_lazy("Position"), accessor="position.name"
            ),
            BooleanColumn("is_active", label=gettext_lazy("Active")),
        ]

    def get_form_class(self, for_update: bool = False):
        return EmployeeForm

    def get_common_view_kwargs(self, **kwargs):
        # Staff are deactivated, never deleted: their attempts and
        # certificates stay on record.
        return super().get_common_view_kwargs(
            usage_url_name=None, delete_url_name=None, **kwargs
        )

    def get_urlpatterns(self):
        return [
            *(p for p in super().get_urlpatterns() if p.name != "delete"),
            path("<int:pk>/signin/", EmployeeSigninView.as_view(), name="signin"),
        ]


# --- Manager scopes -----------------------------------------------------------


class ManagerScopeIndexView(ExportMixin, generic.IndexView):
    def get_base_queryset(self) -> QuerySet[ManagerScope]:
        return ManagerScope.objects.select_related("user", "unit").annotate(
            unit_parent_name=units_parent_name("unit__path")
        )


class ManagerScopeViewSet(ModelViewSet):
    model = ManagerScope
    icon = "key"
    menu_label = gettext_lazy("Manager scopes")
    url_prefix = "organisation/scopes"
    add_to_reference_index = False
    copy_view_enabled = False
    list_per_page = LIST_PER_PAGE
    ordering = "user__username"
    search_fields = ["user__username", "user__first_name", "unit__code", "unit__name"]
    search_backend_name = None
    filterset_class = ManagerScopeFilterSet
    index_view_class = ManagerScopeIndexView
    export_filename = "manager-scopes"
    list_export = [
        "user.username",
        "user.get_full_name",
        "unit.code",
        "unit.name",
        "unit_parent_name",
    ]
    export_headings = {
        "user.username": gettext_lazy("Login"),
        "user.get_full_name": gettext_lazy("Name"),
        "unit.code": gettext_lazy("Unit code"),
        "unit.name": gettext_lazy("Unit (and below)"),
        "unit_parent_name": gettext_lazy("Parent unit"),
    }

    @cached_property
    def list_display(self) -> list:
        return [
            "user",
            Column(
                "name",
                label=gettext_lazy("Name"),
                accessor=lambda s: s.user.get_full_name(),
            ),
            Column(
                "unit",
                label=gettext_lazy("Unit (and below)"),
                accessor=lambda s: unit_with_parent(s.unit, s.unit_parent_name),
            ),
            Column("unit_code", label=gettext_lazy("Unit code"), accessor="unit.code"),
        ]

    def get_form_class(self, for_update: bool = False):
        return ManagerScopeForm

    def get_common_view_kwargs(self, **kwargs):
        return super().get_common_view_kwargs(usage_url_name=None, **kwargs)


# --- The "Organisation" menu --------------------------------------------------


class OrganisationViewSetGroup(ViewSetGroup):
    menu_label = gettext_lazy("Organisation")
    menu_icon = "site"
    menu_order = 300
    items = (
        OrgUnitViewSet("lms_units"),
        EmployeeViewSet("lms_employees"),
        PositionViewSet("lms_positions"),
        ManagerScopeViewSet("lms_scopes"),
        ImportJobViewSet("lms_imports"),
        ActivationViewSet("lms_activation"),
    )
