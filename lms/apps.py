from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class LmsConfig(AppConfig):
    name = "lms"
    verbose_name = _("Training")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib.auth.models import Group
        from django_q.signals import pre_enqueue

        from cms.workflow_names import names_translated
        from lms import checks, signals  # noqa: F401  (checks register themselves)
        from lms.roles import ROLE_NAMES, roles_sync_after_migrate
        from lms.schedules import schedules_sync_after_migrate
        from lms.services.signing_key import (
            record_after_migrate,
            record_before_enqueue,
        )

        names_translated((Group,), ROLE_NAMES, "role-names")
        post_migrate.connect(roles_sync_after_migrate)
        post_migrate.connect(schedules_sync_after_migrate)
        post_migrate.connect(record_after_migrate)
        pre_enqueue.connect(record_before_enqueue, dispatch_uid="lms-signing-key")
        signals.connect()
