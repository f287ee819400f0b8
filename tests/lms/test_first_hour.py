"""Small things a person notices in the first hour (issue 13): scores read
without useless decimals, the wait between attempts is in the rules."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from lms.templatetags.lms_format import score
from tests.lms.test_attempts import build_course, enrol, pool
from tests.lms.test_standing import fail_once

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("60.00"), "60"),
        (Decimal("87.50"), "87.5"),
        (Decimal("83.33"), "83.33"),
        (Decimal("100.00"), "100"),
        (Decimal("0.00"), "0"),
        (None, ""),
    ],
)
def test_a_score_reads_without_useless_decimals(value, shown):
    with translation.override("en"):
        assert score(value) == shown


def test_the_result_and_the_rules_say_the_score_and_the_wait_plainly(tree, positions):
    policy = build_course(questions=pool(2), attempt_wait_minutes=30, pass_mark=80)
    employee = enrol(policy)
    attempt = fail_once(employee, policy)
    client = Client()
    client.force_login(employee.user)
    result = client.get(reverse("quiz_attempt", args=[attempt.pk])).content.decode()
    assert "Not passed: 0% (pass mark 80%)." in result
    for url in (policy.url, policy.quiz().url):
        page = client.get(url).content.decode()
        assert "the next one opens 30 minutes later" in page, url
    client.cookies["django_language"] = "zh-hans"
    chinese = client.get(reverse("quiz_attempt", args=[attempt.pk])).content.decode()
    assert "第 1 题：" in chinese  # Chinese punctuation on a Chinese page
    assert "第 1 题:" not in chinese


def test_the_next_attempt_reads_the_same_everywhere(tree, positions):
    """One format for the moment the next attempt opens (the result page, My
    training, the quiz page and the refusal), on the 24-hour clock: "4:50
    a.m." ended a sentence with two full stops."""
    policy = build_course(questions=pool(2), attempt_wait_minutes=30, pass_mark=80)
    employee = enrol(policy)
    attempt = fail_once(employee, policy)
    client = Client()
    client.force_login(employee.user)
    result = client.get(reverse("quiz_attempt", args=[attempt.pk])).content.decode()
    moment = re.search(r"The next one opens at ([^<]+)\.</p>", result)[1]
    assert re.fullmatch(r"[A-Z][a-z]+\.? \d+, \d{4}, \d\d:\d\d", moment), moment
    assert f"next attempt opens at {moment}" in client.get("/my/").content.decode()
    quiz = client.get(policy.quiz().url).content.decode()
    assert f"Your next attempt opens at {moment} (local time)." in quiz
    refused = client.post(reverse("quiz_start", args=[policy.pk]))
    text = refused.content.decode()
    assert text.count(moment) == 1  # said once, not twice
    client.cookies["django_language"] = "zh-hans"
    chinese = client.get(reverse("quiz_attempt", args=[attempt.pk])).content.decode()
    assert "还剩 2 次作答机会。下次作答将于" in chinese  # no space between sentences


# --- My account: password and language ----------------------------------------


def _employee_client(tree, positions):
    from tests import factories

    employee = factories.EmployeeFactory(unit=tree["GZ-TH"])
    client = Client()
    assert client.login(username=employee.user.username, password="s3cret-pass")
    return employee, client


def test_staff_change_their_password_and_stay_signed_in(tree, positions):
    employee, client = _employee_client(tree, positions)
    page = client.get(reverse("my_account"))
    assert reverse("my_password") in page.content.decode()
    refused = client.post(
        reverse("my_password"),
        {
            "old_password": "wrong",
            "new_password1": "rollout-2027-new",
            "new_password2": "rollout-2027-new",
        },
    )
    assert refused.status_code == 200
    assert "old password was entered incorrectly" in refused.content.decode()
    weak = client.post(
        reverse("my_password"),
        {"old_password": "s3cret-pass", "new_password1": "123", "new_password2": "123"},
    )
    assert weak.status_code == 200 and "too short" in weak.content.decode()
    done = client.post(
        reverse("my_password"),
        {
            "old_password": "s3cret-pass",
            "new_password1": "rollout-2027-new",
            "new_password2": "rollout-2027-new",
        },
        follow=True,
    )
    assert done.status_code == 200
    assert "Your password is changed." in done.content.decode()
    assert client.get(reverse("my_training")).status_code == 200  # still signed in
    employee.user.refresh_from_db()
    assert employee.user.check_password("rollout-2027-new")


