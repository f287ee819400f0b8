"""Sign-in with the company directory's password (``lms.ldap_auth``) against
a real LDAP server: Debian's slapd, started by these tests in a scratch
folder (``tests/ldap_directory.py``). The entry's ``employeeNumber`` maps to
an active employee; nobody is created or changed, unknown and inactive staff
are refused, a wrong password counts towards the lock like any other, and a
directory that does not answer is said to be so.

They are skipped, saying why, where slapd or the optional LDAP extra
(``pip install -e ".[ldap]"``) is missing; ``.ci/run`` installs both."""

from __future__ import annotations

import importlib.util
import sys

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client

from lms import checks
from lms.models import User
from lms.services import signin
from tests import ldap_directory
from tests.factories import EmployeeFactory
from tests.ldap_directory import PEOPLE, SERVICE_DN, SERVICE_PASSWORD, Person
from tests.lms.test_attempts import _unit

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"
BACKEND = "lms.ldap_auth.EmployeeLDAPBackend"

_missing = ldap_directory.available() or (
    ""
    if importlib.util.find_spec("django_auth_ldap")
    else 'the LDAP extra is not installed (pip install -e ".[ldap]")'
)
needs_directory = pytest.mark.skipif(bool(_missing), reason=_missing)

PEOPLE_IN_DIRECTORY = [
    Person("zhangsan", "dir-pass-zhang", "E200001", "张三"),
    Person("lisi", "dir-pass-li", "E200002", "李四"),  # left the company
    Person("wangwu", "dir-pass-wang", "E299999", "王五"),  # not in the HR feed
    Person("zhaoliu", "dir-pass-zhao", "", "赵六"),  # no employee number
]


@pytest.fixture(scope="module")
def directory(tmp_path_factory):
    if _missing:
        pytest.skip(_missing)
    folder = tmp_path_factory.mktemp("slapd")
    with ldap_directory.directory(folder, PEOPLE_IN_DIRECTORY) as uri:
        yield uri


def _configure(settings, uri: str, **overrides) -> None:
    settings.LDAP_ENABLED = True
    settings.LDAP_SERVER_URI = uri
    settings.LDAP_BIND_DN = SERVICE_DN
    settings.LDAP_BIND_PASSWORD = SERVICE_PASSWORD
    settings.LDAP_USER_BASE = PEOPLE
    settings.LDAP_USER_FILTER = "(employeeNumber=%(user)s)"
    settings.LDAP_EMPLOYEE_ATTR = "employeeNumber"
    settings.LDAP_TIMEOUT = 2
    for name, value in overrides.items():
        setattr(settings, name, value)
    settings.AUTHENTICATION_BACKENDS = ["lms.auth.EmployeeBackend", BACKEND]


@pytest.fixture
def ldap_on(settings, directory):
    _configure(settings, directory)
    return settings


@pytest.fixture
def staff():
    """E200001 active, E200002 gone; both imported without a password."""
    unit = _unit()
    active = EmployeeFactory(unit=unit, employee_no="E200001", name="张三")
    gone = EmployeeFactory(unit=unit, employee_no="E200002", name="李四")
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    for employee in (active, gone):
        employee.user.set_unusable_password()
        employee.user.save(update_fields=["password"])
    return active


def sign_in(client: Client, username: str, password: str, url: str = LOGIN):
    return client.post(url, {"username": username, "password": password})


def refusal(response) -> str:
    assert response.status_code == 200, response.status_code
    assert SESSION_KEY not in response.wsgi_request.session
    return response.content.decode()


@needs_directory
def test_the_directory_password_signs_the_employee_in(client, ldap_on, staff):
    users_before = User.objects.count()
    response = sign_in(client, "E200001", "dir-pass-zhang")

    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(staff.user_id)
    assert client.session["_auth_user_backend"] == BACKEND
    # The next page reads the same person, through the employee backend.
    page = client.get("/my/")
    assert page.status_code == 200
    assert "张三" in page.content.decode()
    # Nothing was created, nothing copied from the directory, no local password.
    assert User.objects.count() == users_before
    staff.user.refresh_from_db()
    assert not staff.user.has_usable_password()
    assert staff.user.first_name == "张三"


@needs_directory
def test_a_wrong_directory_password_is_refused_and_counted(client, ldap_on, staff):
    ldap_on.SIGNIN_ACCOUNT_FAILURES = 3
    for _ in range(2):
        body = refusal(sign_in(client, "E200001", "not-the-password"))
        assert "This employee number and password do not match" in body

    locked = sign_in(client, "E200001", "not-the-password")
    assert locked.status_code == 429
    # While locked, not even the right directory password is checked.
    assert sign_in(client, "E200001", "dir-pass-zhang").status_code == 429


