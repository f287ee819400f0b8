"""Two-factor sign-in to the administration (``lms.services.two_factor``):
set up with an authenticator app, asked once per session, required for some
roles by a setting, wrong codes limited, a lost device removed by an
administrator."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from lms.models import ScopedLogEntry
from lms.roles import ADMINISTRATOR, APPROVER, EMPLOYEE, MANAGER
from lms.services import two_factor
from tests.factories import EmployeeFactory, UserFactory
from tests.lms.test_attempts import _unit

pytestmark = pytest.mark.django_db

PASSWORD = "s3cret-pass"
SETUP = "/accounts/two-factor/setup/"
VERIFY = "/accounts/two-factor/"


def code_of(device: TOTPDevice, *, later: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time += later
    return f"{totp.token():0{device.digits}d}"


def signed_in(username: str) -> Client:
    client = Client()
    response = client.post(
        "/admin/login/", {"username": username, "password": PASSWORD}
    )
    assert response.status_code == 302
    return client


def set_up(client: Client) -> TOTPDevice:
    page = client.get(SETUP)
    assert page.status_code == 200
    device = TOTPDevice.objects.get(confirmed=False)
    done = client.post(SETUP, {"code": code_of(device), "next": "/admin/"})
    assert done.status_code == 302
    device.refresh_from_db()
    return device


def test_setting_up_shows_a_qr_code_and_the_key_then_confirms_with_a_code():
    UserFactory(username="admin1", roles=[ADMINISTRATOR])
    client = signed_in("admin1")

    page = client.get(SETUP).content.decode()
    device = TOTPDevice.objects.get()
    # The QR code of the app's otpauth:// address, drawn inline.
    assert device.config_url.startswith("otpauth://totp/")
    qr = two_factor.qr_svg(
        device.config_url, label="A QR code to scan with the authenticator app"
    )
    assert qr in page
    assert not device.confirmed
    wrong = client.post(SETUP, {"code": "000000"})
    assert wrong.status_code == 400
    assert "This code is not right" in wrong.content.decode()
    # The device's throttling makes the next try wait a second: past it.
    TOTPDevice.objects.update(throttling_failure_timestamp=None)

    done = client.post(SETUP, {"code": code_of(device), "next": "/admin/"})

    assert done.status_code == 302
    assert done["Location"] == "/admin/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/admin/").status_code == 200
    assert ScopedLogEntry.objects.count() == 0  # an account without a unit
    assert TOTPDevice.objects.count() == 1


def test_once_set_up_the_administration_asks_for_the_code_after_the_password():
    UserFactory(username="admin1", roles=[ADMINISTRATOR])
    device = set_up(signed_in("admin1"))
    TOTPDevice.objects.update(last_t=-1)  # the code of that moment is used

    client = signed_in("admin1")
    asked = client.get("/admin/pages/")
    assert asked.status_code == 302
    assert asked["Location"] == f"{VERIFY}?next=%2Fadmin%2Fpages%2F"
    assert client.post(VERIFY, {"code": "123456"}).status_code == 400
    device.refresh_from_db()
    # The device's throttling makes the next try wait a second: past it.
    TOTPDevice.objects.update(throttling_failure_timestamp=None)
    answer = client.post(VERIFY, {"code": code_of(device), "next": "/admin/pages/"})
    assert answer.status_code == 302
    assert answer["Location"] == "/admin/pages/"
    assert client.get("/admin/").status_code == 200


def test_next_after_the_code_stays_on_the_site():
    UserFactory(username="admin1", roles=[ADMINISTRATOR])
    device = set_up(signed_in("admin1"))
    TOTPDevice.objects.update(last_t=-1)
    client = signed_in("admin1")

    answer = client.post(
        VERIFY, {"code": code_of(device), "next": "https://evil.example/"}
    )

    assert answer["Location"] == "/admin/"


def test_optional_mode_does_not_ask_those_who_set_nothing_up(settings):
    settings.TWO_FACTOR = "optional"
    UserFactory(username="approver1", roles=[APPROVER])
    client = signed_in("approver1")
    assert client.get("/admin/").status_code == 200


def test_required_mode_opens_the_administration_only_after_setting_up(settings):
    settings.TWO_FACTOR = "required"
    UserFactory(username="approver1", roles=[APPROVER])
    manager = UserFactory(username="manager1", roles=[MANAGER])
    client = signed_in("approver1")

    asked = client.get("/admin/")
    assert asked.status_code == 302
    assert asked["Location"].startswith(SETUP)
    assert "second factor" in client.get(SETUP).content.decode()
    set_up(client)
    assert client.get("/admin/").status_code == 200
    # A manager's role is not among the required ones.
    assert signed_in(manager.username).get("/admin/").status_code == 200


def test_the_learner_s_pages_never_ask(settings):
    settings.TWO_FACTOR = "required"
    employee = EmployeeFactory(unit=_unit(), employee_no="E100001")
    employee.user.groups.add(*employee.user.groups.model.objects.filter(name=EMPLOYEE))
    client = Client()
    client.post("/accounts/login/", {"username": "E100001", "password": PASSWORD})
    assert client.get("/my/").status_code == 200


def test_wrong_codes_lock_the_account(settings):
    settings.SIGNIN_ACCOUNT_FAILURES = 3
    UserFactory(username="admin1", roles=[ADMINISTRATOR])
    device = set_up(signed_in("admin1"))
    TOTPDevice.objects.update(last_t=-1)
    client = signed_in("admin1")

    for _ in range(2):
        TOTPDevice.objects.update(throttling_failure_timestamp=None)
        assert client.post(VERIFY, {"code": "000000"}).status_code == 400
    TOTPDevice.objects.update(throttling_failure_timestamp=None)
    locked = client.post(VERIFY, {"code": "000000"})
    assert locked.status_code == 429
    TOTPDevice.objects.update(throttling_failure_timestamp=None)
    still = client.post(VERIFY, {"code": code_of(device)})
    assert still.status_code == 429  # even the right code, while locked


def test_off_never_asks(settings):
    UserFactory(username="admin1", roles=[ADMINISTRATOR])
    set_up(signed_in("admin1"))
    settings.TWO_FACTOR = "off"
    assert signed_in("admin1").get("/admin/").status_code == 200


def test_an_administrator_removes_a_lost_device():
    manager = EmployeeFactory(unit=_unit(), employee_no="E200001")
    manager.user.groups.add(
        *manager.user.groups.model.objects.filter(name__in=[MANAGER])
    )
    set_up(signed_in("E200001"))
    admin = Client()
    admin.force_login(UserFactory(username="admin1", roles=[ADMINISTRATOR]))
    url = reverse("lms_employees:signin", args=[manager.pk])
    assert "Remove two-factor device" in admin.get(url).content.decode()

    done = admin.post(url, {"action": "remove_two_factor"}, follow=True)

    assert "The two-factor device is removed" in done.content.decode()
    assert not TOTPDevice.objects.filter(user=manager.user).exists()
    assert ScopedLogEntry.objects.filter(action="lms.two_factor_reset").count() == 1
    assert signed_in("E200001").get("/admin/").status_code == 200  # optional mode


def test_my_account_offers_to_set_it_up_to_administration_users_only():
    UserFactory(username="admin1", roles=[ADMINISTRATOR])
    admin = signed_in("admin1")
    assert SETUP in admin.get("/my/account/").content.decode()
    set_up(admin)
    assert "Two-factor sign-in to the administration is on." in (
        admin.get("/my/account/").content.decode()
    )
    EmployeeFactory(unit=_unit(), employee_no="E100001")
    employee = Client()
    employee.post("/accounts/login/", {"username": "E100001", "password": PASSWORD})
    assert SETUP not in employee.get("/my/account/").content.decode()
