"""Listing filters of the organisation screens; unit choices follow the scope."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.widgets import BooleanRadioSelect

from lms.admin.choosers import OrgUnitChooserWidget
from lms.admin.scope import visible_units
from lms.models import Employee, ManagerScope, OrgUnit, Position, User


def _visible_units(request) -> QuerySet[OrgUnit]:
    if request is None:
        return OrgUnit.objects.none()
    return visible_units(request)


class UnitChoiceField(django_filters.fields.ModelChoiceField):
    """Hands the unit it validated to the chooser widget (no second query)."""

    chosen: OrgUnit | None = None

    def to_python(self, value):
        self.chosen = super().to_python(value)
        return self.chosen

    def prepare_value(self, value):
        if self.chosen is not None and str(value) == str(self.chosen.pk):
            return self.chosen
        return super().prepare_value(value)


class SubtreeFilter(django_filters.ModelChoiceFilter):
    """Rows whose unit is the chosen unit or any unit below it, at any depth."""

    field_class = UnitChoiceField

    def __init__(self, *args, path_field: str = "unit__path", **kwargs) -> None:
        kwargs.setdefault("queryset", _visible_units)
        kwargs.setdefault(
            "widget",
            OrgUnitChooserWidget(show_edit_link=False, show_clear_link=True),
        )
        super().__init__(*args, **kwargs)
        self.path_field = path_field

    def filter(self, qs: QuerySet, value: OrgUnit | None) -> QuerySet:
        if not value:
            return qs
        return qs.filter(**{f"{self.path_field}__startswith": value.path})


class OrgUnitFilterSet(WagtailFilterSet):
    under = SubtreeFilter(label=_("Under unit"), path_field="path")
    level = django_filters.ChoiceFilter(
        label=_("Level"),
        choices=OrgUnit.Level.choices,
        empty_label=_("All"),
        widget=forms.RadioSelect,
    )
    is_active = django_filters.BooleanFilter(
        label=_("Active"), widget=BooleanRadioSelect
    )

    class Meta:
        model = OrgUnit
        fields: list[str] = []


class EmployeeFilterSet(WagtailFilterSet):
    unit = SubtreeFilter(label=_("Unit (and below)"), path_field="unit__path")
    position = django_filters.ModelChoiceFilter(
        label=_("Position"),
        queryset=Position.objects.order_by("code"),
        empty_label=_("All"),
    )
    is_active = django_filters.BooleanFilter(
        label=_("Active"), widget=BooleanRadioSelect
    )

    class Meta:
        model = Employee
        fields: list[str] = []


class ScopedUserChoiceField(django_filters.fields.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj.get_full_name()} ({obj.username})"


class ScopedUserFilter(django_filters.ModelChoiceFilter):
    field_class = ScopedUserChoiceField


class ManagerScopeFilterSet(WagtailFilterSet):
    user = ScopedUserFilter(
        label=_("User"),
        queryset=User.objects.filter(scopes__isnull=False)
        .distinct()
        .order_by("username"),
        empty_label=_("All"),
    )
    unit = SubtreeFilter(label=_("Unit (and below)"), path_field="unit__path")

    class Meta:
        model = ManagerScope
        fields: list[str] = []
