"""The review workflow's task for course pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.forms import TaskStateCommentForm
from wagtail.models import GroupApprovalTask

from cms.models.publishing import PublicationRules


class ReviewCommentForm(TaskStateCommentForm):
    """Wagtail's comment form of a review action, its label translated for
    each reader (Wagtail's is translated once, when it is imported)."""

    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea({"rows": 2})
    )


class CourseReviewTask(GroupApprovalTask):
    """Approval by a group (the approvers), offered only once the page can be
    published: "Approve" does not appear while a policy lacks a live module or
    quiz, a quiz's pool is smaller than its policy's draw, or a new module is
    still in review (the editor's panel says which:
    ``cms.models.publishing.PublicationProblemsPanel``)."""

    class Meta:
        verbose_name = _("course review task")
        verbose_name_plural = _("course review tasks")

    def get_form_for_action(self, action):
        return ReviewCommentForm

    def get_actions(self, obj, user):
        actions = super().get_actions(obj, user)
        latest = obj.get_latest_revision_as_object()
        if isinstance(latest, PublicationRules) and latest.publication_problems():
            return [action for action in actions if action[0] != "approve"]
        return actions
