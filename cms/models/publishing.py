"""What the course pages (policy, module, quiz) share about being published:
the rules that refuse a page staff could not complete, and the approver's
answer to "is this revision a material change?"."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import translation
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    HelpPanel,
    ObjectList,
    Panel,
    TabbedInterface,
)
from wagtail.models import Page

from cms.forms import CoursePageForm

VERSION_PERMISSION = "cms.decide_material_change"


class PreviewInTheEditorsLanguage:
    """A preview in the editor's language: Wagtail renders a preview through
    a dummy request that carries the editor's cookies but not their
    browser's ``Accept-Language``, so an approver who reads Chinese saw the
    course in English. The dummy request asks for the admin's language."""

    def _get_dummy_headers(self, original_request=None):
        headers = super()._get_dummy_headers(original_request)
        if language := translation.get_language():
            headers["HTTP_ACCEPT_LANGUAGE"] = language
        return headers


class PublicationRules:
    """Pages that refuse to be published while staff could not complete them.

    The editor's form shows the reasons (``cms.forms.CoursePageForm``); every
    other way of publishing (a workflow approval, a schedule, code) saves the
    page live, and :meth:`save` refuses that too.
    """

    base_form_class = CoursePageForm

    def publication_problems(self) -> list[str]:
        return []

    def save(self, *args, **kwargs):
        publishing = self.live and not kwargs.get("update_fields")
        if publishing and kwargs.get("clean", True):
            if problems := self.publication_problems():
                raise ValidationError(problems)
        return super().save(*args, **kwargs)


class PublicationProblemsPanel(Panel):
    """At the top of a course page's editor, why it cannot be published yet
    (``PublicationRules.publication_problems`` of the revision being edited):
    the approver, who is offered no "Approve" then, reads why."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "cms/panels/publication_problems.html"

        @cached_property
        def problems(self) -> list[str]:
            instance = self.instance
            if not getattr(instance, "pk", None):
                return []
            return instance.publication_problems()

        def is_shown(self) -> bool:
            return bool(self.problems)

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            context["problems"] = self.problems
            return context


class MaterialChange(models.Model):
    """What an approver says when publishing: is this revision a material change?

    Set on the revision being published; read and cleared by the publish handler
    (``cms.signals``), which raises the policy's version when it is ticked.
    """

    class Earlier(models.TextChoices):
        VALID = "valid", _("Certificates of earlier versions stay valid")
        RENEW = "renew", _("Staff must renew within the grace period")

    material_change = models.BooleanField(
        _("this revision is a material change"),
        default=False,
        help_text=_(
            "Tick when the rules changed, not for a typo: the policy's version "
            "goes up when this revision is published."
        ),
    )
    earlier_certificates = models.CharField(
        _("certificates of earlier versions"),
        max_length=10,
        choices=Earlier.choices,
        default=Earlier.RENEW,
    )
    renewal_grace_days = models.PositiveSmallIntegerField(
        _("grace period (days)"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=_("How long holders of earlier certificates have to renew."),
    )

    version_panels = [
        HelpPanel(
            content=_(
                "Approvers only. Leave unticked for corrections that do not change "
                "what staff must do: nobody is asked to retrain."
            )
        ),
        FieldPanel("material_change", permission=VERSION_PERMISSION),
        FieldRowPanel(
            [
                FieldPanel("earlier_certificates", permission=VERSION_PERMISSION),
                FieldPanel("renewal_grace_days", permission=VERSION_PERMISSION),
            ]
        ),
    ]

    class Meta:
        abstract = True

    @staticmethod
    def tabs(*tabs: tuple[list, str]) -> TabbedInterface:
        """The editor of a course page: its own tabs, then Version and Promote."""
        return TabbedInterface(
            [
                *(ObjectList(panels, heading=heading) for panels, heading in tabs),
                ObjectList(MaterialChange.version_panels, heading=_("Version")),
                ObjectList(Page.promote_panels, heading=_("Promote")),
            ]
        )
