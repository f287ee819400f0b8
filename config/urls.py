from django.conf import settings
from django.contrib.auth import views as auth_views
from django.templatetags.static import static as static_url
from django.urls import include, path
from django.utils.functional import lazy
from django.views.generic import RedirectView
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from cms.views import media_serve
from config.api import api, docs_view
from lms.admin.account import AdminLoginView, AdminLogoutView
from lms.views import activation, launches, signin, two_factor

urlpatterns = [
    # Ahead of Wagtail's own pattern for the same address.
    path("admin/login/", AdminLoginView.as_view(), name="admin_login"),
    path("admin/logout/", AdminLogoutView.as_view(), name="admin_logout"),
    # One way back from a forgotten password, by employee number or e-mail.
    path(
        "admin/password_reset/",
        RedirectView.as_view(pattern_name="password_reset"),
    ),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("accounts/login/", signin.SignInView.as_view(), name="login"),
    path("accounts/logout/", signin.SignOutView.as_view(), name="logout"),
    # Single sign-on (lms.oidc), a 404 unless configured.
    path(
        "oidc/authenticate/",
        signin.sso_only(OIDCAuthenticationRequestView.as_view()),
        name="oidc_authentication_init",
    ),
    path(
        "oidc/callback/",
        signin.sso_only(OIDCAuthenticationCallbackView.as_view()),
        name="oidc_authentication_callback",
    ),
    path("accounts/sso/refused/", signin.sso_refused, name="sso_refused"),
    path(
        "accounts/two-factor/", two_factor.two_factor_verify, name="two_factor_verify"
    ),
    path(
        "accounts/two-factor/setup/",
        two_factor.two_factor_setup,
        name="two_factor_setup",
    ),
    path("accounts/activate/", activation.activation_code, name="activation"),
    path(
        "accounts/activate/password/",
        activation.activation_password,
        name="activation_password",
    ),
    path(
        "accounts/activate/<str:token>/",
        activation.activation_link,
        name="activation_link",
    ),
    path(
        "accounts/password/reset/",
        signin.PasswordResetView.as_view(),
        name="password_reset",
    ),
    path(
        "accounts/password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(
            extra_context={"reset_hours": settings.PASSWORD_RESET_TIMEOUT // 3600}
        ),
        name="password_reset_done",
    ),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        signin.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("i18n/", include("django.conf.urls.i18n")),
    path("my/", include("lms.urls")),
    path("certificates/", include("certificates.urls")),
    path("launches/<str:reference>/", launches.launch_confirm, name="launch_confirm"),
    path("api/v1/docs", docs_view, name="api_docs"),
    path("api/v1/", api.urls),
    # Pages name the icon; this answers clients that ask for the old address.
    path(
        "favicon.ico",
        RedirectView.as_view(url=lazy(static_url, str)("favicon.svg"), permanent=True),
    ),
]

urlpatterns += [
    path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", media_serve, name="media"),
    path("", include(wagtail_urls)),
]
