"""Who must learn what: the organisation, positions, staff and manager scopes."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.files.storage import Storage, storages
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from treebeard.mp_tree import MP_Node
from wagtail.admin.panels import FieldPanel
from wagtail.models import Orderable


def private_storage() -> Storage:
    """Storage for uploaded HR files: outside MEDIA_ROOT, never served."""
    return storages["private"]


class User(AbstractUser):
    """A login. Staff log in with their employee number as the username."""

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def get_full_name(self) -> str:
        return (self.first_name or self.last_name or self.username).strip()


class OrgUnit(MP_Node):
    """A node of the tree HQ → province → city → county; a subtree is a path prefix."""

    class Level(models.TextChoices):
        HQ = "hq", _("Headquarters")
        PROVINCE = "province", _("Province")
        CITY = "city", _("City")
        COUNTY = "county", _("County")

    # Depth of each level in the hierarchy, used to refuse a unit placed above
    # its parent's level.
    LEVEL_RANK = {"hq": 0, "province": 1, "city": 2, "county": 3}

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    is_active = models.BooleanField(_("active"), default=True)

    node_order_by: list[str] = []

    class Meta:
        verbose_name = _("organisation unit")
        verbose_name_plural = _("organisation units")
        ordering = ["path"]
        indexes = [models.Index(fields=["level", "path"], name="orgunit_level_path")]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def subtree_q(self, prefix: str = "") -> Q:
        """Filter for rows whose unit lies in this unit's subtree."""
        return Q(**{f"{prefix}path__startswith": self.path})


class Position(models.Model):
    """A kind of job (counter service, billing, ...), imported with staff."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("position")
        verbose_name_plural = _("positions")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name if self.name == self.code else f"{self.name} ({self.code})"


class Employee(models.Model):
    """An HR record: one login, one unit, one position, active or not."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="employee",
        verbose_name=_("login"),
    )
    employee_no = models.CharField(_("employee number"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    email = models.EmailField(_("email"), blank=True)
    unit = models.ForeignKey(
        OrgUnit,
        on_delete=models.PROTECT,
        related_name="employees",
        verbose_name=_("unit"),
    )
    position = models.ForeignKey(
        Position,
        on_delete=models.PROTECT,
        related_name="employees",
        verbose_name=_("position"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("employee")
        verbose_name_plural = _("employees")
        ordering = ["employee_no"]
        indexes = [
            models.Index(fields=["unit", "is_active"], name="employee_unit_active"),
            models.Index(fields=["position", "is_active"], name="employee_pos_active"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.employee_no})"


class ManagerScope(models.Model):
    """A unit whose subtree a manager (or launch officer) may see."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="scopes",
        verbose_name=_("user"),
    )
    unit = models.ForeignKey(
        OrgUnit,
        on_delete=models.CASCADE,
        related_name="scopes",
        verbose_name=_("unit"),
    )

    class Meta:
        verbose_name = _("manager scope")
        verbose_name_plural = _("manager scopes")
        constraints = [
            models.UniqueConstraint(fields=["user", "unit"], name="scope_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.unit}"


class ImportJob(models.Model):
    """An HR file uploaded in the admin: validated (preview), then applied."""

    class Kind(models.TextChoices):
        ORG = "org", _("Organisation units")
        STAFF = "staff", _("Staff")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be checked")
        VALIDATING = "validating", _("Checking")
        READY = "ready", _("Checked, ready to apply")
        INVALID = "invalid", _("Refused: the file has errors")
        APPLYING = "applying", _("Applying")
        DONE = "done", _("Applied")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    file = models.FileField(
        _("file"), upload_to="imports/%Y/%m/", storage=private_storage, max_length=255
    )
    original_name = models.CharField(_("file name"), max_length=255)
    encoding = models.CharField(_("encoding"), max_length=20, blank=True)
    deactivate_missing = models.BooleanField(
        _("deactivate staff missing from the file"), default=False
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PENDING
    )
    report = models.JSONField(_("report"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("applied by"),
    )
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("HR import")
        verbose_name_plural = _("HR imports")
        ordering = ["-created_at"]
        permissions = [("run_import", _("Can import organisation and staff files"))]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.original_name}"


# --- Who must learn what: a policy's audience and its assignments --------------


class AudiencePosition(Orderable):
    """A position in a policy's audience (none at all: every position)."""

    policy = ParentalKey(
        "cms.PolicyPage", on_delete=models.CASCADE, related_name="audience_positions"
    )
    position = models.ForeignKey(
        Position,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("position"),
    )

    panels = [FieldPanel("position")]

    class Meta(Orderable.Meta):
        verbose_name = _("audience position")
        verbose_name_plural = _("audience positions")
        unique_together = [("policy", "position")]

    def __str__(self) -> str:
        return str(self.position)


class AudienceUnit(Orderable):
    """A unit whose subtree is in a policy's audience (none: the whole group)."""

    policy = ParentalKey(
        "cms.PolicyPage", on_delete=models.CASCADE, related_name="audience_units"
    )
    unit = models.ForeignKey(
        OrgUnit,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("unit"),
    )

    panels = [FieldPanel("unit")]

    class Meta(Orderable.Meta):
        verbose_name = _("audience unit")
        verbose_name_plural = _("audience units")
        unique_together = [("policy", "unit")]

    def __str__(self) -> str:
        return str(self.unit)


class PositionThreshold(Orderable):
    """A readiness threshold for one position, on top of the overall ones
    (e.g. 100 % of management)."""

    policy = ParentalKey(
        "cms.PolicyPage", on_delete=models.CASCADE, related_name="position_thresholds"
    )
    position = models.ForeignKey(
        Position,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("position"),
    )
    threshold = models.PositiveSmallIntegerField(
        _("threshold (%)"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )

    panels = [FieldPanel("position"), FieldPanel("threshold")]

    class Meta(Orderable.Meta):
        verbose_name = _("position threshold")
        verbose_name_plural = _("position thresholds")
        unique_together = [("policy", "position")]

    def __str__(self) -> str:
        return f"{self.position}: {self.threshold}%"


class Assignment(models.Model):
    """That an employee is in a policy's audience, with a due date.

    Kept in step with the audience and the staff by ``lms.services.assignments``
    (bulk SQL). Leaving the audience deactivates the row rather than deleting
    it, so history stays and a return reuses it.
    """

    employee = models.ForeignKey(
        Employee,
        on_delete=models.CASCADE,
        related_name="assignments",
        verbose_name=_("employee"),
    )
    policy = models.ForeignKey(
        "cms.PolicyPage",
        on_delete=models.CASCADE,
        related_name="assignments",
        verbose_name=_("policy"),
    )
    assigned_at = models.DateTimeField(_("assigned"))
    due_on = models.DateField(_("due"))
    is_active = models.BooleanField(_("in the audience"), default=True)
    removed_at = models.DateTimeField(_("left the audience"), null=True, blank=True)

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["employee", "policy"], name="assignment_unique"
            )
        ]
        indexes = [
            models.Index(
                fields=["policy", "is_active"], name="assignment_policy_active"
            )
        ]

    def __str__(self) -> str:
        return f"{self.employee} → {self.policy_id}"
