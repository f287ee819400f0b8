"""Signing in and out (``lms.services.signin``, ``lms.views.signin``): failed
sign-ins locked per account and per address, the wait said, unlocked by an
administrator; sessions rotated, ended by POST only or all at once;
``?next=`` kept on this site."""

from __future__ import annotations

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

from lms.auth import user_with_employee
from lms.models import ScopedLogEntry
from lms.roles import ADMINISTRATOR, MANAGER
from lms.services import signin
from tests.factories import EmployeeFactory, UserFactory
from tests.lms.test_attempts import _unit

pytestmark = pytest.mark.django_db

PASSWORD = "s3cret-pass"
LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"


@pytest.fixture
def employee():
    return EmployeeFactory(unit=_unit(), employee_no="E100001")


def sign_in(client: Client, username: str, password: str, *, url=LOGIN, **extra):
    return client.post(url, {"username": username, "password": password}, **extra)


def fail(client: Client, username: str, times: int, **extra) -> None:
    for _ in range(times):
        response = sign_in(client, username, "wrong-password", **extra)
        assert response.status_code in (200, 429)


def test_a_correct_password_signs_in_and_rotates_the_session_key(client, employee):
    client.get(LOGIN)
    client.session.save()
    before = client.session.session_key

    response = sign_in(client, "E100001", PASSWORD)

    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(employee.user_id)
    assert client.session.session_key != before


def test_an_account_is_locked_after_five_failures_and_says_how_long(
    client, employee, settings
):
    settings.SIGNIN_ACCOUNT_FAILURES = 5
    fail(client, "E100001", 4)
    response = sign_in(client, "E100001", "wrong-password")

    assert response.status_code == 429
    assert "Try again in 15 minutes" in response.content.decode()

    # The right password is refused too while the lock lasts: it is not even
    # checked, and nothing signs in.
    response = sign_in(client, "E100001", PASSWORD)
    assert response.status_code == 429
    assert "Too many failed sign-ins with this employee number" in (
        response.content.decode()
    )
    assert SESSION_KEY not in client.session


def test_the_lock_ends_by_itself_after_the_lockout_period(
    client, employee, settings, clock
):
    settings.SIGNIN_ACCOUNT_FAILURES = 3
    fail(client, "E100001", 3)
    clock.advance(minutes=10)
    response = sign_in(client, "E100001", PASSWORD)
    assert response.status_code == 429
    assert "Try again in 5 minutes" in response.content.decode()

    clock.advance(minutes=5, seconds=1)
    assert sign_in(client, "E100001", PASSWORD).status_code == 302


def test_an_unknown_employee_number_is_locked_like_a_real_one(client, settings):
    """A lock says nothing about whether the account exists."""
    settings.SIGNIN_ACCOUNT_FAILURES = 3
    fail(client, "E999999", 3)

    response = sign_in(client, "E999999", "whatever")

    assert response.status_code == 429
    assert "Too many failed sign-ins with this employee number" in (
        response.content.decode()
    )


def test_a_success_forgets_the_account_s_failures(client, employee, settings):
    settings.SIGNIN_ACCOUNT_FAILURES = 3
    fail(client, "E100001", 2)
    assert sign_in(client, "E100001", PASSWORD).status_code == 302
    client.post("/accounts/logout/")

    fail(client, "E100001", 2)
    assert sign_in(client, "E100001", PASSWORD).status_code == 302


