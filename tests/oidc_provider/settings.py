"""Settings of the test provider (``tests/oidc_provider``), run as its own
Django project beside the tests: ``DJANGO_SETTINGS_MODULE`` names this module
in its process only. ``OIDC_PROVIDER_DIR`` holds its database and RSA key."""

import os
from pathlib import Path

HERE = Path(os.environ["OIDC_PROVIDER_DIR"])
SECRET_KEY = "test-provider-only"
DEBUG = True
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "oauth2_provider",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "tests.oidc_provider.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [Path(__file__).parent / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
            ]
        },
    }
]
DATABASES = {
    "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": HERE / "provider.db"}
}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
USE_TZ = True
LOGIN_URL = "/accounts/login/"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_RSA_PRIVATE_KEY": (HERE / "key.pem").read_text()
    if (HERE / "key.pem").exists()
    else "",
    "SCOPES": {"openid": "OpenID Connect"},
    "PKCE_REQUIRED": False,
    "OAUTH2_VALIDATOR_CLASS": "tests.oidc_provider.validator.EmployeeClaimValidator",
}
