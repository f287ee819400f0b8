"""The language switch in the header works on every kind of page (signed out
and in, the learner's pages, course pages served by Wagtail, the public
verification), keeps the person on the same page, and signing out ends the
session."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import sign_in

SIGNED_OUT = [
    ("/", "home"),
    ("/accounts/login/", "sign-in"),
    ("/certificates/verify/", "verify"),
]
SIGNED_IN = [
    ("/my/", "my-training"),
    ("/my/account/", "my-account"),
    ("/my/certificates/", "my-certificates"),
    ("/measures/svc-2026-02/", "policy"),
    ("/measures/svc-2026-02/quiz/", "quiz"),
]


def switch(trip, path: str, label: str) -> None:
    """English → 简体中文 with the header's switcher, then back."""
    page = trip.page
    trip.goto(path)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.select_option("#language-select", "zh-hans")
    with page.expect_navigation():
        page.locator("form.lang button").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    assert page.url.split("?")[0].endswith(path), page.url
    trip.visit(f"{label}-zh")
    page.select_option("#language-select", "en")
    with page.expect_navigation():
        page.get_by_role("button", name="切换").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    trip.visit(f"{label}-en", axe=False)


def test_the_language_switch_works_on_every_page_type_and_sign_out_ends_it(journey):
    trip = journey("languages", locale="en-US")
    page = trip.page
    for path, label in SIGNED_OUT:
        switch(trip, path, label)

    sign_in(trip, "D0000001")
    pages = list(SIGNED_IN)
    trip.goto("/measures/svc-2026-02/")
    module = page.locator("main a[href^='/measures/svc-2026-02/']").first
    pages.insert(4, (module.get_attribute("href"), "module"))
    for path, label in pages:
        switch(trip, path, label)

    with page.expect_navigation():
        page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/$"))
    trip.visit("signed-out")
    trip.goto("/my/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/my/"))
    trip.visit("my-training-needs-sign-in")
    trip.finish()
