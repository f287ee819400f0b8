"""A forgotten password (``lms.services.password_reset``): by employee number
or e-mail, the same answer whether or not an account exists, an e-mail in the
account's language with a one-time link, limits per account and address."""

from __future__ import annotations

import datetime
import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.test import Client
from wagtail.users.models import UserProfile

from lms.models import ScopedLogEntry
from lms.services import password_reset
from tests.factories import EmployeeFactory
from tests.lms.test_attempts import _unit

pytestmark = pytest.mark.django_db

RESET = "/accounts/password/reset/"
NEW_PASSWORD = "Kx7-quiet-harbour"


@pytest.fixture
def employee():
    employee = EmployeeFactory(
        unit=_unit(), employee_no="E100001", email="zhang@example.cn"
    )
    employee.user.email = "zhang@example.cn"
    employee.user.save(update_fields=["email"])
    return employee


@pytest.fixture
def ask(client, django_capture_on_commit_callbacks):
    def ask(login: str, **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(RESET, {"login": login}, **extra)

    return ask


def link_in(message) -> str:
    return re.search(r"https?://\S+/accounts/password/reset/\S+/", message.body)[0]


def test_the_employee_number_gets_a_link_that_sets_a_new_password(
    ask, employee, mailoutbox, settings
):
    settings.SITE_URL = "https://academy.example.cn"
    response = ask("E100001")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/sent/"
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["zhang@example.cn"]
    assert "E100001" in message.body
    link = link_in(message)
    assert link.startswith("https://academy.example.cn/accounts/password/reset/")
    assert link in message.alternatives[0][0]

    browser = Client()
    form = browser.get(link.removeprefix(settings.SITE_URL), follow=True)
    assert "Choose a new password" in form.content.decode()
    saved = browser.post(
        form.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert saved.status_code == 302
    assert saved["Location"] == "/accounts/password/reset/done/"

    signed_in = browser.post(
        "/accounts/login/", {"username": "E100001", "password": NEW_PASSWORD}
    )
    assert signed_in.status_code == 302
    assert SESSION_KEY in browser.session
    assert ScopedLogEntry.objects.filter(action="lms.password_reset").count() == 1


def test_a_link_works_once(ask, employee, mailoutbox, settings):
    ask("E100001")
    path = link_in(mailoutbox[0]).removeprefix(settings.SITE_URL)
    browser = Client()
    form = browser.get(path, follow=True)
    browser.post(
        form.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    again = Client().get(path, follow=True)

    assert "This link does not work any more" in again.content.decode()


def test_a_link_expires(ask, employee, mailoutbox, settings, monkeypatch):
    ask("E100001")
    path = link_in(mailoutbox[0]).removeprefix(settings.SITE_URL)

    # Django's tokens read the wall clock (datetime.now), not timezone.now.
    later = datetime.datetime.now() + datetime.timedelta(hours=2, minutes=1)  # noqa: DTZ005
    monkeypatch.setattr(PasswordResetTokenGenerator, "_now", lambda self: later)
    page = Client().get(path, follow=True)

    assert "This link does not work any more" in page.content.decode()


def test_a_weak_password_is_refused_with_the_validators_reasons(
    ask, employee, mailoutbox, settings
):
    ask("E100001")
    browser = Client()
    form = browser.get(
        link_in(mailoutbox[0]).removeprefix(settings.SITE_URL), follow=True
    )

    refused = browser.post(
        form.redirect_chain[-1][0],
        {"new_password1": "12345678", "new_password2": "12345678"},
    )

    assert refused.status_code == 200
    assert "This password is too common." in refused.content.decode()


def test_the_email_address_works_too(ask, employee, mailoutbox):
    ask("ZHANG@example.cn")
    assert [m.to for m in mailoutbox] == [["zhang@example.cn"]]


def test_the_answer_is_the_same_whether_or_not_an_account_exists(
    ask, employee, mailoutbox
):
    known = ask("E100001")
    unknown = ask("E999999")
    nobody = ask("nobody@example.cn")

    assert known.status_code == unknown.status_code == nobody.status_code == 302
    assert known["Location"] == unknown["Location"] == nobody["Location"]
    assert len(mailoutbox) == 1
    page = Client().get(known["Location"]).content.decode()
    assert "If an account matches what you entered" in page


def test_no_link_for_an_inactive_account_or_one_without_a_password(
    ask, employee, mailoutbox
):
    never = EmployeeFactory(unit=_unit(), employee_no="E100002")
    never.user.set_unusable_password()
    never.user.email = "li@example.cn"
    never.user.save()
    employee.user.is_active = False
    employee.user.save()

    ask("E100001")
    ask("E100002")

    assert mailoutbox == []


def test_the_email_is_in_the_account_s_language(ask, employee, mailoutbox):
    profile = UserProfile.get_for_user(employee.user)
    profile.preferred_language = "zh-hans"
    profile.save()

    ask("E100001", HTTP_ACCEPT_LANGUAGE="en")

    assert mailoutbox[0].subject == "服务措施培训平台：设置新密码"
    assert "您好" in mailoutbox[0].body


def test_without_a_preference_the_email_follows_the_page(ask, employee, mailoutbox):
    ask("E100001", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "您好" in mailoutbox[0].body


def test_an_account_gets_at_most_three_emails_an_hour(
    ask, employee, mailoutbox, settings
):
    settings.PASSWORD_RESET_ACCOUNT_MAILS = 3
    answers = [ask("E100001") for _ in range(5)]

    assert {a.status_code for a in answers} == {302}
    assert len(mailoutbox) == 3


def test_one_address_asking_too_often_is_told_to_wait(ask, employee, settings):
    settings.PASSWORD_RESET_ADDRESS_REQUESTS = 3
    for _ in range(3):
        assert ask("E999999").status_code == 302

    response = ask("E100001")

    assert response.status_code == 429
    assert "Too many password reset requests" in response.content.decode()


def test_the_mail_task_sends_once_however_often_it_runs(employee, mailoutbox):
    for _ in range(2):
        password_reset.password_reset_mail(
            user_id=employee.user_id, nonce="n1", language="en"
        )
    assert len(mailoutbox) == 1


def test_a_reset_lifts_the_sign_in_lock(ask, employee, mailoutbox, settings):
    settings.SIGNIN_ACCOUNT_FAILURES = 2
    visitor = Client()
    for _ in range(2):
        visitor.post("/accounts/login/", {"username": "E100001", "password": "x"})
    ask("E100001")
    browser = Client()
    form = browser.get(
        link_in(mailoutbox[0]).removeprefix(settings.SITE_URL), follow=True
    )
    browser.post(
        form.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    answer = visitor.post(
        "/accounts/login/", {"username": "E100001", "password": NEW_PASSWORD}
    )

    assert answer.status_code == 302


def test_the_sign_in_pages_lead_to_the_reset(client):
    assert (
        'href="/accounts/password/reset/"'
        in client.get("/accounts/login/").content.decode()
    )
    admin = client.get("/admin/password_reset/")
    assert admin.status_code == 302
    assert admin["Location"] == RESET
