from django.urls import path

from lms import views

urlpatterns = [
    path("", views.my_account, name="my_account"),
]
