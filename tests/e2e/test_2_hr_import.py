"""An administrator imports an HR file: a file with two bad rows is refused
and names both; a good file shows its preview, is applied, and the transfer
shows in the staff list."""

from __future__ import annotations

import json
import re
import time

from playwright.sync_api import expect

from tests.e2e.conftest import App, sign_in

TO_UNIT = "440104"  # 越秀区, 广州市


def someone_to_transfer(app: App) -> dict:
    """An active employee of 天河区 other than the demo's own accounts."""
    out = app.shell(
        "import json\n"
        "from lms.models import Employee\n"
        "e = (Employee.objects.filter(is_active=True, unit__code='440106')"
        ".exclude(employee_no__in=['D0000001', 'D0000002'])"
        ".select_related('position').order_by('employee_no').first())\n"
        "print(json.dumps({'no': e.employee_no, 'name': e.name,"
        " 'position': e.position.code, 'email': e.email or ''}))\n"
    )
    return json.loads(out.strip().splitlines()[-1])


def upload(trip, name: str, content: str) -> None:
    page = trip.page
    trip.goto("/admin/organisation/imports/new/")
    page.check("input[name=kind][value=staff]")
    page.set_input_files(
        "input[name=file]",
        files=[{"name": name, "mimeType": "text/csv", "buffer": content.encode()}],
    )
    trip.visit(f"upload-{name.removesuffix('.csv')}")
    page.get_by_role("button", name="Upload and check").click()
    page.wait_for_load_state("load")


def wait_for(trip, text: str, seconds: float = 60) -> None:
    """The job page reloads itself while the worker checks or applies."""
    deadline = time.monotonic() + seconds
    while text not in trip.page.locator("main").inner_text():
        assert time.monotonic() < deadline, f"the job page never said {text!r}"
        time.sleep(1)
        trip.page.reload()


def test_an_administrator_imports_a_bad_then_a_good_staff_file(journey, app):
    person = someone_to_transfer(app)
    trip = journey("hr-import")
    page = trip.page
    sign_in(trip, "admin")
    trip.goto("/admin/", "admin-home")
    trip.goto("/admin/organisation/imports/", "imports")

    header = "employee_no,name,unit_code,position,email\n"
    bad = (
        header
        + f"{person['no']},{person['name']},{TO_UNIT},{person['position']},\n"
        + "D9999998,新员工甲,NO-SUCH-UNIT,counter,\n"
        + "D9999999,,440106,counter,\n"
    )
    upload(trip, "staff-bad.csv", bad)
    wait_for(trip, "nothing was changed")
    errors = page.locator("[data-report-errors] tbody tr")
    expect(errors).to_have_count(2)
    rows = [errors.nth(i).locator("td").first.inner_text() for i in range(2)]
    assert rows == ["3", "4"], rows
    expect(errors.nth(0)).to_contain_text("unit_code")
    expect(errors.nth(1)).to_contain_text("name")
    trip.visit("refused")

    good = header + f"{person['no']},{person['name']},{TO_UNIT},{person['position']},\n"
    upload(trip, "staff-good.csv", good)
    wait_for(trip, "Transferred to another unit")
    counts = page.locator("[data-report-counts]")
    expect(
        counts.locator("tr", has_text="Transferred to another unit")
    ).to_contain_text("1")
    trip.visit("preview")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_load_state("load")
    wait_for(trip, "What the import did")
    trip.visit("applied")

    trip.goto(f"/admin/organisation/employees/?q={person['no']}")
    row = page.locator("table.listing tbody tr", has_text=person["no"])
    expect(row).to_contain_text("越秀区")
    trip.visit("staff-list")
    expect(page).to_have_url(re.compile(r"/admin/organisation/employees/"))
    trip.finish()
