from django.conf import settings
from django.contrib.auth import views as auth_views
from django.templatetags.static import static as static_url
from django.urls import include, path
from django.utils.functional import lazy
from django.views.generic import RedirectView
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from config.api import api, docs_view
from lms.forms import EmployeeNumberLoginForm
from lms.views import launches

urlpatterns = [
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

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns += [path("", include(wagtail_urls))]
