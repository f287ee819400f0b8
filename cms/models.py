"""Wagtail page types: home → catalogue → policy (one per HQ measure) → modules
and one quiz.

``cms`` knows nothing of the organisation: what links a policy to staff (its
audience of positions and unit subtrees, per-position thresholds) lives in
``lms`` as inline models with a ``ParentalKey`` to :class:`PolicyPage`, shown
here by their related names.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import (
    MaxValueValidator,
    MinValueValidator,
    RegexValidator,
)
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    HelpPanel,
    InlinePanel,
    MultiFieldPanel,
    ObjectList,
    TabbedInterface,
)
from wagtail.fields import RichTextField, StreamField
from wagtail.models import GroupApprovalTask, Page

from cms.blocks import LessonBlock, QuestionPoolBlock
from cms.forms import CoursePageForm

PERCENT = [MinValueValidator(0), MaxValueValidator(100)]
VERSION_PERMISSION = "cms.decide_material_change"


class HomePage(Page):
    """The public landing page of the site."""

    intro = RichTextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["cms.CatalogPage"]
    max_count = 1

    class Meta:
        verbose_name = _("home page")
        verbose_name_plural = _("home pages")


class CatalogPage(Page):
    """Lists the service measures (policies) below it."""

    intro = RichTextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]

    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.PolicyPage"]

    class Meta:
        verbose_name = _("catalogue")
        verbose_name_plural = _("catalogues")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["policies"] = (
            PolicyPage.objects.child_of(self).live().public().order_by("code")
        )
        return context


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


class PolicyPage(PublicationRules, MaterialChange, Page):
    """One HQ service measure, trained as a course of modules and a quiz."""

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
    launch_target_date = models.DateField(
        _("target public-launch date"), null=True, blank=True
    )
    version = models.PositiveIntegerField(
        _("version"),
        default=1,
        editable=False,
        help_text=_("Raised by each material change."),
    )

    content_panels = [
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
                FieldPanel("launch_target_date"),
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
        return problems


class ModulePage(MaterialChange, Page):
    """A lesson: short enough to read on a phone between customers."""

    intro = models.TextField(_("introduction"), blank=True)
    minutes = models.PositiveSmallIntegerField(
        _("reading time (minutes)"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
    )
    body = StreamField(LessonBlock(), verbose_name=_("content"))

    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        FieldPanel("minutes"),
        FieldPanel("body"),
    ]
    edit_handler = MaterialChange.tabs((content_panels, _("Content")))

    parent_page_types = ["cms.PolicyPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("module")
        verbose_name_plural = _("modules")

    def __str__(self) -> str:
        return self.title


class QuizPage(PublicationRules, MaterialChange, Page):
    """The question pool of a policy; every attempt draws from it."""

    intro = models.TextField(_("introduction"), blank=True)
    questions = StreamField(
        QuestionPoolBlock(), verbose_name=_("question pool"), blank=True
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        FieldPanel("questions"),
    ]
    edit_handler = MaterialChange.tabs((content_panels, _("Questions")))

    parent_page_types = ["cms.PolicyPage"]
    subpage_types: list[str] = []
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("quiz")
        verbose_name_plural = _("quizzes")

    def __str__(self) -> str:
        return self.title

    def pool_size(self) -> int:
        return len(self.questions)

    def publication_problems(self) -> list[str]:
        """Why this quiz cannot be published yet (empty when it can)."""
        parent = self.get_parent() if self.path else None
        policy = parent.specific if parent else None
        if isinstance(policy, PolicyPage) and (
            len(self.questions) < policy.questions_per_attempt
        ):
            return [
                _(
                    "The policy draws %(draw)d questions per attempt: the pool "
                    "needs at least that many (it has %(pool)d)."
                )
                % {"draw": policy.questions_per_attempt, "pool": len(self.questions)}
            ]
        return []


class PolicyVersion(models.Model):
    """A published version of a policy: the first publication, then each
    material change."""

    policy = models.ForeignKey(
        PolicyPage,
        on_delete=models.CASCADE,
        related_name="versions",
        verbose_name=_("policy"),
    )
    number = models.PositiveIntegerField(_("version"))
    published_at = models.DateTimeField(_("published"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )
    revision = models.ForeignKey(
        "wagtailcore.Revision",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    earlier_certificates = models.CharField(
        _("certificates of earlier versions"),
        max_length=10,
        choices=MaterialChange.Earlier.choices,
        default=MaterialChange.Earlier.VALID,
    )
    renew_by = models.DateField(
        _("earlier certificates must be renewed by"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("policy version")
        verbose_name_plural = _("policy versions")
        ordering = ["policy", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "number"], name="policy_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.policy.code} v{self.number}"


class CourseReviewTask(GroupApprovalTask):
    """Approval by a group (the approvers), offered only once the page can be
    published: "Approve" does not appear while a policy lacks a live module or
    quiz, or a quiz's pool is smaller than its policy's draw."""

    class Meta:
        verbose_name = _("course review task")
        verbose_name_plural = _("course review tasks")

    def get_actions(self, obj, user):
        actions = super().get_actions(obj, user)
        latest = obj.get_latest_revision_as_object()
        if isinstance(latest, PublicationRules) and latest.publication_problems():
            return [action for action in actions if action[0] != "approve"]
        return actions
