"""Test-only settings live here, as fixtures (no second settings module)."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.storage import FileSystemStorage
from django.utils import timezone

from certificates.models import Certificate
from lms.models import ImportJob
from tests import factories

POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres", "pgsql"))


def pytest_report_header(config) -> list[str]:
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    broker = "redis" if settings.REDIS_URL else "orm"
    return [f"rollout: database={engine} task broker={broker}"]


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path, monkeypatch):
    """Plain HTTP, no static manifest, private files and media in a temp dir,
    tasks run inline (django-q2 ``sync``), a per-test memory cache."""
    settings.SECURE_SSL_REDIRECT = False
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None},
        },
    }
    settings.MEDIA_ROOT = str(tmp_path / "media")
    # No signing pair unless a test makes one (seed_demo makes it here).
    settings.CERTIFICATE_SIGNING_KEY = str(tmp_path / "signing" / "key.pem")
    settings.CERTIFICATE_SIGNING_CERT = str(tmp_path / "signing" / "cert.pem")
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "sync": True}
    # django-q2 reads Q_CLUSTER once, when it loads: force ``sync`` there too.
    monkeypatch.setattr("django_q.conf.Conf.SYNC", True)
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": str(tmp_path),
        }
    }
    # Test databases reuse revision ids: forget the pools of earlier tests.
    monkeypatch.setattr("cms.quiz._LOCAL", {})
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def tree(db) -> dict[str, object]:
    """A small organisation: HQ, two provinces, three cities, four counties."""
    return factories.build_tree()


@pytest.fixture
def positions(db) -> dict[str, object]:
    return factories.demo_positions()


@pytest.fixture(autouse=True)
def private_dir(monkeypatch, tmp_path) -> Path:
    """Uploaded HR files and certificate PDFs go to a temporary directory. The
    file fields took their storage when the models loaded, so they are
    pointed there directly."""
    location = tmp_path / "private"
    storage = FileSystemStorage(location=location, base_url=None)
    for field in (
        ImportJob._meta.get_field("file"),
        Certificate._meta.get_field("pdf"),
    ):
        monkeypatch.setattr(field, "storage", storage)
    return location


class Clock:
    def __init__(self) -> None:
        self.now = timezone.now()

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    """``timezone.now`` frozen at a moment the test moves forward."""
    frozen = Clock()
    monkeypatch.setattr(timezone, "now", lambda: frozen.now)
    return frozen
