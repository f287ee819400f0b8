from django.urls import path

from lms.views import account, certificates, quiz, training

urlpatterns = [
    path("", training.my_training, name="my_training"),
    path("account/", account.my_account, name="my_account"),
    path("account/password/", account.MyPasswordView.as_view(), name="my_password"),
    path("account/language/", account.my_language, name="my_language"),
    path("certificates/", certificates.my_certificates, name="my_certificates"),
    path(
        "certificates/<str:serial>/pdf/",
        certificates.my_certificate_pdf,
        name="my_certificate_pdf",
    ),
    path("modules/<int:page_id>/done/", training.module_done, name="module_done"),
    path("quiz/<int:policy_id>/start/", quiz.quiz_start, name="quiz_start"),
    path("attempts/<int:pk>/", quiz.quiz_attempt, name="quiz_attempt"),
    path("attempts/<int:pk>/save/", quiz.quiz_attempt_save, name="quiz_attempt_save"),
    path(
        "attempts/<int:pk>/submit/",
        quiz.quiz_attempt_submit,
        name="quiz_attempt_submit",
    ),
]