def test_one_address_trying_many_accounts_is_locked(client, employee, settings):
    settings.SIGNIN_ACCOUNT_FAILURES = 5
    settings.SIGNIN_ADDRESS_FAILURES = 6
    for number in range(6):
        sign_in(client, f"E20000{number}", "123456", REMOTE_ADDR="203.0.113.9")

    # Even a real account with its right password, from that address ...
    response = sign_in(client, "E100001", PASSWORD, REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 429
    assert "Too many failed sign-ins from this network" in response.content.decode()
    # ... but not from another one.
    other = Client()
    assert sign_in(other, "E100001", PASSWORD, REMOTE_ADDR="198.51.100.4").status_code
    assert SESSION_KEY in other.session


def test_behind_a_proxy_the_client_address_is_counted(client, employee, settings):
    settings.NUM_PROXIES = 1
    settings.SIGNIN_ADDRESS_FAILURES = 3
    for number in range(3):
        sign_in(
            client,
            f"E30000{number}",
            "123456",
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR="203.0.113.9",
        )

    elsewhere = sign_in(
        client,
        "E100001",
        PASSWORD,
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="198.51.100.4",
    )
    assert elsewhere.status_code == 302


def test_the_admin_sign_in_is_limited_the_same_way(client, settings):
    settings.SIGNIN_ACCOUNT_FAILURES = 3
    UserFactory(username="admin1", roles=[ADMINISTRATOR])
    fail(client, "admin1", 3, url=ADMIN_LOGIN)

    response = sign_in(client, "admin1", PASSWORD, url=ADMIN_LOGIN)

    assert response.status_code == 429
    assert "Try again in 15 minutes" in response.content.decode()


def test_the_lock_message_is_in_chinese_on_a_chinese_page(client, employee, settings):
    settings.SIGNIN_ACCOUNT_FAILURES = 2
    fail(client, "E100001", 2, HTTP_ACCEPT_LANGUAGE="zh-hans")

    response = sign_in(client, "E100001", PASSWORD, HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert response.status_code == 429
    assert "15 分钟后再试" in response.content.decode()


def _administrator() -> Client:
    admin = UserFactory(username="admin1", roles=[ADMINISTRATOR])
    client = Client()
    client.force_login(admin)
    return client


def test_an_administrator_sees_the_lock_and_unlocks_it(employee, settings):
    settings.SIGNIN_ACCOUNT_FAILURES = 3
    visitor = Client()
    fail(visitor, "E100001", 3)
    admin = _administrator()
    url = reverse("lms_employees:signin", args=[employee.pk])

    page = admin.get(url).content.decode()
    assert "Locked until" in page
    assert "3 failed sign-ins" in page

    response = admin.post(url, {"action": "unlock"}, follow=True)
    assert "Sign-in is unlocked." in response.content.decode()
    assert "No failed sign-ins lately" in response.content.decode()
    assert sign_in(visitor, "E100001", PASSWORD).status_code == 302
    # The log names who unlocked it, on the employee (scoped like the unit).
    entry = ScopedLogEntry.objects.get(action="lms.signin_unlock")
    assert entry.user.username == "admin1"
    assert entry.object_id == str(employee.pk)


def test_ending_every_session_signs_the_person_out_everywhere(employee):
    phone, laptop = Client(), Client()
    for browser in (phone, laptop):
        assert sign_in(browser, "E100001", PASSWORD).status_code == 302
        assert browser.get("/my/").status_code == 200
    admin = _administrator()

    response = admin.post(
        reverse("lms_employees:signin", args=[employee.pk]),
        {"action": "end_sessions"},
        follow=True,
    )

    assert "is signed out of every browser and device" in response.content.decode()
    for browser in (phone, laptop):
        answer = browser.get("/my/")
        assert answer.status_code == 302
        assert answer["Location"].startswith(LOGIN)
    # The password still works: the person signs in again.
    assert sign_in(phone, "E100001", PASSWORD).status_code == 302
    assert phone.get("/my/").status_code == 200


def test_the_hand_written_user_read_carries_the_epoch(employee):
    """The quiz's and the backend's own user reads (``lms.auth``) see the
    raised epoch, so their sessions end as well."""
    old_hash = user_with_employee(employee.user_id).get_session_auth_hash()
    signin.user_sessions_end(user=employee.user, by=employee.user)

    assert user_with_employee(employee.user_id).get_session_auth_hash() != old_hash


def test_the_sign_in_page_is_for_administrators_only(employee):
    manager = Client()
    manager.force_login(UserFactory(roles=[MANAGER]))
    url = reverse("lms_employees:signin", args=[employee.pk])

    assert manager.get(url).status_code in (302, 403)
    assert manager.post(url, {"action": "end_sessions"}).status_code in (302, 403)


def test_sign_out_asks_on_get_and_signs_out_on_post_only(client, employee):
    client.force_login(employee.user)

    page = client.get("/accounts/logout/")
    assert page.status_code == 200
    assert "Log out of this browser?" in page.content.decode()
    assert SESSION_KEY in client.session

    assert client.post("/accounts/logout/").status_code == 302
    assert SESSION_KEY not in client.session


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/phish",
        "//evil.example/phish",
        "/\\evil.example/phish",
        "javascript:alert(1)",
        "http://testserver@evil.example/",
    ],
)
@pytest.mark.parametrize("url", [LOGIN, ADMIN_LOGIN])
def test_next_never_leads_off_the_site(client, url, target):
    UserFactory(username="admin1", roles=[ADMINISTRATOR])

    response = client.post(
        f"{url}?next={target}",
        {"username": "admin1", "password": PASSWORD, "next": target},
    )

    assert response.status_code == 302
    assert "evil.example" not in response["Location"]
    assert not response["Location"].startswith("javascript")


def test_next_leads_to_a_page_of_this_site(client, employee):
    response = client.post(
        LOGIN,
        {"username": "E100001", "password": PASSWORD, "next": "/my/certificates/"},
    )
    assert response["Location"] == "/my/certificates/"
