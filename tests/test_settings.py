"""The settings switch on the environment, and production settings pass
``check --deploy``."""

import json
import os
import re
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


DEPLOYED = {
    "DJANGO_SITE_URL": "https://academy.example.cn",
    "DJANGO_ALLOWED_HOSTS": "academy.example.cn",
    "DJANGO_EMAIL_HOST": "smtp.example.cn",
    "DJANGO_TWO_FACTOR": "required",
}
FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")


def _signing_pair(directory: Path) -> None:
    from certificates.signing import signing_pair_create

    signing_pair_create(
        key_path=directory / "signing" / "certificate-key.pem",
        cert_path=directory / "signing" / "certificate.pem",
        issuer="Test",
    )


def test_check_deploy_passes_with_production_settings(tmp_path):
    _signing_pair(tmp_path)
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        DJANGO_VAR_DIR=str(tmp_path),
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        **DEPLOYED,
    )
    if not FONT.is_file():  # a laptop without the Debian font: only that is said
        issues = set(re.findall(r"\(([a-z_]+\.[EW]\d{3})\)", result.stderr))
        assert issues == {"certificates.W001"}, result.stderr
        return
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_warns_without_a_mail_server(tmp_path):
    _signing_pair(tmp_path)
    result = run(
        ["manage.py", "check", "--deploy"],
        DJANGO_VAR_DIR=str(tmp_path),
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        **{**DEPLOYED, "DJANGO_EMAIL_HOST": ""},
    )
    assert "rollout.W001" in result.stderr
    assert "DJANGO_EMAIL_HOST is not set" in result.stderr
    # Nor single sign-on: imported staff have no way in but printed codes.
    assert "rollout.W003" in result.stderr


def test_check_deploy_accepts_single_sign_on_without_a_mail_server(tmp_path):
    _signing_pair(tmp_path)
    result = run(
        ["manage.py", "check", "--deploy"],
        DJANGO_VAR_DIR=str(tmp_path),
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        **{
            **DEPLOYED,
            "DJANGO_EMAIL_HOST": "",
            "DJANGO_OIDC_CLIENT_ID": "rollout",
            "DJANGO_OIDC_AUTHORIZATION_URL": "https://sso.example.cn/authorize",
            "DJANGO_OIDC_TOKEN_URL": "https://sso.example.cn/token",
        },
    )
    assert "rollout.W003" not in result.stderr
    assert "rollout.W001" in result.stderr


def test_check_deploy_warns_when_two_factor_is_not_required(tmp_path):
    _signing_pair(tmp_path)
    result = run(
        ["manage.py", "check", "--deploy"],
        DJANGO_VAR_DIR=str(tmp_path),
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        **{**DEPLOYED, "DJANGO_TWO_FACTOR": "optional"},
    )
    assert "rollout.W002" in result.stderr
    assert "DJANGO_TWO_FACTOR is 'optional'" in result.stderr


def test_check_deploy_refuses_a_production_that_would_not_sign_certificates(tmp_path):
    result = run(
        ["manage.py", "check", "--deploy"],
        DJANGO_VAR_DIR=str(tmp_path),
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        **DEPLOYED,
    )
    assert result.returncode != 0
    assert "certificates.E002" in result.stderr


def test_a_signing_key_that_cannot_sign_is_an_error_at_start(tmp_path):
    key = tmp_path / "broken-key.pem"
    key.write_text(
        "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n"
    )
    cert = tmp_path / "cert.pem"
    cert.write_text("not a certificate")
    result = run(
        ["manage.py", "check"],
        DJANGO_VAR_DIR=str(tmp_path),
        DJANGO_CERTIFICATE_SIGNING_KEY=str(key),
        DJANGO_CERTIFICATE_SIGNING_CERT=str(cert),
    )
    assert result.returncode != 0
    assert "certificates.E001" in result.stderr


# --- Security headers and the session cookie in production ------------------------

HEADERS_PROBE = """
import json
import django
django.setup()
from django.conf import settings as s
from django.test import Client
from django.test.utils import override_settings
plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
found = {"session": [s.SESSION_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY,
                     s.SESSION_COOKIE_SAMESITE]}
with override_settings(STORAGES={**s.STORAGES, "staticfiles": plain}):
    for path in ("/accounts/login/", "/admin/"):
        response = Client().get(path, secure=True)
        found[path] = {
            "status": response.status_code,
            "headers": dict(response.headers),
            "cookies": {k: dict(v) for k, v in response.cookies.items()},
        }
print(json.dumps(found))
"""

