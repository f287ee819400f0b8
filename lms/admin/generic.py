"""Generic pieces of the organisation screens: service-backed forms, deletes
that explain a refusal, inspect pages built from (label, value) rows, yes/no
values in words on every inspect page."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import ProtectedError
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from wagtail.admin import messages
from wagtail.admin.ui.fields import BaseFieldDisplay, register_display_class
from wagtail.admin.views import generic
from wagtail.log_actions import log

from lms.models import OrgUnit
from lms.selectors import unit_lineage


class YesNoDisplay(BaseFieldDisplay):
    """A yes/no field on an inspect page, in the reader's language (Wagtail
    prints the value: "True")."""

    def render_html(self, parent_context=None) -> str:
        if self.value is None:
            return pgettext("yes or no", "Unknown")
        return yes_no(self.value)


register_display_class(models.BooleanField, display_class=YesNoDisplay)


def lineage_display(unit: OrgUnit) -> str:
    return " › ".join(u.name for u in unit_lineage(unit=unit))


def unit_with_parent(unit: OrgUnit, parent_name: str | None) -> str:
    """``北京市 › 市辖区``: the parent's name tells apart the repeated names."""
    return f"{parent_name} › {unit.name}" if parent_name else unit.name


class ServiceFormMixin:
    """Create and edit views that save through a service: a ValidationError
    from the service (a race the form could not see) becomes form errors.

    Subclasses name the form fields the service takes (``service_fields``) and
    implement :meth:`save_with`; the view logs the change."""

    service_fields: tuple[str, ...] = ()

    def save_with(self, **values):
        raise NotImplementedError

    def save_instance(self):
        data = self.form.cleaned_data
        instance = self.save_with(
            **{name: data.get(name) for name in self.service_fields}
        )
        creating = isinstance(self, generic.CreateView)
        log(
            instance=instance,
            action="wagtail.create" if creating else "wagtail.edit",
            user=self.request.user,
            content_changed=creating or self.form.has_changed(),
        )
        return instance

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except ValidationError as error:
            form.add_error(None, error)
            self.produced_error_message = self.get_error_message()
            return self.form_invalid(form)


class GuardedDeleteView(generic.DeleteView):
    """A delete that explains why it is refused instead of failing."""

    template_name = "lms/admin/confirm_delete.html"

    def get_blockers(self) -> list[str]:
        return []

    def delete_object(self) -> None:
        self.delete_action()

    def form_valid(self, form):
        blockers = self.get_blockers()
        if not blockers:
            try:
                with transaction.atomic():
                    self.delete_object()
            except ValidationError as error:
                blockers = error.messages
            except ProtectedError as error:
                blockers = [
                    _("Other records still refer to it (%(count)d).")
                    % {"count": len(error.protected_objects)}
                ]
        if blockers:
            messages.error(
                self.request,
                _("%(object)s cannot be deleted. %(reasons)s")
                % {"object": self.object, "reasons": " ".join(blockers)},
            )
            return redirect(self.get_delete_url())
        messages.success(self.request, self.get_success_message())
        return redirect(self.get_success_url())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["blockers"] = self.get_blockers()
        return context


class FieldListInspectView(generic.InspectView):
    """An inspect view fed by ``get_rows()``: (label, value) pairs."""

    def get_rows(self) -> list[tuple[str, object]]:
        raise NotImplementedError

    def get_fields(self) -> list[str]:
        return []

    def get_fields_context(self) -> list[dict]:
        return [
            {"label": label, "value": _shown(value)} for label, value in self.get_rows()
        ]


def _shown(value: object) -> object:
    """A row's value as the page shows it: "—" for nothing, and a moment in
    the site's (or the person's) time zone, like every other page of the
    admin (Wagtail's inspect template formats a datetime in its own zone,
    UTC)."""
    if value in (None, ""):
        return "—"
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


class InspectView(generic.InspectView):
    """Wagtail's inspect page of a model's fields, each value shown as
    :func:`_shown` shows it (Wagtail prints "None", and a moment in UTC)."""

    def get_field_display_value(self, field_name, field):
        return _shown(super().get_field_display_value(field_name, field))


def yes_no(value: bool) -> str:
    return _("Yes") if value else _("No")
