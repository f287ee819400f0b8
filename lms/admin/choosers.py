"""Chooser modals for units and users, searched with the ORM.

The widgets that open them live in ``lms.admin.widgets`` (they import no model,
so the models' own panels can use them); each viewset here takes its widget
from there. Neither chooser replaces the default widget of every foreign key
(``register_widget = False``): forms opt in with ``OrgUnitChooserWidget`` /
``UserChooserWidget``. The unit chooser lists the units the person may see
(their scopes' subtrees), except for those who may author policies: they choose
a policy's audience anywhere in the group, so they see the whole tree (its
names are not personal data). Administrators see the whole tree anyway.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms.choosers import BaseFilterForm
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic import chooser as chooser_views
from wagtail.admin.viewsets.chooser import ChooserViewSet

from lms.admin.scope import visible_units
from lms.admin.widgets import (
    ORG_UNIT_CHOOSER,
    USER_CHOOSER,
    OrgUnitChooserWidget,
    UserChooserWidget,
)
from lms.models import OrgUnit, User
from lms.selectors import units_parent_name

UNIT_VIEW_PERMISSION = "lms.view_orgunit"
POLICY_AUTHOR_PERMISSIONS = ("cms.add_policypage", "cms.change_policypage")
SCOPE_EDIT_PERMISSIONS = ("lms.add_managerscope", "lms.change_managerscope")


def _integers(values: list[str]) -> list[int]:
    """The ids asked for; anything that is not an id is ignored (not a 500)."""
    return [int(value) for value in values if value.isascii() and value.isdigit()]


# --- Units --------------------------------------------------------------------


class OrgUnitSearchForm(BaseFilterForm):
    q = forms.CharField(
        label=_("Search term"),
        widget=forms.TextInput(attrs={"placeholder": _("Code or name")}),
        required=False,
    )
    level = forms.ChoiceField(
        label=_("Level"),
        choices=[("", _("All levels")), *OrgUnit.Level.choices],
        required=False,
        widget=forms.Select(attrs={"data-chooser-modal-search-filter": True}),
    )

    def filter(self, objects: QuerySet[OrgUnit]) -> QuerySet[OrgUnit]:
        if level := self.cleaned_data.get("level"):
            objects = objects.filter(level=level)
        if query := (self.cleaned_data.get("q") or "").strip():
            objects = objects.filter(
                Q(code__icontains=query) | Q(name__icontains=query)
            )
            self.is_searching = True
            self.search_query = query
        return objects


def _authors_policies(user: User) -> bool:
    return any(user.has_perm(name) for name in POLICY_AUTHOR_PERMISSIONS)


def _may_choose_units(user: User) -> bool:
    return user.has_perm(UNIT_VIEW_PERMISSION) or _authors_policies(user)


def choosable_units(request: HttpRequest) -> QuerySet[OrgUnit]:
    """The whole tree for policy authors, else the units the person may see."""
    if _authors_policies(request.user):
        return OrgUnit.objects.all()
    return visible_units(request)


class OrgUnitChooseMixin:
    filter_form_class = OrgUnitSearchForm
    per_page = 20

    def dispatch(self, request, *args, **kwargs):
        if not _may_choose_units(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_object_list(self) -> QuerySet[OrgUnit]:
        # parent_name tells apart the many 市辖区; skip the staff count here.
        return choosable_units(self.request).annotate(parent_name=units_parent_name())

    @property
    def columns(self) -> list[Column]:
        title = self.title_column
        title.label = _("Unit")
        return [
            title,
            Column("level", label=_("Level"), accessor="get_level_display"),
            Column("parent_name", label=_("Parent unit")),
        ]


class OrgUnitChooseView(OrgUnitChooseMixin, chooser_views.ChooseView):
    pass


class OrgUnitChooseResultsView(OrgUnitChooseMixin, chooser_views.ChooseResultsView):
    pass


class OrgUnitChosenView(chooser_views.ChosenView):
    def get_object(self, pk):
        if not _may_choose_units(self.request.user):
            raise PermissionDenied
        return choosable_units(self.request).get(pk=pk)


class OrgUnitChosenMultipleView(chooser_views.ChosenMultipleView):
    def get_objects(self, pks):
        if not _may_choose_units(self.request.user):
            raise PermissionDenied
        return choosable_units(self.request).filter(pk__in=_integers(pks))


class _ChooserViewSet(ChooserViewSet):
    """Wagtail's chooser viewset with its tab and button labels translated
    when shown (Wagtail's class attributes are translated once, at import,
    in the server's language)."""

    search_tab_label = _("Search")
    create_action_label = _("Create")


class OrgUnitChooserViewSet(_ChooserViewSet):
    model = OrgUnit
    widget_class = OrgUnitChooserWidget
    icon = OrgUnitChooserWidget.icon
    choose_one_text = OrgUnitChooserWidget.choose_one_text  # the modal's title
    register_widget = False
    choose_view_class = OrgUnitChooseView
    choose_results_view_class = OrgUnitChooseResultsView
    chosen_view_class = OrgUnitChosenView
    chosen_multiple_view_class = OrgUnitChosenMultipleView


# --- Users --------------------------------------------------------------------


class UserSearchForm(BaseFilterForm):
    q = forms.CharField(
        label=_("Search term"),
        widget=forms.TextInput(
            attrs={"placeholder": _("Employee number, username or name")}
        ),
        required=False,
    )

    def filter(self, objects: QuerySet[User]) -> QuerySet[User]:
        if query := (self.cleaned_data.get("q") or "").strip():
            objects = objects.filter(
                Q(username__icontains=query)
                | Q(first_name__icontains=query)
                | Q(last_name__icontains=query)
            )
            self.is_searching = True
            self.search_query = query
        return objects


def _may_choose_users(user: User) -> bool:
    return any(user.has_perm(name) for name in SCOPE_EDIT_PERMISSIONS)


class UserChooseMixin:
    filter_form_class = UserSearchForm
    per_page = 20
    ordering = "username"

    def dispatch(self, request, *args, **kwargs):
        if not _may_choose_users(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_object_list(self) -> QuerySet[User]:
        return User.objects.filter(is_active=True)

    @property
    def columns(self) -> list[Column]:
        title = self.title_column
        title.label = _("Login")
        title.accessor = "username"
        return [title, Column("name", label=_("Name"), accessor="get_full_name")]


class UserChooseView(UserChooseMixin, chooser_views.ChooseView):
    pass


class UserChooseResultsView(UserChooseMixin, chooser_views.ChooseResultsView):
    pass


class UserTitleMixin:
    def get_display_title(self, instance: User) -> str:
        return f"{instance.get_full_name()} ({instance.username})"


class UserChosenView(UserTitleMixin, chooser_views.ChosenView):
    def get_object(self, pk):
        if not _may_choose_users(self.request.user):
            raise PermissionDenied
        return User.objects.get(pk=pk)


class UserChosenMultipleView(UserTitleMixin, chooser_views.ChosenMultipleView):
    def get_objects(self, pks):
        if not _may_choose_users(self.request.user):
            raise PermissionDenied
        return User.objects.filter(is_active=True, pk__in=_integers(pks))


class UserChooserViewSet(_ChooserViewSet):
    model = User
    widget_class = UserChooserWidget
    icon = UserChooserWidget.icon
    choose_one_text = UserChooserWidget.choose_one_text  # the modal's title
    register_widget = False
    choose_view_class = UserChooseView
    choose_results_view_class = UserChooseResultsView
    chosen_view_class = UserChosenView
    chosen_multiple_view_class = UserChosenMultipleView


org_unit_chooser_viewset = OrgUnitChooserViewSet(ORG_UNIT_CHOOSER)
user_chooser_viewset = UserChooserViewSet(USER_CHOOSER)
