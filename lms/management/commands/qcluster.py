"""``manage.py qcluster``: django-q2's task cluster, started only when its
secret key is the one the web servers sign tasks with
(``lms.services.signing_key``)."""

from __future__ import annotations

from django.core.management.base import CommandError
from django.db import DatabaseError
from django_q.conf import Conf
from django_q.management.commands.qcluster import Command as ClusterCommand

from lms.services.signing_key import key_fingerprint, signing_key_mismatch


class Command(ClusterCommand):
    def handle(self, *args, **options):
        try:
            recorded = signing_key_mismatch()
        except DatabaseError as error:
            raise CommandError(
                f"The database is not ready for the task worker ({error}): run "
                "`python manage.py migrate` first."
            ) from error
        if recorded is not None:
            raise CommandError(
                "This worker's DJANGO_SECRET_KEY is not the key the site signs "
                f"its tasks with (fingerprint {key_fingerprint()}, the site's "
                f"{recorded.fingerprint}, recorded by {recorded.recorded_by} at "
                f"{recorded.recorded_at:%Y-%m-%d %H:%M} UTC): it would reject "
                "every task. Start the web server and the workers with the same "
                "DJANGO_SECRET_KEY. If the key was changed on purpose, run "
                "`python manage.py migrate` with the new key first."
            )
        self.stdout.write(
            f"Task worker: {Conf.WORKERS} worker process(es), "
            f"queue {Conf.PREFIX!r}, signing key {key_fingerprint()}."
        )
        return super().handle(*args, **options)
