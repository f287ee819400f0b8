"""A trainer authors a new measure in the Wagtail admin (two modules and a
question pool) and submits it for review; an approver comments, approves, and
publishes the policy with the material-change decision; the worker assigns it
and within seconds it is in an employee's My training."""

from __future__ import annotations

import json
import re
import time

from playwright.sync_api import Page, expect

from tests.e2e.conftest import PHONE, App, sign_in

CODE = "SVC-2026-90"
TITLE = "Journey measure: reply within one day"


def catalogue_id(app: App) -> int:
    out = app.shell(
        "from cms.models import CatalogPage\nprint(CatalogPage.objects.get().pk)\n"
    )
    return int(out.strip().splitlines()[-1])


def page_ids(app: App) -> dict[str, int]:
    out = app.shell(
        "import json\n"
        "from cms.models import PolicyPage\n"
        f"p = PolicyPage.objects.get(code='{CODE}')\n"
        "print(json.dumps({c.title: c.pk for c in p.get_children()} | "
        "{'policy': p.pk}))\n"
    )
    return json.loads(out.strip().splitlines()[-1])


def save_draft(page: Page) -> None:
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_load_state("load")
    expect(page.locator(".messages")).to_contain_text(re.compile("created|updated"))


def more_actions(page: Page) -> None:
    page.locator("footer [data-w-dropdown-target='toggle']").last.click()


def submit_for_review(page: Page) -> None:
    more_actions(page)
    page.get_by_role("button", name=re.compile("Submit to Course review")).click()
    page.wait_for_load_state("load")
    expect(page.locator(".messages")).to_contain_text("submitted")


def add_child(trip, parent_id: int, kind: str) -> None:
    """The parent's "Add child page", then the page type when there is a choice."""
    page = trip.page
    trip.goto(f"/admin/pages/{parent_id}/add_subpage/")
    if page.get_by_role("link", name=kind).count():
        page.get_by_role("link", name=kind).first.click()
        page.wait_for_load_state("load")


def insert_block(page: Page, field: str, label: str) -> None:
    """The StreamField's "+" then the block type."""
    page.locator(
        f"[data-contentpath='{field}'] button[title='Insert a block']"
    ).last.click()
    page.get_by_role("option", name=label).click()


def choose_audience_unit(trip, name: str) -> None:
    """Audience tab: add a unit with the unit chooser (a modal searching the
    tree), the way the admin's choosers work under the admin's CSP."""
    page = trip.page
    page.get_by_role("tab", name="Audience").click()
    page.get_by_role("button", name=re.compile("Add unit", re.I)).click()
    page.get_by_role("button", name="Choose a unit").last.click()
    modal = page.get_by_role("dialog")
    modal.locator("input[name=q]").fill(name)
    trip.visit("unit-chooser")
    modal.get_by_role("link", name=re.compile(name)).first.click()
    expect(modal).to_be_hidden()
    expect(page.locator(".chooser__title", has_text=name)).to_be_visible()
    # The dialog is hidden at once; its container and backdrop fade out.
    page.wait_for_selector(".modal-backdrop", state="detached", timeout=5_000)
    expect(page.locator(".modal.fade")).to_have_count(0, timeout=5_000)
    trip.visit("policy-audience")


def author_module(trip, policy_id: int, title: str, text: str) -> None:
    page = trip.page
    add_child(trip, policy_id, "Module")
    page.fill("#id_title", title)
    insert_block(page, "body", "Text")
    page.locator("[data-contentpath='body'] [role='textbox']").last.fill(text)
    trip.visit(f"module-{title[:8]}")
    save_draft(page)
    submit_for_review(page)


def author_quiz(trip, policy_id: int) -> None:
    page = trip.page
    add_child(trip, policy_id, "Quiz")
    page.fill("#id_title", "Quiz")
    for number, (statement, truth) in enumerate(
        [
            ("A complaint is answered within one day.", "true"),
            ("A complaint may be passed to a colleague without follow-up.", "false"),
        ]
    ):
        insert_block(page, "questions", "True or false")
        page.locator(f"#questions-{number}-value-text").fill(statement)
        page.locator(f"#questions-{number}-value-explanation").fill("See the module.")
        page.select_option(f"#questions-{number}-value-correct", truth)
    trip.visit("quiz-editor")
    save_draft(page)
    submit_for_review(page)


