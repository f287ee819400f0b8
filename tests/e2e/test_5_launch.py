"""A launch officer of 广东省 tries to launch SVC-2026-01 in 广州市 and is
refused with the blockers (nothing recorded); once every assigned employee
of 天河区 holds a certificate, launches it there, reads the record and its
evidence, and the public confirmation page (nothing about people)."""

from __future__ import annotations

import json
import re
import time

from playwright.sync_api import expect

from tests.e2e.conftest import App, sign_in

POLICY = "SVC-2026-01"
CITY, COUNTY = "440100", "440106"  # 广州市, 天河区 (the demo's launch scope: 广东省)

CERTIFY_COUNTY = f"""
from cms.models import PolicyPage
from cms.quiz import quiz_pool
from lms.models import Assignment, OrgUnit
from lms.selectors import standing_for
from lms.services.attempts import attempt_read, attempt_start, attempt_submit
from lms.services.progress import module_complete
policy = PolicyPage.objects.get(code="{POLICY}")
unit = OrgUnit.objects.get(code="{COUNTY}")
rows = Assignment.objects.filter(
    policy=policy, is_active=True, employee__unit__path__startswith=unit.path
).select_related("employee")
for row in rows:
    employee = row.employee
    if standing_for(employee=employee, policy=policy).certified:
        continue
    for module in policy.modules():
        module_complete(employee=employee, module=module)
    attempt = attempt_start(employee=employee, policy=policy)
    pool = quiz_pool(revision_id=attempt.quiz_revision_id)
    answers = {{qid: sorted(pool[qid].correct_ids) for qid, _ in attempt.draw}}
    owned = attempt_read(attempt_id=attempt.pk, employee=employee)
    attempt_submit(owned=owned, answers=answers)
print(rows.count())
"""


def ids(app: App) -> dict[str, int]:
    out = app.shell(
        "import json\n"
        "from cms.models import PolicyPage\n"
        "from lms.models import OrgUnit\n"
        f"print(json.dumps({{'policy': PolicyPage.objects.get(code='{POLICY}').pk, "
        f"'city': OrgUnit.objects.get(code='{CITY}').pk, "
        f"'county': OrgUnit.objects.get(code='{COUNTY}').pk}}))\n"
    )
    return json.loads(out.strip().splitlines()[-1])


def wait_for_assignments(app: App, seconds: float = 180) -> None:
    """seed_demo's publications enqueued the syncs; the worker runs them."""
    deadline = time.monotonic() + seconds
    count = (
        "from lms.models import Assignment\n"
        f"print(Assignment.objects.filter(policy__code='{POLICY}', "
        f"employee__unit__code='{COUNTY}').count())\n"
    )
    while int(app.shell(count).strip().splitlines()[-1]) == 0:
        if time.monotonic() > deadline:
            raise AssertionError(f"{POLICY} was never assigned in {COUNTY}")
        time.sleep(2)


def test_refused_with_the_blockers_then_launched_when_ready(journey, app: App):
    wait_for_assignments(app)
    known = ids(app)
    trip = journey("launch-officer")
    page = trip.page
    sign_in(trip, "launch")
    gate = "/admin/lms/launch/?policy={policy}&unit={unit}"
    trip.goto(gate.format(policy=known["policy"], unit=known["city"]), "gate-city")
    expect(page.get_by_text("Not ready")).to_be_visible()
    page.fill("textarea[name=note]", "首批上线")
    page.get_by_role("button", name=re.compile("Launch in")).click()
    expect(page.get_by_role("alert")).to_contain_text("Refused: nothing was recorded.")
    expect(page.get_by_text("People still needed")).to_be_visible()
    trip.visit("gate-refused")

    assert int(app.shell(CERTIFY_COUNTY).strip().splitlines()[-1]) > 0
    trip.goto(gate.format(policy=known["policy"], unit=known["county"]), "gate-ready")
    expect(page.get_by_text("Ready", exact=True)).to_be_visible()
    page.fill("textarea[name=note]", "天河区首批")
    page.get_by_role("button", name=re.compile("Launch in")).click()
    expect(page.locator(".messages")).to_contain_text("is launched in")
    trip.visit("launch-record")
    reference = page.url.rstrip("/").rsplit("/", 1)[-1]
    expect(page.get_by_text("天河区首批")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the evidence PDF").click()
    assert download.value.suggested_filename == f"launch-{reference}.pdf"

    trip.goto(f"/launches/{reference}/", "launch-confirm")
    expect(page.get_by_text("This launch is recorded and in force.")).to_be_visible()
    assert "演示上线负责人" not in page.content()
    trip.finish()
