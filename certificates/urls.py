from django.urls import path

from certificates import views

urlpatterns = [
    path("verify/", views.certificate_verify_form, name="certificate_verify_form"),
    path("verify/<str:serial>/", views.certificate_verify, name="certificate_verify"),
]
