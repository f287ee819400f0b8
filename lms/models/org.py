"""The organisation: logins, units, positions, staff and manager scopes."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.files.storage import Storage, storages
from django.db import models
from django.db.models import Q
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node


def private_storage() -> Storage:
    """Storage for uploaded HR files: outside MEDIA_ROOT, never served."""
    return storages["private"]


class User(AbstractUser):
    """A login. Staff log in with their employee number as the username."""

    # Raised to sign the account out of every session at once
    # (``lms.services.signin.user_sessions_end``).
    session_epoch = models.PositiveIntegerField(
        _("session epoch"), default=0, editable=False
    )

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def _get_session_auth_hash(self, secret=None) -> str:
        """Django's session hash (an HMAC of the password hash, which both
        ``get_session_auth_hash`` and its fallbacks compute here), with the
        session epoch mixed in once it has been raised: every session signed
        in before no longer verifies, and Django flushes it. At epoch 0 the
        hash is Django's own, so no session ends when this was installed."""
        value = self.password
        if self.session_epoch:
            value = f"{value}:{self.session_epoch}"
        return salted_hmac(
            "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash",
            value,
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

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