@needs_directory
@pytest.mark.parametrize(
    ("typed", "password", "who"),
    [
        ("E200002", "dir-pass-li", "an employee who left"),
        ("E299999", "dir-pass-wang", "a directory entry the HR feed does not know"),
        ("E200001", "dir-pass-wang", "someone else's password"),
    ],
)
def test_the_directory_never_lets_in_anyone_but_active_staff(
    client, ldap_on, staff, typed, password, who
):
    users_before = User.objects.count()
    body = refusal(sign_in(client, typed, password))
    assert "do not match" in body, who
    assert User.objects.count() == users_before, who
    assert not User.objects.filter(username="E299999").exists()


@needs_directory
def test_an_entry_without_an_employee_number_is_refused(client, settings, directory):
    _configure(settings, directory, LDAP_USER_FILTER="(uid=%(user)s)")
    users_before = User.objects.count()
    refusal(sign_in(client, "zhaoliu", "dir-pass-zhao"))
    assert User.objects.count() == users_before
    assert not User.objects.filter(username="zhaoliu").exists()


@needs_directory
def test_an_account_name_filter_maps_to_the_employee_number(
    client, settings, directory, staff
):
    """Active Directory: people type their account name; the entry's
    employee number says which employee they are."""
    _configure(settings, directory, LDAP_USER_FILTER="(uid=%(user)s)")
    response = sign_in(client, "zhangsan", "dir-pass-zhang")
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(staff.user_id)


@needs_directory
@pytest.mark.parametrize("typed", ["*", "zhang*", "*)(uid=*", "zhangsan)(|(uid=*"])
def test_what_is_typed_cannot_widen_the_directory_search(
    client, settings, directory, staff, typed
):
    _configure(settings, directory, LDAP_USER_FILTER="(uid=%(user)s)")
    refusal(sign_in(client, typed, "dir-pass-zhang"))


@needs_directory
def test_a_local_password_still_works_beside_the_directory(client, ldap_on, staff):
    """Accounts outside the directory (an administrator) keep their own."""
    staff.user.set_password("local-pass-123")
    staff.user.save(update_fields=["password"])
    response = sign_in(client, "E200001", "local-pass-123")
    assert response.status_code == 302
    assert client.session["_auth_user_backend"] == "lms.auth.EmployeeBackend"


@needs_directory
def test_the_admin_sign_in_takes_the_directory_password(client, ldap_on, staff):
    from django.contrib.auth.models import Group

    from lms.roles import MANAGER

    staff.user.groups.add(Group.objects.get(name=MANAGER))
    response = sign_in(client, "E200001", "dir-pass-zhang", url=ADMIN_LOGIN)
    assert response.status_code == 302
    # The role is the administration's group, not anything from the directory.
    assert client.get("/admin/").status_code == 200


@needs_directory
def test_a_directory_that_does_not_answer_is_said_so_and_not_counted(
    client, settings, staff
):
    closed = ldap_directory.closed_address()
    _configure(settings, closed, LDAP_TIMEOUT=1)
    body = refusal(sign_in(client, "E200001", "dir-pass-zhang"))
    assert "The company directory did not answer" in body
    assert "do not match" not in body
    assert signin.signin_state("E200001").failures == 0


@needs_directory
def test_a_refused_service_account_is_said_so(client, ldap_on, staff):
    ldap_on.LDAP_BIND_PASSWORD = "not-the-service-password"
    body = refusal(sign_in(client, "E200001", "dir-pass-zhang"))
    assert "The company directory did not answer" in body


@needs_directory
def test_the_message_is_in_chinese_on_a_chinese_page(client, settings, staff):
    _configure(settings, ldap_directory.closed_address(), LDAP_TIMEOUT=1)
    response = client.post(
        LOGIN,
        {"username": "E200001", "password": "x"},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert "公司目录没有应答" in response.content.decode()


# --- System checks: no slapd needed ----------------------------------------------


def test_a_configured_directory_without_the_extra_stops_start_up(settings, monkeypatch):
    settings.LDAP_ENABLED = True
    settings.LDAP_USER_BASE = PEOPLE
    monkeypatch.setitem(sys.modules, "django_auth_ldap", None)
    errors = checks.directory_can_be_used()
    assert [error.id for error in errors] == ["rollout.E003"]
    assert 'pip install -e ".[ldap]"' in errors[0].hint


def test_a_configured_directory_needs_a_search_base(settings):
    settings.LDAP_ENABLED = True
    settings.LDAP_USER_BASE = ""
    ids = [error.id for error in checks.directory_can_be_used()]
    assert "rollout.E004" in ids


def test_no_directory_no_check(settings):
    settings.LDAP_ENABLED = False
    assert checks.directory_can_be_used() == []


def test_a_directory_counts_as_a_way_to_sign_in_for_check_deploy(settings):
    settings.SSO_ENABLED = False
    settings.EMAIL_HOST = ""
    settings.LDAP_ENABLED = False
    assert [w.id for w in checks.staff_have_a_way_to_sign_in()] == ["rollout.W003"]
    settings.LDAP_ENABLED = True
    assert checks.staff_have_a_way_to_sign_in() == []
