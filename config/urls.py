from django.conf import settings
from django.contrib.auth import views as auth_views
from django.templatetags.static import static as static_url
from django.urls import include, path
from django.utils.functional import lazy
from django.views.generic import RedirectView
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from cms.views import media_serve
from config.api import api, docs_view
from lms.admin.account import AdminLogoutView
from lms.forms import EmployeeNumberLoginForm
from lms.views import launches

urlpatterns = [
    # Ahead of Wagtail's own pattern for the same address.
    path("admin/logout/", AdminLogoutView.as_view(), name="admin_logout"),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            authentication_form=EmployeeNumberLoginForm,
            redirect_authenticated_user=True,
        ),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
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
