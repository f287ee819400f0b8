from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class LmsConfig(AppConfig):
    name = "lms"
    verbose_name = _("Training")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from lms import checks, signals  # noqa: F401  (checks register themselves)
        from lms.roles import roles_sync_after_migrate
        from lms.schedules import schedules_sync_after_migrate

        post_migrate.connect(roles_sync_after_migrate)
        post_migrate.connect(schedules_sync_after_migrate)
        signals.connect()
        _audience_unit_panels()


def _audience_unit_panels() -> None:
    """Choose a policy's audience units with the unit chooser (a search over the
    whole tree) instead of a <select> of 3,500 units.

    ``lms.models`` cannot import the chooser (it imports the models), so the
    panel is set here, before Wagtail builds the policy's edit handler (lazily,
    on first use).
    """
    from wagtail.admin.panels import FieldPanel

    from lms.admin.choosers import AudienceUnitChooserWidget
    from lms.models import AudienceUnit

    AudienceUnit.panels = [FieldPanel("unit", widget=AudienceUnitChooserWidget)]
