"""Facts about the installation that every process must agree on."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SigningKey(models.Model):
    """The fingerprint of the secret key that signs the task queue's messages
    (never the key): recorded by ``migrate`` and by each process that
    enqueues tasks, compared by a task worker at start-up
    (``lms.services.signing_key``)."""

    name = models.CharField(max_length=40, primary_key=True)
    fingerprint = models.CharField(max_length=64)
    recorded_at = models.DateTimeField()
    recorded_by = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("signing key fingerprint")
        verbose_name_plural = _("signing key fingerprints")

    def __str__(self) -> str:
        return f"{self.name}: {self.fingerprint}"