def test_an_account_without_a_password_is_not_offered_a_change(tree, positions):
    employee, client = _employee_client(tree, positions)
    employee.user.set_unusable_password()
    employee.user.save()
    client.force_login(employee.user)
    assert (
        reverse("my_password") not in client.get(reverse("my_account")).content.decode()
    )
    assert client.get(reverse("my_password")).status_code == 302


def test_the_language_is_kept_with_the_account(tree, positions):
    from wagtail.users.models import UserProfile

    employee, client = _employee_client(tree, positions)
    response = client.post(reverse("my_language"), {"language": "zh-hans"}, follow=True)
    assert response.status_code == 200
    assert "语言已保存" in response.content.decode()
    assert UserProfile.get_for_user(employee.user).preferred_language == "zh-hans"
    assert client.cookies["django_language"].value == "zh-hans"
    assert '<html lang="zh-hans">' in client.get(reverse("my_account")).content.decode()
    bad = client.post(reverse("my_language"), {"language": "xx"})
    assert bad.status_code == 302
    assert UserProfile.get_for_user(employee.user).preferred_language == "zh-hans"


def test_the_language_form_needs_a_post(tree, positions):
    _employee, client = _employee_client(tree, positions)
    assert client.get(reverse("my_language")).status_code == 405


# --- One time zone, mail without tracebacks -------------------------------------


def test_the_employee_page_shows_times_in_china_time(tree, positions):
    import datetime

    from django.utils import timezone

    from tests import factories

    admin = factories.UserFactory(username="tz-admin", is_superuser=True)
    employee = factories.EmployeeFactory(unit=tree["GZ-TH"])
    employee.user.last_login = datetime.datetime(
        2026, 12, 1, 2, 30, tzinfo=datetime.UTC
    )
    employee.user.save()
    client = Client()
    client.force_login(admin)
    page = client.get(f"/admin/organisation/employees/inspect/{employee.pk}/")
    text = page.content.decode()
    assert "10:30" in text  # 02:30 UTC is 10:30 in Asia/Shanghai
    assert "2:30" not in text.replace("12:30", "")
    assert timezone.get_current_timezone_name() == "Asia/Shanghai"


def test_a_mail_server_that_refuses_is_logged_in_one_line(caplog, settings):
    import logging

    from lms.logs import OneLineMailErrors

    record = logging.LogRecord(
        "wagtail.admin",
        logging.ERROR,
        "/x/site-packages/wagtail/admin/mail.py",
        280,
        "Mail connection error, notification sending skipped",
        (),
        (
            ConnectionRefusedError,
            ConnectionRefusedError(111, "Connection refused"),
            None,
        ),
    )
    assert OneLineMailErrors().filter(record)
    assert record.exc_info is None
    assert record.getMessage() == (
        "Mail connection error, notification sending skipped: "
        "ConnectionRefusedError: [Errno 111] Connection refused"
    )
    other = logging.LogRecord(
        "lms",
        logging.ERROR,
        "/work/lms/x.py",
        1,
        "boom",
        (),
        (ValueError, ValueError(), None),
    )
    OneLineMailErrors().filter(other)
    assert other.exc_info is not None  # only mail errors lose their traceback


