"""The chooser widgets of the organisation: a unit, a user.

A widget names its model by string and its modal by URL name, so this module
imports no model: ``lms.models`` can declare its panels with these widgets
(a policy's audience units, ``AudienceUnit.panels``) while ``lms.admin.choosers``,
which defines the modals behind them, imports the models. Each viewset there
takes its widget from here (``widget_class``) and is registered under the name
the widget opens (``ORG_UNIT_CHOOSER``, ``USER_CHOOSER``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _
from wagtail.admin.widgets.chooser import BaseChooser

if TYPE_CHECKING:
    from lms.models import User

ORG_UNIT_CHOOSER = "org_unit_chooser"
USER_CHOOSER = "lms_user_chooser"


class OrgUnitChooserWidget(BaseChooser):
    """Choose a unit in a modal that searches the tree (``lms.admin.choosers``)."""

    model = "lms.OrgUnit"
    icon = "folder-inverse"
    choose_one_text = _("Choose a unit")
    choose_another_text = _("Choose another unit")
    link_to_chosen_text = _("Edit this unit")
    chooser_modal_url_name = f"{ORG_UNIT_CHOOSER}:choose"


class AudienceUnitChooserWidget(OrgUnitChooserWidget):
    """The unit chooser of a policy's audience (``AudienceUnit.panels``): no link
    to edit the unit, which policy authors may not do."""

    show_edit_link = False


class UserChooserWidget(BaseChooser):
    """Choose a user, shown by name and login."""

    model = "lms.User"
    icon = "user"
    choose_one_text = _("Choose a user")
    choose_another_text = _("Choose another user")
    show_edit_link = False
    chooser_modal_url_name = f"{USER_CHOOSER}:choose"

    def get_display_title(self, instance: User) -> str:
        return f"{instance.get_full_name()} ({instance.username})"
