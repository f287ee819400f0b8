"""A policy: one HQ service measure, trained as a course of modules and a quiz.

The policy knows its children (:class:`~cms.models.module.ModulePage`,
:class:`~cms.models.quiz.QuizPage`); they do not import it. Its audience of
positions and units and its per-position thresholds live in ``lms`` as inline
models with a ``ParentalKey`` to this page, shown here by their related names.
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.core.validators import (
    MaxValueValidator,
    MinValueValidator,
    RegexValidator,
)
from django.db import models
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    HelpPanel,
    InlinePanel,
    MultiFieldPanel,
)
from wagtail.fields import RichTextField
from wagtail.models import Page, WorkflowState

from cms.models.module import ModulePage
from cms.models.publishing import (
    MaterialChange,
    PreviewInTheEditorsLanguage,
    PublicationProblemsPanel,
    PublicationRules,
)
from cms.models.quiz import QuizPage

PERCENT = [MinValueValidator(0), MaxValueValidator(100)]


class PolicyPage(PreviewInTheEditorsLanguage, PublicationRules, MaterialChange, Page):
    """One HQ service measure, trained as a course of modules and a quiz."""

    slug_from_code = True

    def readable_slug(self, *, parent, code: str = "") -> str:
        """A policy's address is its code: ``/measures/svc-2026-01/``."""
        return slugify(code or self.code or "")

    class Review(models.TextChoices):
        AFTER_SUBMIT = "submit", _("After each submission")
        AFTER_PASS = "pass", _("Only after a pass")
        AFTER_LAST = "last", _("After a pass or the last attempt")

    class Level(models.TextChoices):
        PROVINCE = "province", _("Province")
        CITY = "city", _("City")
        COUNTY = "county", _("County")

    code = models.CharField(
        _("code"),
        max_length=32,
        unique=True,
        validators=[
            RegexValidator(
                r"^[A-Z0-9][A-Z0-9-]{2,31}$",
                _("Use capital letters, digits and dashes, e.g. SVC-2026-07."),
            )
        ],
        help_text=_("The measure's code, e.g. SVC-2026-07."),
    )
    summary = models.TextField(
        _("summary"), help_text=_("One or two sentences staff see in their list.")
    )
    body = RichTextField(_("description"), blank=True)
    days_allowed = models.PositiveSmallIntegerField(
        _("days allowed"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=_("Days an employee has to certify after being assigned."),
    )
    pass_mark = models.PositiveSmallIntegerField(
        _("pass mark (%)"),
        default=80,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    max_attempts = models.PositiveSmallIntegerField(
        _("attempts allowed per version"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
    )
    attempt_wait_minutes = models.PositiveIntegerField(
        _("wait between attempts (minutes)"),
        default=0,
        validators=[MaxValueValidator(60 * 24 * 30)],
    )
    time_limit_minutes = models.PositiveSmallIntegerField(
        _("time limit (minutes)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(240)],
        help_text=_("Empty: no time limit."),
    )
    questions_per_attempt = models.PositiveSmallIntegerField(
        _("questions per attempt"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(200)],
        help_text=_("Drawn at random from the quiz's question pool."),
    )
    review_answers = models.CharField(
        _("show the correct answers"),
        max_length=10,
        choices=Review.choices,
        default=Review.AFTER_SUBMIT,
    )
    certificate_validity_months = models.PositiveSmallIntegerField(
        _("certificate validity (months)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text=_("Empty: certificates do not expire."),
    )
    threshold_overall = models.PositiveSmallIntegerField(
        _("overall threshold (%)"),
        default=95,
        validators=PERCENT,
        help_text=_("Share of the assigned staff of a scope who must be certified."),
    )
    threshold_unit = models.PositiveSmallIntegerField(
        _("per-unit threshold (%)"),
        default=90,
        validators=PERCENT,
        help_text=_("Share every unit of the level below must reach."),
    )
    threshold_level = models.CharField(
        _("per-unit threshold applies to"),
        max_length=10,
        choices=Level.choices,
        default=Level.COUNTY,
    )
    exemption_cap_percent = models.PositiveSmallIntegerField(
        _("exemptions cap (%)"),
        default=5,
        validators=[MaxValueValidator(50)],
        help_text=_(
            "At most this share of a unit's assigned staff (at the per-unit "
            "threshold level) may be exempt, new hires included."
        ),
    )
    new_hire_grace_days = models.PositiveSmallIntegerField(
        _("new-hire grace (days)"),
        default=0,
        validators=[MaxValueValidator(365)],
        help_text=_(
            "Staff who joined (first appeared in the HR feed) after the measure "
            "was first published are exempt for this many days. 0: no grace."
        ),
    )
    launch_target_date = models.DateField(
        _("target public-launch date"), null=True, blank=True
    )
    launch_not_before = models.DateField(
        _("earliest public-launch date"),
        null=True,
        blank=True,
        help_text=_(
            "No launch before this date (the end of an implementation period), "
            "even when the staff are ready. Empty: as soon as they are."
        ),
    )
    version = models.PositiveIntegerField(
        _("version"),
        default=1,
        editable=False,
        help_text=_("Raised by each material change."),
    )

    content_panels = [
        PublicationProblemsPanel(),
        *Page.content_panels,
        FieldPanel("code"),
        FieldPanel("summary"),
        FieldPanel("body"),
    ]
    audience_panels = [
        HelpPanel(
            content=_(
                "Staff in the audience hold one of the positions (none chosen: "
                "every position) in one of the units' subtrees (none chosen: the "
                "whole group)."
            )
        ),
        InlinePanel("audience_positions", label=_("Positions")),
        InlinePanel("audience_units", label=_("Units")),
    ]
    rules_panels = [
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("days_allowed"), FieldPanel("pass_mark")]),
                FieldRowPanel(
                    [FieldPanel("max_attempts"), FieldPanel("attempt_wait_minutes")]
                ),
                FieldRowPanel(
                    [
                        FieldPanel("questions_per_attempt"),
                        FieldPanel("time_limit_minutes"),
                    ]
                ),
                FieldPanel("review_answers"),
                FieldPanel("certificate_validity_months"),
            ],
            heading=_("Quiz and certificate"),
        ),
        MultiFieldPanel(
            [
                FieldRowPanel(
                    [
                        FieldPanel("threshold_overall"),
                        FieldPanel("threshold_unit"),
                        FieldPanel("threshold_level"),
                    ]
                ),
                InlinePanel("position_thresholds", label=_("Per-position thresholds")),
                FieldRowPanel(
                    [
                        FieldPanel("exemption_cap_percent"),
                        FieldPanel("new_hire_grace_days"),
                    ]
                ),
                FieldRowPanel(
                    [FieldPanel("launch_target_date"), FieldPanel("launch_not_before")]
                ),
            ],
            heading=_("Readiness for public launch"),
        ),
    ]
    edit_handler = MaterialChange.tabs(
        (content_panels, _("Content")),
        (audience_panels, _("Audience")),
        (rules_panels, _("Rules")),
    )

    parent_page_types = ["cms.CatalogPage"]
    subpage_types = ["cms.ModulePage", "cms.QuizPage"]

    class Meta:
        verbose_name = _("policy")
        verbose_name_plural = _("policies")
        permissions = [
            (
                "decide_material_change",
                _("Can say whether a published revision is a material change"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        if getattr(request, "is_preview", False):
            # An approver reviews the course as staff will see it once
            # published: every module and the quiz in their latest drafts.
            context["preview"] = True
            context["modules"] = [
                page.get_latest_revision_as_object()
                for page in ModulePage.objects.child_of(self).order_by("path")
            ]
            quiz = QuizPage.objects.child_of(self).first()
            context["quiz"] = quiz.get_latest_revision_as_object() if quiz else None
        else:
            context["modules"] = self.modules()
            context["quiz"] = self.quiz()
        return context

    def modules(self):
        return ModulePage.objects.child_of(self).live().order_by("path")

    def quiz(self) -> QuizPage | None:
        return QuizPage.objects.child_of(self).live().first()

    def publication_problems(self) -> list[str]:
        """Why this policy cannot be published yet (empty when it can)."""
        if not self.pk:
            return [
                _("Publish at least one module first."),
                _("Publish the quiz with its question pool first."),
            ]
        problems = []
        if not self.modules().exists():
            problems.append(_("Publish at least one module first."))
        quiz = self.quiz()
        if quiz is None:
            problems.append(_("Publish the quiz with its question pool first."))
        elif quiz.pool_size() < self.questions_per_attempt:
            problems.append(
                _("The quiz draws %(draw)d questions but its pool has only %(pool)d.")
                % {"draw": self.questions_per_attempt, "pool": quiz.pool_size()}
            )
        problems.extend(self._pages_in_review())
        return problems

    def _pages_in_review(self) -> list[str]:
        """A module or quiz never published that is still in review, or sent
        back for changes: publishing the course now would give staff the
        course without it."""
        drafts = {
            str(pk): title
            for pk, title in Page.objects.child_of(self)
            .filter(live=False)
            .order_by("path")
            .values_list("pk", "title")
        }
        if not drafts:
            return []
        in_review = set(
            WorkflowState.objects.filter(
                base_content_type=ContentType.objects.get_for_model(Page),
                object_id__in=drafts,
                status__in=(
                    WorkflowState.STATUS_IN_PROGRESS,
                    WorkflowState.STATUS_NEEDS_CHANGES,
                ),
            ).values_list("object_id", flat=True)
        )
        waiting = [title for pk, title in drafts.items() if pk in in_review]
        return [
            _(
                "“%(title)s” is still in review or sent back for changes: finish its "
                "review first."
            )
            % {"title": title}
            for title in waiting
        ]