def test_development_prints_mail_and_production_warns_without_a_server(settings):
    from django.core.management import call_command

    assert settings.EMAIL_BACKEND.endswith(
        ("console.EmailBackend", "locmem.EmailBackend")
    )
    settings.EMAIL_HOST = ""
    from lms.checks import mail_server_is_configured

    assert [w.id for w in mail_server_is_configured()] == ["rollout.W001"]
    settings.EMAIL_HOST = "smtp.example.cn"
    assert mail_server_is_configured() == []
    call_command("check")


# --- make run: one command serves and stops both processes ------------------------


def test_devserver_stops_the_worker_when_the_web_server_ends(monkeypatch):
    import subprocess
    import sys

    from django.core.management import call_command

    from lms.management.commands import devserver

    started: list[subprocess.Popen] = []

    def start(command):
        # The worker sleeps; the "web server" fails after a moment.
        code = (
            "import time; time.sleep(60)"
            if "qcluster" in command
            else ("import sys, time; time.sleep(0.5); sys.exit(3)")
        )
        child = subprocess.Popen([sys.executable, "-c", code], start_new_session=True)
        started.append(child)
        return child

    monkeypatch.setattr(devserver, "_start", start)
    with pytest.raises(SystemExit) as ended:
        call_command("devserver", "127.0.0.1:0")
    assert ended.value.code == 3
    worker, web = started
    assert worker.poll() is not None  # stopped, not left running
    assert web.returncode == 3


def test_the_learners_words_do_not_replace_wagtails_in_the_admin():
    from django.utils.translation import gettext

    from lms.selectors.standing import TRAINING_STATE_LABELS, TrainingState

    with translation.override("zh-hans"):
        assert str(TRAINING_STATE_LABELS[TrainingState.IN_PROGRESS]) == "学习中"
        # Wagtail's own word for a review task in progress.
        assert gettext("In progress") != "学习中"


def test_the_password_rules_read_in_chinese(tree, positions):
    """Django 5.2 changed the length rule's words and its Chinese catalogue
    did not follow: the project's catalogue supplies them."""
    _employee, client = _employee_client(tree, positions)
    client.cookies["django_language"] = "zh-hans"
    page = client.post(
        reverse("my_password"),
        {"old_password": "s3cret-pass", "new_password1": "x7", "new_password2": "x7"},
    )
    assert "密码长度太短。密码必须包含至少 8 个字符。" in page.content.decode()


def test_the_home_page_title_says_the_name_once(tree, positions):
    text = Client().get("/").content.decode()
    assert "<title>Rollout Academy</title>" in text


def test_the_header_menu_folds_behind_one_button_without_script(tree, positions):
    text = Client().get("/accounts/login/").content.decode()
    assert 'id="menu-toggle"' in text and 'for="menu-toggle"' in text
    assert "<script" not in text