def approve(trip, page_id: int, *, comment: str | None = None) -> None:
    """The approver's "Approve" (or "Approve with comment") in the editor."""
    page = trip.page
    trip.goto(f"/admin/pages/{page_id}/edit/")
    more_actions(page)
    if comment:
        page.get_by_role("button", name="Approve with comment and Publish").click()
        dialog = page.get_by_role("dialog")
        dialog.locator("textarea").fill(comment)
        trip.visit(f"comment-{page_id}")
        with page.expect_navigation():
            dialog.get_by_role("button", name=re.compile("Approve")).click()
    else:
        with page.expect_navigation():
            page.get_by_role("button", name="Approve and Publish").click()
    page.wait_for_load_state("load")
    expect(page.locator(".messages")).to_contain_text(
        re.compile("approved|published|updated")
    )


def test_a_trainer_authors_and_an_approver_publishes_a_measure(journey, app):
    shelf = catalogue_id(app)

    trainer = journey("authoring-trainer")
    page = trainer.page
    sign_in(trainer, "trainer")
    trainer.goto("/admin/", "admin-home")
    trainer.goto(f"/admin/pages/{shelf}/", "catalogue")
    add_child(trainer, shelf, "Policy")
    # Rules and audience first: Wagtail's autosave creates the page as soon as
    # the form is valid (title, code, summary), and an unpublished policy's row
    # keeps what it was created with, which its quiz's publication rule reads.
    page.get_by_role("tab", name="Rules").click()
    page.fill("#id_questions_per_attempt", "2")
    trainer.visit("policy-rules")
    choose_audience_unit(trainer, "广东省")
    page.get_by_role("tab", name="Content").click()
    page.fill("#id_title", TITLE)
    page.fill("#id_code", CODE)
    page.fill("#id_summary", "Reply to every complaint within one working day.")
    trainer.visit("policy-content")
    save_draft(page)
    ids = page_ids(app)
    author_module(trainer, ids["policy"], "Take it on", "The first to hear it owns it.")
    author_module(
        trainer, ids["policy"], "Reply in a day", "Reply within one working day."
    )
    author_quiz(trainer, ids["policy"])
    trainer.goto(f"/admin/pages/{ids['policy']}/edit/")
    submit_for_review(page)
    trainer.visit("policy-submitted")
    trainer.finish()

    ids = page_ids(app)
    approver = journey("authoring-approver")
    page = approver.page
    sign_in(approver, "approver")
    approver.goto("/admin/", "dashboard-awaiting-review")
    expect(page.locator("main")).to_contain_text(TITLE)
    approve(approver, ids["Take it on"], comment="Clear and short: approved.")
    approve(approver, ids["Reply in a day"])
    approve(approver, ids["Quiz"])
    approver.goto(f"/admin/pages/{ids['policy']}/edit/")
    page.get_by_role("tab", name="Version").click()
    expect(page.locator("#id_material_change")).not_to_be_checked()
    approver.visit("version-decision")
    more_actions(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Approve and Publish").click()
    page.wait_for_load_state("load")
    expect(page.locator(".messages")).to_contain_text(
        re.compile("approved|published|updated")
    )
    approver.visit("published")
    live = app.shell(
        "from cms.models import PolicyPage\n"
        f"p = PolicyPage.objects.get(code='{CODE}')\n"
        "print(p.live, p.version, sorted(c.live for c in p.get_children()))\n"
    )
    assert live.split() == ["True", "1", "[True,", "True,", "True]"], live
    published = time.monotonic()
    approver.finish()

    employee = journey("authoring-employee", locale="zh-CN", viewport=PHONE)
    sign_in(employee, "D0000001")
    while not employee.page.locator("li.training-item", has_text=CODE).count():
        assert time.monotonic() - published < 60, "the worker did not assign it"
        time.sleep(0.5)
        employee.page.reload()
    employee.visit("my-training-new-measure")
    employee.finish()
