from django.urls import path

from lms.views import account

urlpatterns = [
    path("", account.my_account, name="my_account"),
]