PRODUCTION = {
    "DJANGO_SECRET_KEY": "p" * 60,
    "DJANGO_SITE_URL": "https://academy.example.cn",
    "DJANGO_ALLOWED_HOSTS": "testserver,academy.example.cn",
}


def csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


@pytest.fixture(scope="module")
def production_responses(tmp_path_factory) -> dict:
    """The sign-in page and the admin's door, answered with production settings
    (no DEBUG, HTTPS) in a fresh process; neither needs a database table."""
    result = run(
        ["-c", HEADERS_PROBE],
        DJANGO_VAR_DIR=str(tmp_path_factory.mktemp("var")),
        **PRODUCTION,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("path", ["/accounts/login/", "/admin/"])
def test_production_responses_carry_the_security_headers(production_responses, path):
    headers = production_responses[path]["headers"]
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
    permissions = headers["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in permissions
    csp = csp_directives(headers["Content-Security-Policy"])
    assert csp["default-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"]
    assert csp["form-action"] == ["'self'"]


def test_the_site_allows_no_inline_script_or_style_and_no_framing(
    production_responses,
):
    login = production_responses["/accounts/login/"]
    assert login["status"] == 200
    csp = csp_directives(login["headers"]["Content-Security-Policy"])
    assert csp["script-src"] == ["'self'"]  # a nonce only when a page asks for one
    assert csp["style-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert "'unsafe-eval'" not in login["headers"]["Content-Security-Policy"]


def test_the_admin_policy_allows_what_wagtail_needs_and_no_more(production_responses):
    admin = production_responses["/admin/"]
    assert admin["status"] == 302  # to the admin's sign-in
    csp = csp_directives(admin["headers"]["Content-Security-Policy"])
    assert csp["script-src"] == ["'self'", "'unsafe-inline'"]
    assert csp["style-src"] == ["'self'", "'unsafe-inline'"]
    assert "blob:" in csp["img-src"]
    assert csp["frame-ancestors"] == ["'self'"]  # its own page preview
    assert csp["connect-src"] == ["'self'"]
    assert "'unsafe-eval'" not in admin["headers"]["Content-Security-Policy"]


def test_production_cookies_are_secure_httponly_and_lax(production_responses):
    assert production_responses["session"] == [True, True, "Lax"]
    csrf = production_responses["/accounts/login/"]["cookies"]["csrftoken"]
    assert csrf["secure"] is True
    assert csrf["samesite"] == "Lax"


@pytest.mark.django_db
def test_signing_in_sets_an_httponly_lax_session_cookie(client):
    from tests.factories import UserFactory

    UserFactory(username="D1234567", password="s3cret-pass")
    response = client.post(
        "/accounts/login/", {"username": "D1234567", "password": "s3cret-pass"}
    )
    assert response.status_code == 302
    cookie = response.cookies["sessionid"]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


def test_a_nonce_is_added_only_for_a_page_that_inlines_a_script(rf):
    from django.http import HttpResponse

    from config.security import ContentSecurityPolicyMiddleware

    def page(request):
        return HttpResponse(f'<script nonce="{request.csp_nonce}"></script>')

    request = rf.get("/my/")
    response = ContentSecurityPolicyMiddleware(page)(request)
    csp = csp_directives(response.headers["Content-Security-Policy"])
    assert csp["script-src"] == ["'self'", f"'nonce-{request.csp_nonce}'"]
    plain = ContentSecurityPolicyMiddleware(lambda r: HttpResponse("ok"))(rf.get("/"))
    assert csp_directives(plain.headers["Content-Security-Policy"])["script-src"] == [
        "'self'"
    ]


def test_a_directory_without_a_search_base_stops_the_commands(tmp_path):
    result = run(
        ["manage.py", "check"],
        DJANGO_VAR_DIR=str(tmp_path),
        DJANGO_LDAP_SERVER_URI="ldap://127.0.0.1:1",
    )
    assert result.returncode != 0
    assert "rollout.E004" in result.stderr
    assert "DJANGO_LDAP_USER_BASE" in result.stderr


def test_a_configured_directory_adds_its_backend_after_the_passwords(tmp_path):
    result = run(
        [
            "manage.py",
            "shell",
            "-c",
            "from django.conf import settings; print(settings.AUTHENTICATION_BACKENDS)",
        ],
        DJANGO_VAR_DIR=str(tmp_path),
        DJANGO_LDAP_SERVER_URI="ldap://127.0.0.1:1",
        DJANGO_LDAP_USER_BASE="ou=people,dc=example,dc=cn",
    )
    assert result.returncode == 0, result.stderr
    assert "['lms.auth.EmployeeBackend', 'lms.ldap_auth.EmployeeLDAPBackend']" in (
        result.stdout
    )
