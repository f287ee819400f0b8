"""How ``lms`` extends the Wagtail admin: the "Organisation" menu (units,
employees, positions, manager scopes, HR imports), the unit and user choosers,
and the organisation summary on the admin's home page."""

from __future__ import annotations

from django.contrib.auth.models import Permission
from django.urls import reverse
from wagtail import hooks
from wagtail.admin.site_summary import SummaryItem

from lms.admin.choosers import org_unit_chooser_viewset, user_chooser_viewset
from lms.admin.viewsets import OrganisationViewSetGroup
from lms.selectors import admin_summary

organisation = OrganisationViewSetGroup()


@hooks.register("register_permissions")
def register_import_permission():
    """Show "Can import organisation and staff files" in the group editor."""
    return Permission.objects.filter(
        content_type__app_label="lms", codename="run_import"
    )


@hooks.register("register_admin_viewset")
def register_organisation_viewsets():
    return [org_unit_chooser_viewset, user_chooser_viewset, organisation]


class OrganisationSummaryItem(SummaryItem):
    """Units and active staff in the person's scope, and the last HR import."""

    order = 50
    template_name = "lms/admin/home/summary.html"

    def is_shown(self) -> bool:
        return self.request.user.has_perm("lms.view_employee")

    def get_context_data(self, parent_context):
        summary = admin_summary(user=self.request.user)
        last_import_url = None
        if summary.last_import is not None:
            last_import_url = reverse(
                "lms_imports:detail", args=[summary.last_import.pk]
            )
        return {
            "summary": summary,
            "units_url": reverse("lms_units:index"),
            "employees_url": reverse("lms_employees:index"),
            "last_import_url": last_import_url,
        }


@hooks.register("construct_homepage_summary_items")
def add_organisation_summary(request, items):
    items.append(OrganisationSummaryItem(request))
