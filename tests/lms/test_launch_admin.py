"""The launch gate in the admin (``lms.admin.launches``): readiness with its
blockers, a refused launch showing why (nothing recorded), a launch and a
withdrawal, the records, scoped to the person's units."""

from __future__ import annotations

import pytest

from lms.models import Launch
from lms.roles import MANAGER
from tests.factories import ManagerScopeFactory, UserFactory
from tests.lms.test_launches import gate_policy, officer
from tests.lms.test_readiness import staff

pytestmark = pytest.mark.django_db

GATE = "/admin/lms/launch/"


@pytest.fixture
def policy(tree, positions):
    return gate_policy()


def test_a_refused_launch_shows_its_blockers_then_a_ready_one_is_recorded(
    client, policy, tree
):
    staff(policy, tree["GZ-TH"], 10, certified=9)
    people = staff(policy, tree["GZ-YX"], 10, certified=4)
    client.force_login(officer(tree["GD"]))
    query = f"?policy={policy.pk}&unit={tree['GZ'].pk}"
    page = client.get(GATE + query)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Not ready" in html and "越秀区" in html and "13 / 20" in html
    refused = client.post(GATE + query, {"action": "launch", "note": "首批"})
    assert refused.status_code == 200
    assert "Refused: nothing was recorded." in refused.content.decode()
    assert Launch.objects.count() == 0
    from tests.lms.test_training import certify

    for person in people[4:8]:
        certify(person, policy)
    done = client.post(GATE + query, {"action": "launch", "note": "首批"})
    record = Launch.objects.get()
    assert done.status_code == 302 and done["Location"].endswith(
        f"/{record.reference}/"
    )
    detail = client.get(done["Location"]).content.decode()
    assert "首批" in detail and "越秀区" in detail and "8 / 10" in detail
    gate = client.get(GATE + query).content.decode()
    assert "Launched here since" in gate and "Withdraw the launch" in gate
    withdrawn = client.post(GATE + query, {"action": "withdraw", "reason": ""})
    assert withdrawn.status_code == 400 and Launch.objects.count() == 1
    client.post(GATE + query, {"action": "withdraw", "reason": "发现故障"})
    assert Launch.objects.filter(kind="withdrawal").count() == 1
    listing = client.get("/admin/lms/launches/").content.decode()
    assert listing.count(record.reference) >= 1 and "withdrawn" in listing


def test_managers_read_but_cannot_launch_and_scopes_hold(client, policy, tree):
    staff(policy, tree["GZ-TH"], 10, certified=10)
    staff(policy, tree["BJ-DC"], 10, certified=10)
    launch = officer(tree["HQ"])
    from lms.services.launches import launch_record

    bj = launch_record(policy=policy, unit=tree["BJ"], user=launch)
    manager = UserFactory(roles=[MANAGER])
    ManagerScopeFactory(user=manager, unit=tree["GD"])
    client.force_login(manager)
    query = f"?policy={policy.pk}&unit={tree['GZ-TH'].pk}"
    page = client.get(GATE + query).content.decode()
    assert "Ready" in page and 'value="launch"' not in page
    refused = client.post(GATE + query, {"action": "launch"})
    assert refused.status_code == 302 and refused["Location"] == "/admin/"
    other = f"?policy={policy.pk}&unit={tree['BJ'].pk}"
    assert client.get(GATE + other).status_code == 200  # the form refuses the unit
    assert "东城区" not in client.get(GATE + other).content.decode()
    assert bj.reference not in client.get("/admin/lms/launches/").content.decode()
    assert client.get(f"/admin/lms/launches/{bj.reference}/").status_code == 404
    assert Launch.objects.count() == 1


def test_employees_have_no_access(client, tree):
    client.force_login(UserFactory())
    assert client.get(GATE).status_code in (302, 403)