def test_the_home_page_speaks_the_readers_language(tree, positions):
    chinese = Client().get("/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert "<h1>服务措施培训平台</h1>" in chinese
    assert "培训到所涉及的全体员工" in chinese
    assert "Every service measure" not in chinese
    english = Client().get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<h1>Rollout Academy</h1>" in english
    assert "Every service measure that headquarters issues" in english


def test_the_admins_empty_states_and_ticks_read_in_chinese(tree, positions):
    from wagtail.users.models import UserProfile

    from tests import factories

    admin = factories.UserFactory(username="zh-admin", is_superuser=True)
    factories.EmployeeFactory(unit=tree["GZ-TH"])
    profile = UserProfile.get_for_user(admin)
    profile.preferred_language = "zh-hans"
    profile.save()
    client = Client()
    client.force_login(admin)
    imports = client.get("/admin/organisation/imports/").content.decode()
    assert "没有可显示的人事导入" in imports and "There are no" not in imports
    search = client.get("/admin/organisation/employees/?q=nomatch").content.decode()
    assert "没有符合查询条件的员工" in search and "match your query" not in search
    units = client.get("/admin/organisation/units/").content.decode()
    assert "True" not in units  # the tick's text for screen readers
    assert re.search(r'<span class="w-sr-only">\s*是\s*</span>', units)


def test_the_lesson_block_menu_names_every_block_in_chinese():
    from cms.blocks import LessonBlock

    with translation.override("zh-hans"):
        labels = {
            name: str(block.label) for name, block in LessonBlock().child_blocks.items()
        }
    assert labels["text"] == "文本"
    assert all(not label.isascii() for label in labels.values()), labels


def test_wagtails_missing_chinese_strings_are_supplied(tree, positions):
    from django.utils.translation import gettext

    from tests import factories

    with translation.override("zh-hans"):
        assert gettext("Autosave is paused") == "自动保存已暂停"
        assert gettext("Exploring") == "浏览"
    admin = factories.UserFactory(username="js-admin", is_superuser=True)
    client = Client()
    client.force_login(admin)
    client.cookies["django_language"] = "zh-hans"
    script = client.get(reverse("wagtailadmin_javascript_catalog")).content.decode()
    assert (
        "\\u63d2\\u5165\\u533a\\u5757" in script or "插入区块" in script
    )  # Insert a block
    assert "Autosave in progress" in script  # its key, translated beside it


def test_a_choice_blocks_empty_choice_is_in_chinese():
    """Wagtail's "- Select an option -" (newer than its Chinese catalogue) is
    supplied by the project's catalogue."""
    from django.utils import translation
    from wagtail.blocks import ChoiceBlock

    with translation.override("zh-hans"):
        block = ChoiceBlock(choices=[("a", "A")], required=False)
        assert str(block.field.choices[0][1]) == "- 请选择 -"


def test_devserver_restarts_the_worker_when_the_code_changes(monkeypatch, tmp_path):
    """The web server reloads itself; the worker kept running old code, and a
    task added meanwhile failed as "not defined"."""
    import subprocess
    import sys
    import threading

    from django.core.management import call_command

    from lms.management.commands import devserver

    started: list[list[str]] = []
    children: list[subprocess.Popen] = []
    (tmp_path / "tasks.py").write_text("X = 1\n")
    monkeypatch.setattr(devserver, "WATCH_SECONDS", 0.1)
    monkeypatch.setattr(devserver.settings, "BASE_DIR", tmp_path)

    def start(command):
        started.append(command)
        if "qcluster" in command:
            code = "import time; time.sleep(60)"
        else:  # the web server ends after the code was changed and seen
            code = "import sys, time; time.sleep(1.5); sys.exit(3)"
        child = subprocess.Popen([sys.executable, "-c", code], start_new_session=True)
        children.append(child)
        return child

    def edit():
        import os
        import time

        time.sleep(0.4)
        (tmp_path / "tasks.py").write_text("X = 2\n")
        os.utime(tmp_path / "tasks.py", (time.time() + 5, time.time() + 5))

    monkeypatch.setattr(devserver, "_start", start)
    threading.Thread(target=edit).start()
    with pytest.raises(SystemExit):
        call_command("devserver", "127.0.0.1:0")

    workers = [c for c in started if "qcluster" in c]
    assert len(workers) == 2  # the first one, and one after the change
    assert all(child.poll() is not None for child in children)


def test_my_training_offers_to_resume_an_attempt_left_open(tree, positions):
    """An attempt interrupted (a closed tab, a lost connection) used to read
    "quiz open · Take the quiz" on My training."""
    from lms.services.attempts import attempt_start

    policy = build_course(questions=pool(2))
    employee = enrol(policy)  # every module read
    attempt = attempt_start(employee=employee, policy=policy)
    client = Client()
    client.force_login(employee.user)

    page = client.get("/my/").content.decode()

    assert "an attempt in progress" in page
    assert f'href="{reverse("quiz_attempt", args=[attempt.pk])}"' in page
    assert "Resume the quiz" in page and "Take the quiz" not in page
