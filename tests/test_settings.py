"""The settings switch on the environment, and production settings pass
``check --deploy``."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

PROBE = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'engine': s.DATABASES['default']['ENGINE'], "
    "'name': str(s.DATABASES['default']['NAME']), 'q': sorted(s.Q_CLUSTER), "
    "'cache': s.CACHES['default']['BACKEND'], 'debug': s.DEBUG, "
    "'ssl': getattr(s, 'SECURE_SSL_REDIRECT', False), "
    "'prefix': s.CACHES['default'].get('KEY_PREFIX'), 'queue': s.Q_CLUSTER['name'], "
    "'sessions': s.SESSION_ENGINE, 'health': s.DATABASES['default']"
    "['CONN_HEALTH_CHECKS'], 'prepare': s.DATABASES['default'].get('OPTIONS', {})"
    ".get('prepare_threshold')}))"
)


def run(args: list[str], **env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("DJANGO_") and k not in {"DATABASE_URL", "REDIS_URL"}
    }
    clean["DJANGO_SETTINGS_MODULE"] = "config.settings"
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def probe(**env: str) -> dict:
    result = run(["-c", PROBE], **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_sqlite_and_database_broker_by_default(tmp_path):
    found = probe(DJANGO_VAR_DIR=str(tmp_path))
    assert found["engine"] == "django.db.backends.sqlite3"
    assert found["name"] == str(tmp_path / "db.sqlite3")
    assert "orm" in found["q"] and "redis" not in found["q"]
    assert found["cache"].endswith("FileBasedCache")
    assert found["debug"] is False


def test_postgres_and_redis_when_urls_are_set(tmp_path):
    found = probe(
        DJANGO_VAR_DIR=str(tmp_path),
        DATABASE_URL="postgres://rollout@db.internal:5432/rollout",
        REDIS_URL="redis://cache.internal:6379/1",
    )
    assert found["engine"] == "django.db.backends.postgresql"
    assert found["name"] == "rollout"
    assert "redis" in found["q"] and "orm" not in found["q"]
    assert found["cache"].endswith("RedisCache")
    assert found["sessions"] == "lms.sessions.cached_db"
    assert found["health"] is True
    assert found["prepare"] == 5  # lms.sql.planned_cursor prepares on the server


def test_each_database_has_its_own_cache_prefix_and_queue(tmp_path):
    """Two deployments sharing a Redis (or a cache folder) never read each
    other's cached rows, which name database ids, nor run each other's tasks."""
    redis = "redis://cache.internal:6379/1"
    one = probe(
        DJANGO_VAR_DIR=str(tmp_path),
        DATABASE_URL="postgres://rollout@db.internal:5432/one",
        REDIS_URL=redis,
    )
    two = probe(
        DJANGO_VAR_DIR=str(tmp_path),
        DATABASE_URL="postgres://rollout@db.internal:5432/two",
        REDIS_URL=redis,
    )
    assert one["prefix"] != two["prefix"]
    assert one["queue"] != two["queue"]
    chosen = probe(DJANGO_VAR_DIR=str(tmp_path), DJANGO_CACHE_PREFIX="staging")
    assert chosen["prefix"] == "staging"
    assert chosen["sessions"] == "lms.sessions.db"


def test_health_checks_can_be_left_to_a_pooler(tmp_path):
    found = probe(DJANGO_VAR_DIR=str(tmp_path), DJANGO_CONN_HEALTH_CHECKS="0")
    assert found["health"] is False


def test_prepared_statements_can_be_turned_off_for_a_pooler(tmp_path):
    found = probe(
        DJANGO_VAR_DIR=str(tmp_path),
        DATABASE_URL="postgres://rollout@db.internal:5432/rollout",
        DJANGO_DB_PREPARED_STATEMENTS="0",
    )
    assert found["prepare"] is None  # Django's default: nothing prepared
    assert probe(DJANGO_VAR_DIR=str(tmp_path))["prepare"] is None  # SQLite


def test_debug_only_when_asked_and_https_otherwise(tmp_path):
    assert probe(DJANGO_VAR_DIR=str(tmp_path))["ssl"] is True
    found = probe(DJANGO_VAR_DIR=str(tmp_path), DJANGO_DEBUG="1")
    assert found["debug"] is True and found["ssl"] is False


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "rollout.E001"),
        ({"DJANGO_SECRET_KEY": "k" * 60}, "rollout.E002"),
    ],
)
def test_check_deploy_refuses_unsafe_production_settings(tmp_path, env, expected):
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        DJANGO_VAR_DIR=str(tmp_path),
        **env,
    )
    assert result.returncode != 0
    assert expected in result.stderr


def test_check_deploy_passes_with_production_settings(tmp_path):
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        DJANGO_VAR_DIR=str(tmp_path),
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_SITE_URL="https://academy.example.cn",
        DJANGO_ALLOWED_HOSTS="academy.example.cn",
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout
