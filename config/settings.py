"""Settings for Rollout Academy, driven by the environment with safe defaults.

- ``DATABASE_URL``: unset means SQLite in ``var/db.sqlite3``; a ``postgres://`` URL
  for production.
- ``REDIS_URL``: when set, Redis is the django-q2 broker and the cache; otherwise
  the database-backed broker and a file cache (the embedded defaults).
- ``DJANGO_SECRET_KEY``, ``DJANGO_DEBUG``, ``DJANGO_ALLOWED_HOSTS``,
  ``DJANGO_SITE_URL`` (the public address printed in certificate QR codes),
  ``DJANGO_HTTPS`` (secure cookies, HSTS and the HTTPS redirect; on unless DEBUG).
"""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("DJANGO_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item]


DEBUG = env_bool("DJANGO_DEBUG", default=False)

# A fixed key for development only; the ``deploy`` system check refuses it.
DEV_SECRET_KEY = "django-insecure-rollout-academy-development-key-do-not-deploy"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or DEV_SECRET_KEY

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
SITE_URL = os.environ.get("DJANGO_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", SITE_URL)

INSTALLED_APPS = [
    "lms",
    "cms",
    "certificates",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "django_q",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.security.ContentSecurityPolicyMiddleware",
    "config.security.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "lms.middleware.TwoFactorMiddleware",
    "config.security.PrivateCacheMiddleware",
    "config.security.SpreadsheetSafeCsvMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "60")),
        # A reused connection is checked (SELECT 1) before a request's first
        # query; turn off behind a pooler that checks its connections itself.
        conn_health_checks=os.environ.get("DJANGO_CONN_HEALTH_CHECKS", "1") == "1",
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while the task worker writes; IMMEDIATE
    # transactions take the write lock up front instead of failing half-way.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 60,
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
    "DJANGO_DB_PREPARED_STATEMENTS", True
):
    # The few hand-written statements of every request (lms.sql.planned_cursor)
    # are prepared on the server, once per connection. The ORM's queries keep
    # Django's client-side binding, which never prepares whatever this says.
    # Off (0) behind a pooler in transaction mode without prepared-statement
    # support (PgBouncer before 1.21, or without max_prepared_statements).
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 5
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Tasks and cache ----------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
# Cached rows name database ids (a quiz revision's questions, an import's
# progress): one prefix per database, so that two databases sharing a cache
# (two deployments on one Redis, a benchmark beside the demo) never read each
# other's entries or tasks.
CACHE_PREFIX = os.environ.get(
    "DJANGO_CACHE_PREFIX", "rollout:" + str(DATABASES["default"].get("NAME", ""))
)
Q_CLUSTER = {
    "name": "rollout",
    "workers": int(os.environ.get("Q_WORKERS", "2")),
    "timeout": 3600,
    "retry": 3700,
    "max_attempts": 1,
    "catch_up": False,
    "label": _("Task queue"),
}
# An HR import's check or apply is stopped after this many seconds (500,000
# staff take about a minute, docs/benchmarks.md): one hostile or huge file
# cannot hold a worker for long.
LMS_IMPORT_TASK_TIMEOUT = int(os.environ.get("LMS_IMPORT_TASK_TIMEOUT", "900"))
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
    Q_CLUSTER["name"] = CACHE_PREFIX
    # Sessions read from Redis, written through to the database.
    SESSION_ENGINE = "lms.sessions.cached_db"
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CACHE_PREFIX,
        }
    }
else:
    Q_CLUSTER["orm"] = "default"
    # Django's database sessions, read with one hand-written SELECT.
    SESSION_ENGINE = "lms.sessions.db"
    # A file cache is shared by the web server and the task worker (progress
    # of long imports), unlike the per-process memory cache.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
            "KEY_PREFIX": CACHE_PREFIX,
        }
    }

# --- Authentication -----------------------------------------------------------
AUTH_USER_MODEL = "lms.User"
# Django's ModelBackend, loading the employee record with the user (one query).
AUTHENTICATION_BACKENDS = ["lms.auth.EmployeeBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "my_training"
LOGOUT_REDIRECT_URL = "/"
# Failed sign-ins (lms.services.signin): an employee number is locked after
# this many within the lockout period, a client address after more (a business
# hall signs its whole staff in behind one address); the lock lasts as long.
SIGNIN_ACCOUNT_FAILURES = int(os.environ.get("DJANGO_SIGNIN_ACCOUNT_FAILURES", "5"))
SIGNIN_ADDRESS_FAILURES = int(os.environ.get("DJANGO_SIGNIN_ADDRESS_FAILURES", "50"))
SIGNIN_LOCKOUT_SECONDS = int(os.environ.get("DJANGO_SIGNIN_LOCKOUT_SECONDS", "900"))
# Single sign-on through the company's OpenID Connect directory (lms.oidc):
# on when the client id and the provider's endpoints are given. The claim
# named by DJANGO_OIDC_EMPLOYEE_CLAIM must hold the employee number.
OIDC_RP_CLIENT_ID = os.environ.get("DJANGO_OIDC_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = os.environ.get("DJANGO_OIDC_CLIENT_SECRET", "")
OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ.get("DJANGO_OIDC_AUTHORIZATION_URL", "")
OIDC_OP_TOKEN_ENDPOINT = os.environ.get("DJANGO_OIDC_TOKEN_URL", "")
OIDC_OP_USER_ENDPOINT = os.environ.get("DJANGO_OIDC_USERINFO_URL", "")
OIDC_OP_JWKS_ENDPOINT = os.environ.get("DJANGO_OIDC_JWKS_URL", "")
OIDC_RP_SIGN_ALGO = os.environ.get("DJANGO_OIDC_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = os.environ.get("DJANGO_OIDC_SCOPES", "openid")
OIDC_EMPLOYEE_CLAIM = os.environ.get("DJANGO_OIDC_EMPLOYEE_CLAIM", "employee_no")
# The sign-in button's words, e.g. "集团统一身份认证".
OIDC_LABEL = os.environ.get("DJANGO_OIDC_LABEL", "")
OIDC_CREATE_USER = False
LOGIN_REDIRECT_URL_FAILURE = "/accounts/sso/refused/"
SSO_ENABLED = bool(
    OIDC_RP_CLIENT_ID and OIDC_OP_AUTHORIZATION_ENDPOINT and OIDC_OP_TOKEN_ENDPOINT
)
# With single sign-on, the site's sign-in page may offer it alone (the
# administration keeps its password form for accounts outside the HR feed).
SSO_ONLY = SSO_ENABLED and env_bool("DJANGO_SSO_ONLY")
if SSO_ENABLED:
    AUTHENTICATION_BACKENDS = [*AUTHENTICATION_BACKENDS, "lms.oidc.EmployeeOIDCBackend"]
# Sign-in with the company directory's password: LDAP or Active Directory
# (lms.ldap_auth), on when DJANGO_LDAP_SERVER_URI is set; needs the optional
# extra: pip install -e ".[ldap]". A service account searches
# DJANGO_LDAP_USER_BASE with DJANGO_LDAP_USER_FILTER (%(user)s is what the
# person typed, escaped); the entry's DJANGO_LDAP_EMPLOYEE_ATTR holds the
# employee number.
LDAP_SERVER_URI = os.environ.get("DJANGO_LDAP_SERVER_URI", "")
LDAP_BIND_DN = os.environ.get("DJANGO_LDAP_BIND_DN", "")
LDAP_BIND_PASSWORD = os.environ.get("DJANGO_LDAP_BIND_PASSWORD", "")
LDAP_USER_BASE = os.environ.get("DJANGO_LDAP_USER_BASE", "")
LDAP_USER_FILTER = os.environ.get(
    "DJANGO_LDAP_USER_FILTER", "(employeeNumber=%(user)s)"
)
LDAP_EMPLOYEE_ATTR = os.environ.get("DJANGO_LDAP_EMPLOYEE_ATTR", "employeeNumber")
LDAP_START_TLS = env_bool("DJANGO_LDAP_START_TLS")
LDAP_TIMEOUT = int(os.environ.get("DJANGO_LDAP_TIMEOUT", "5"))  # seconds
LDAP_ENABLED = bool(LDAP_SERVER_URI)
if LDAP_ENABLED:
    AUTHENTICATION_BACKENDS = [
        *AUTHENTICATION_BACKENDS,
        "lms.ldap_auth.EmployeeLDAPBackend",
    ]
# Two-factor sign-in to the administration (lms.services.two_factor): "off",
# "optional" (whoever set up an authenticator app is asked for its code) or
# "required" (these roles and superusers must set one up; production).
TWO_FACTOR = os.environ.get("DJANGO_TWO_FACTOR", "optional").strip().lower()
TWO_FACTOR_ROLES = ["Administrators", "Approvers", "Launch officers"]
OTP_TOTP_ISSUER = "Rollout Academy"
# Password reset e-mails asked for one account, and reset requests from one
# client address, per hour (beyond them nothing more is sent).
PASSWORD_RESET_ACCOUNT_MAILS = 3
PASSWORD_RESET_ADDRESS_REQUESTS = 20
PASSWORD_RESET_TIMEOUT = 60 * 60 * 2  # a reset link is valid for two hours
# Activation of staff imported without a password (lms.services.activation):
# days a link or printed code stays valid; e-mails sent per task turn; people
# on one printed sheet at most.
ACTIVATION_DAYS = int(os.environ.get("DJANGO_ACTIVATION_DAYS", "14"))
ACTIVATION_TURN = 500
ACTIVATION_SHEET_MAX = 2000
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation."
        "UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Languages ----------------------------------------------------------------
# The browser chooses (Accept-Language, then the switcher); English is the fallback.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Asia/Shanghai"
# English times on the 24-hour clock, like the Chinese pages (config/formats).
FORMAT_MODULE_PATH = ["config.formats"]

# --- Static and media files ---------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "media"))
# /media/ is for signed-in staff (cms.views.media_serve); a web server in front
# may send the files once Django allowed them (nginx: X-Accel-Redirect).
MEDIA_ACCEL_REDIRECT = os.environ.get("DJANGO_MEDIA_ACCEL_REDIRECT", "")
# Uploaded HR feeds hold personal data: kept outside MEDIA_ROOT, never served.
PRIVATE_ROOT = VAR_DIR / "private"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(PRIVATE_ROOT), "base_url": None},
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000
# What one session may hold (lms.sessions): a sign-in and a few messages need
# a few hundred bytes.
SESSION_MAX_BYTES = 64 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- Security -----------------------------------------------------------------
HTTPS = env_bool("DJANGO_HTTPS", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"  # Wagtail's preview sets SAMEORIGIN on its own views
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# No page of ours asks for these; nothing embedded in one may either.
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=(), fullscreen=(self)"
)
# Content-Security-Policy (django-csp; config/security.py; docs/decisions.md 16).
# The site runs no inline script or style: its own origin only, and a nonce for
# a template that must inline a script ({{ request.csp_nonce }}). Embedded media
# from elsewhere (an intranet video server) is allowed by DJANGO_CSP_MEDIA_ORIGINS.
CSP_MEDIA_ORIGINS = env_list("DJANGO_CSP_MEDIA_ORIGINS", "")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:", *CSP_MEDIA_ORIGINS],
        "media-src": [SELF, *CSP_MEDIA_ORIGINS],
        "frame-src": [SELF, *CSP_MEDIA_ORIGINS],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# The Wagtail admin (under CSP_ADMIN_PREFIX) replaces these directives of the
# site's: its panels and date pickers still render inline scripts (Wagtail
# puts no nonce on them, so none may be listed here: a nonce turns
# 'unsafe-inline' off), its widgets set inline styles, image uploads preview
# through blob: URLs, and it frames its own page preview.
CSP_ADMIN_PREFIX = "/admin/"
CSP_ADMIN_DIRECTIVES = {
    "script-src": [SELF, UNSAFE_INLINE],
    "style-src": [SELF, UNSAFE_INLINE],
    "img-src": [SELF, "data:", "blob:", *CSP_MEDIA_ORIGINS],
    "media-src": [SELF, "blob:", *CSP_MEDIA_ORIGINS],
    "frame-ancestors": [SELF],
}
if HTTPS:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# --- Email ----------------------------------------------------------------------
# Review notifications (and later reminders). Without DJANGO_EMAIL_HOST, mail is
# printed to the console (development); production names its SMTP server.
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("DJANGO_EMAIL_PORT", "587" if EMAIL_HOST else "25"))
EMAIL_HOST_USER = os.environ.get("DJANGO_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DJANGO_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_TLS", default=bool(EMAIL_HOST))
EMAIL_TIMEOUT = 10
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get(
    "DJANGO_DEFAULT_FROM_EMAIL", "Rollout Academy <noreply@rollout.invalid>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # A mail server that cannot be reached is one line, not a traceback.
    "filters": {
        "one_line_mail_errors": {"()": "lms.logs.OneLineMailErrors"},
        # An autosave of a form not valid yet is no failing request.
        "quiet_autosave": {"()": "lms.logs.QuietAutosave"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["one_line_mail_errors"],
        }
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "lms": {"level": os.environ.get("LMS_LOG_LEVEL", "INFO")},
        "django_q": {"level": "INFO"},
        "django.request": {"filters": ["quiet_autosave"]},
        "django.server": {"filters": ["quiet_autosave"]},
    },
}

# --- Wagtail ------------------------------------------------------------------
WAGTAIL_SITE_NAME = "Rollout Academy"
WAGTAILADMIN_BASE_URL = SITE_URL
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "mp4", "pdf", "pptx", "txt", "xlsx", "zip"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 20 * 1024 * 1024
# Documents are always served through Wagtail's view, which checks who asks
# (cms.wagtail_hooks), never by a direct or redirected storage URL.
WAGTAILDOCS_SERVE_METHOD = "serve_view"
WAGTAIL_ENABLE_UPDATE_CHECK = False
# No third-party avatar requests (staff privacy; closed networks).
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAILADMIN_USER_LOGIN_FORM = "lms.forms.EmployeeNumberLoginForm"

# --- Certificates ---------------------------------------------------------------
# A font with Chinese glyphs, embedded (as a subset) in every certificate PDF;
# Debian's fonts-wqy-microhei by default. Missing: reportlab's built-in CID font
# (not embedded) and a system check warning (certificates.W001).
CERTIFICATE_FONT = os.environ.get(
    "DJANGO_CERTIFICATE_FONT", "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
)
CERTIFICATE_ISSUER = os.environ.get("DJANGO_CERTIFICATE_ISSUER", "Rollout Academy")
# PDFs are signed (PAdES) with this PEM key and X.509 certificate when both
# exist; `seed_demo` makes a self-signed pair at these default paths.
CERTIFICATE_SIGNING_KEY = os.environ.get(
    "DJANGO_CERTIFICATE_SIGNING_KEY", str(VAR_DIR / "signing" / "certificate-key.pem")
)
CERTIFICATE_SIGNING_CERT = os.environ.get(
    "DJANGO_CERTIFICATE_SIGNING_CERT", str(VAR_DIR / "signing" / "certificate.pem")
)
CERTIFICATE_SIGNING_PASSPHRASE = os.environ.get(
    "DJANGO_CERTIFICATE_SIGNING_PASSPHRASE", ""
)
# Which certificates count, as a Q over Certificate rows at a moment: the rule
# of the organisation-aware app (a policy's later versions may require renewal).
CERTIFICATE_ACCEPTED = "lms.selectors.certificates.certificate_accepted"
# Verification misses (unknown or mistyped serials) allowed per client address
# in VERIFY_WINDOW seconds, against enumeration.
CERTIFICATE_VERIFY_MISSES = int(
    os.environ.get("DJANGO_CERTIFICATE_VERIFY_MISSES", "20")
)
CERTIFICATE_VERIFY_WINDOW = 600
# Reverse proxies in front of the app that append the client's address to
# X-Forwarded-For (a TLS terminator: 1). 0: REMOTE_ADDR is the client's.
NUM_PROXIES = int(os.environ.get("DJANGO_NUM_PROXIES", "0"))
# Days a bulk certificate export (ZIP) is kept for download.
CERTIFICATE_EXPORT_DAYS = int(os.environ.get("DJANGO_CERTIFICATE_EXPORT_DAYS", "7"))
