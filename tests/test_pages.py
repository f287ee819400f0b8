"""The public pages, login and the language switcher."""

import pytest

from tests.factories import EmployeeFactory

pytestmark = pytest.mark.django_db


def test_home_page_invites_staff_to_log_in(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "Log in with your employee number" in response.content.decode()


def test_chinese_browser_gets_chinese_pages(client):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    text = response.content.decode()
    assert '<html lang="zh-hans">' in text
    assert "员工编号" in text  # "Employee number"


def test_language_switcher_changes_the_language(client):
    response = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert response.status_code == 302
    page = client.get("/accounts/login/").content.decode()
    assert "登录" in page
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "Log in" in client.get("/accounts/login/").content.decode()


def test_wrong_password_is_refused_with_a_reason(client, tree, positions):
    EmployeeFactory(unit=tree["GZ-TH"], employee_no="GD0003")
    response = client.post(
        "/accounts/login/", {"username": "GD0003", "password": "wrong"}
    )
    assert response.status_code == 200
    assert "do not match" in response.content.decode()


def test_inactive_employee_cannot_log_in(client, tree, positions):
    employee = EmployeeFactory(unit=tree["GZ-TH"], employee_no="GD0004")
    employee.user.is_active = False
    employee.user.save()
    response = client.post(
        "/accounts/login/", {"username": "GD0004", "password": "s3cret-pass"}
    )
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_my_account_needs_a_login(client):
    response = client.get("/my/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_logout_is_a_post(client, tree, positions):
    EmployeeFactory(unit=tree["GZ-TH"], employee_no="GD0005")
    client.post("/accounts/login/", {"username": "GD0005", "password": "s3cret-pass"})
    # A GET asks (a link elsewhere cannot sign anyone out); a POST signs out.
    assert client.get("/accounts/logout/").status_code == 200
    assert "_auth_user_id" in client.session
    client.post("/accounts/logout/")
    assert "_auth_user_id" not in client.session


def test_pages_name_their_icon_and_the_old_address_leads_to_it(client):
    page = client.get("/accounts/login/").content.decode()
    assert 'rel="icon" href="/static/favicon.svg"' in page

    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == "/static/favicon.svg"
