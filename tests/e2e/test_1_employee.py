"""An employee on a phone, in Chinese: sign in with the employee number, My
training, read the modules, fail the quiz, see when the next attempt opens,
pass it (by keyboard only), see the certificate."""

from __future__ import annotations

import re
import time

from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, App, sign_in
from tests.e2e.quizzing import answer_rightly_by_keyboard, answer_wrongly

EMPLOYEE = "D0000001"  # 营业厅柜面, 广州市 天河区: in SVC-2026-01's audience
POLICY = "SVC-2026-01"


def card(page, code: str):
    return page.locator("li.training-item", has_text=code)


def wait_for_assignment(trip, app: App, code: str, seconds: float = 180) -> None:
    """Publishing in seed_demo enqueued the assignment syncs: the worker
    (qcluster) runs them; My training shows the measure once it has."""
    deadline = time.monotonic() + seconds
    while card(trip.page, code).count() == 0:
        if time.monotonic() > deadline:
            state = app.shell(
                "from django_q.models import OrmQ, Task\n"
                "from lms.models import Assignment\n"
                "print('queued', OrmQ.objects.count(), 'done', Task.objects.count(),"
                " 'assignments', Assignment.objects.count())\n"
            )
            raise AssertionError(f"{code} never reached My training: {state}")
        time.sleep(1)
        trip.page.reload()


def move_the_clock_past_the_wait(app: App) -> None:
    """Not a person's step: the journey cannot wait the policy's 30 minutes,
    so it moves the failed attempt back 31 minutes in the scratch database,
    as if the half hour had passed."""
    app.shell(
        "from datetime import timedelta\n"
        "from django.db.models import F\n"
        "from lms.models import QuizAttempt\n"
        "n = QuizAttempt.objects.filter(employee__employee_no='D0000001',"
        " policy__code='SVC-2026-01').update("
        "started_at=F('started_at') - timedelta(minutes=31),"
        " submitted_at=F('submitted_at') - timedelta(minutes=31))\n"
        "assert n == 1, n\n"
    )


def test_an_employee_learns_fails_waits_and_passes_on_a_phone(journey, app):
    trip = journey("employee", locale="zh-CN", viewport=PHONE)
    page = trip.page

    trip.goto("/", "home")
    # On a phone the header is one row: its links fold behind "菜单".
    header = page.locator("header.site-header")
    assert header.bounding_box()["height"] < 80
    page.locator("label.menu-button").click()
    trip.visit("home-menu-open")
    header.get_by_role("link", name="登录").click()
    trip.visit("sign-in")
    sign_in(trip, EMPLOYEE)
    expect(page).to_have_url(re.compile(r"/my/$"))
    wait_for_assignment(trip, app, POLICY)
    expect(page.get_by_role("heading", level=1)).to_have_text("我的培训")
    trip.visit("my-training")

    # Read the modules: each ends with "I have read this module".
    card(page, POLICY).get_by_role("link", name=re.compile("开始学习")).click()
    modules = 0
    while page.get_by_role("button", name="我已学完本模块").count():
        modules += 1
        trip.visit(f"module-{modules}")
        page.get_by_role("button", name="我已学完本模块").click()
        page.wait_for_load_state("load")
    assert modules >= 2
    expect(page.get_by_role("button", name="开始作答")).to_be_visible()
    trip.visit("quiz")

    # First attempt: wrong answers, by pointer.
    page.get_by_role("button", name="开始作答").click()
    trip.visit("attempt-1")
    assert answer_wrongly(page) >= 5
    page.get_by_role("button", name="提交答案").click()
    page.wait_for_load_state("load")
    expect(page.locator("main")).to_contain_text("下次作答将于")
    expect(page.locator("main")).to_contain_text("开放")
    trip.visit("result-failed")

    trip.goto("/my/")
    expect(card(page, POLICY)).to_contain_text("下次作答于")
    expect(card(page, POLICY)).to_contain_text("开放")
    trip.visit("my-training-waiting")

    move_the_clock_past_the_wait(app)
    page.reload()
    card(page, POLICY).get_by_role("link", name=re.compile("参加测验")).click()
    page.get_by_role("button", name="开始作答").click()
    page.wait_for_load_state("load")
    trip.visit("attempt-2")

    # Second attempt: keyboard only, from the top of the page to the submit button.
    problems = answer_rightly_by_keyboard(page, submit_text="提交答案")
    assert not problems, problems
    expect(page.locator("main")).to_contain_text("您的合格证书")
    trip.visit("result-passed")
    serial = re.search(r"RA-[0-9A-Z-]+", page.locator("main").inner_text()).group(0)

    trip.goto("/my/")
    expect(card(page, POLICY)).to_contain_text("已合格")
    expect(card(page, POLICY)).to_contain_text(serial)
    trip.visit("my-training-certified")
    trip.finish()
