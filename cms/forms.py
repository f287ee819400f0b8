"""Admin forms of the course pages."""

from __future__ import annotations

import copy

from django.forms.models import construct_instance
from wagtail.admin.forms import WagtailAdminPageForm


def _is_publishing(data) -> bool:
    """Whether the editor's submit publishes (Publish, or a workflow approval)."""
    if data.get("action-publish"):
        return True
    return bool(data.get("action-workflow-action")) and (
        data.get("workflow-action-name") == "approve"
    )


class CoursePageForm(WagtailAdminPageForm):
    """Refuses to publish a course page that staff could not complete."""

    def clean(self):
        cleaned_data = super().clean()
        if _is_publishing(self.data) and not self.errors:
            # Judge the page as it would be published: with this form's values.
            candidate = construct_instance(self, copy.copy(self.instance))
            for problem in candidate.publication_problems():
                self.add_error(None, problem)
        return cleaned_data
