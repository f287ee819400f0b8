"""Single sign-on (``lms.oidc``) against a real OpenID Connect provider:
django-oauth-toolkit (``tests/oidc_provider``) started in its own process by
these tests, with a real RSA-signed ID token, token endpoint, JWKS and
userinfo. The directory's ``employee_no`` claim maps to an active employee;
nobody is created, unknown and inactive staff are refused."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.auth import SESSION_KEY
from django.test import Client

from lms.models import User
from tests.factories import EmployeeFactory
from tests.lms.test_attempts import _unit

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
CLIENT_ID, SECRET = "rollout", "rollout-secret"
CALLBACK = "http://testserver/oidc/callback/"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    """The provider's base URL, serving until the module's tests end."""
    folder = tmp_path_factory.mktemp("oidc-provider")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    (folder / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.oidc_provider.settings",
        "OIDC_PROVIDER_DIR": str(folder),
        "PYTHONPATH": str(ROOT),
    }
    env.pop("DATABASE_URL", None)
    python = [sys.executable]
    subprocess.run(
        [*python, "-m", "django", "migrate", "-v", "0"], env=env, check=True, cwd=ROOT
    )
    subprocess.run(
        [
            *python,
            "-m",
            "tests.oidc_provider.setup",
            CLIENT_ID,
            SECRET,
            CALLBACK,
            "E100001",
            "E999999",
            "E100002",
        ],
        env=env,
        check=True,
        cwd=ROOT,
    )
    port = _free_port()
    server = subprocess.Popen(
        [*python, "-m", "django", "runserver", f"127.0.0.1:{port}", "--noreload"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                requests.get(f"{base}/o/.well-known/jwks.json", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def sso(settings, provider):
    settings.SSO_ENABLED = True
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = SECRET
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{provider}/o/authorize/"
    settings.OIDC_OP_TOKEN_ENDPOINT = f"{provider}/o/token/"
    settings.OIDC_OP_USER_ENDPOINT = f"{provider}/o/userinfo/"
    settings.OIDC_OP_JWKS_ENDPOINT = f"{provider}/o/.well-known/jwks.json"
    settings.AUTHENTICATION_BACKENDS = [
        "lms.auth.EmployeeBackend",
        "lms.oidc.EmployeeOIDCBackend",
    ]
    return provider


def through_the_directory(client: Client, username: str):
    """Sign in at the provider as ``username`` (a real browser's steps, with
    requests), and bring its answer back to this site's callback."""
    start = client.get("/oidc/authenticate/")
    assert start.status_code == 302
    browser = requests.Session()
    page = browser.get(start["Location"], timeout=10)  # to the provider's sign-in
    assert urlsplit(page.url).path == "/accounts/login/"
    answer = browser.post(
        page.url,  # its ?next= leads back to the authorization
        data={
            "username": username,
            "password": "directory-pass",
            "csrfmiddlewaretoken": browser.cookies["csrftoken"],
        },
        headers={"Referer": page.url},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 302, answer.text[:500]
    authorize = browser.get(
        requests.compat.urljoin(page.url, answer.headers["Location"]),
        allow_redirects=False,
        timeout=10,
    )
    assert authorize.status_code == 302, authorize.text[:500]
    back = authorize.headers["Location"]
    assert back.startswith(CALLBACK), back
    return client.get(back.removeprefix("http://testserver"))


def test_the_directory_signs_an_employee_in(sso):
    employee = EmployeeFactory(unit=_unit(), employee_no="E100001")
    client = Client()

    answer = through_the_directory(client, "E100001")

    assert answer.status_code == 302
    assert answer["Location"] == "/my/"
    assert client.session[SESSION_KEY] == str(employee.user_id)
    assert client.get("/my/").status_code == 200


def test_an_employee_number_the_hr_feed_does_not_know_is_refused(sso):
    before = User.objects.count()
    client = Client()

    answer = through_the_directory(client, "E999999")

    assert answer.status_code == 302
    assert answer["Location"] == "/accounts/sso/refused/"
    assert SESSION_KEY not in client.session
    assert User.objects.count() == before  # nobody created
    page = client.get(answer["Location"])
    assert page.status_code == 403
    assert "not linked to an active employee" in page.content.decode()


def test_an_inactive_employee_is_refused(sso):
    EmployeeFactory(unit=_unit(), employee_no="E100002", is_active=False)
    client = Client()

    answer = through_the_directory(client, "E100002")

    assert answer["Location"] == "/accounts/sso/refused/"
    assert SESSION_KEY not in client.session


def test_the_sign_in_page_offers_the_directory_and_may_offer_it_alone(
    sso, settings, client
):
    settings.OIDC_LABEL = "集团统一身份认证"
    page = client.get("/accounts/login/").content.decode()
    assert "/oidc/authenticate/" in page and 'name="password"' in page
    settings.SSO_ONLY = True
    only = client.get("/accounts/login/").content.decode()
    assert "集团统一身份认证" in only and 'name="password"' not in only
    assert client.post("/accounts/login/", {"username": "x"}).status_code == 405


def test_without_configuration_there_is_no_single_sign_on(client):
    assert client.get("/oidc/authenticate/").status_code == 404
    assert client.get("/oidc/callback/").status_code == 404
    assert "/oidc/" not in client.get("/accounts/login/").content.decode()
