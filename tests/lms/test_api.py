"""The launch gate's API (``lms.api``): status codes, scopes, tokens, CSRF,
the 409 with its blockers, and the OpenAPI document matching the answers."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone
from wagtail.models import APIToken

from lms.models import ApiTokenExpiry, Launch
from lms.roles import ADMINISTRATOR, EMPLOYEE, LAUNCH_OFFICER, MANAGER
from tests.factories import ManagerScopeFactory, UserFactory
from tests.lms.test_launches import gate_policy, officer
from tests.lms.test_readiness import staff

pytestmark = pytest.mark.django_db

BASE = "/api/v1"
# 广东省 and the two levels below it in the test tree, in path order.
GD_TWO_LEVELS = ["GD", "GZ", "GZ-TH", "GZ-YX", "SZ", "SZ-NS"]


def bearer(user, **expiry):
    token, secret = APIToken.create_token(user=user, name="launch switch")
    if expiry:
        ApiTokenExpiry.objects.create(token=token, **expiry)
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}, token


@pytest.fixture
def policy(tree, positions):
    return gate_policy()


@pytest.fixture
def ready_gz(policy, tree):
    staff(policy, tree["GZ-TH"], 10, certified=9)
    staff(policy, tree["GZ-YX"], 10, certified=8)
    staff(policy, tree["BJ-DC"], 10, certified=1)
    return tree["GZ"]


@pytest.fixture
def gd_officer(tree):
    return officer(tree["GD"])


def test_without_credentials_every_endpoint_is_401(client, policy):
    for path in (
        "/policies",
        f"/policies/{policy.code}",
        f"/policies/{policy.code}/readiness",
        f"/policies/{policy.code}/launch-status?unit=GZ",
        "/launches",
    ):
        assert client.get(BASE + path).status_code == 401, path
    response = client.post(
        f"{BASE}/policies/{policy.code}/launch",
        {"unit": "GZ"},
        content_type="application/json",
    )
    assert response.status_code == 401


def test_reading_needs_the_permission(client, policy, tree):
    employee = UserFactory(roles=[EMPLOYEE])
    headers, _ = bearer(employee)
    assert client.get(f"{BASE}/policies", **headers).status_code == 403


def test_policies_and_a_policy(client, policy, tree, gd_officer, ready_gz):
    headers, _ = bearer(gd_officer)
    listing = client.get(f"{BASE}/policies", **headers)
    assert listing.status_code == 200
    assert listing.json() == [
        {"code": policy.code, "title": policy.title, "version": 1, "live": True}
    ]
    detail = client.get(f"{BASE}/policies/{policy.code}", **headers).json()
    assert detail["thresholds"] == {
        "overall": 80,
        "unit": 50,
        "unit_level": "county",
        "exemption_cap": 5,
        "positions": {},
    }
    assert detail["launched"] == []
    unknown = client.get(f"{BASE}/policies/NOPE-1", **headers)
    assert unknown.status_code == 404
    assert unknown.json()["detail"] == "There is no policy NOPE-1."


def test_readiness_in_scope_with_depth_and_blockers(client, policy, tree, ready_gz):
    manager = UserFactory(roles=[MANAGER])
    ManagerScopeFactory(user=manager, unit=tree["GD"])
    headers, _ = bearer(manager)
    url = f"{BASE}/policies/{policy.code}/readiness"
    answer = client.get(url, {"unit": "GD", "depth": 2}, **headers)
    assert answer.status_code == 200
    data = answer.json()
    assert data["ready"] is True and data["blockers"] == []
    assert [u["code"] for u in data["units"]] == GD_TWO_LEVELS
    assert client.get(url, {"unit": "BJ"}, **headers).status_code == 403
    assert client.get(url, **headers).status_code == 403  # the whole group
    unknown = client.get(url, {"unit": "XX"}, **headers)
    assert unknown.status_code == 404
    assert unknown.json()["detail"] == "There is no unit XX."
    bad = client.get(url, {"unit": "GD", "depth": 9}, **headers)
    assert bad.status_code == 422 and "depth" in bad.json()["detail"]


def test_launch_refused_with_blockers_then_allowed(client, policy, tree, ready_gz):
    hq = officer(tree["HQ"])
    headers, _ = bearer(hq)
    url = f"{BASE}/policies/{policy.code}/launch"
    refused = client.post(
        url, {"unit": "HQ"}, content_type="application/json", **headers
    )
    assert refused.status_code == 409
    body = refused.json()
    assert [(b["kind"], b["code"], b["missing"]) for b in body["blockers"]] == [
        ("overall", "HQ", 6),  # 18 of 30; 24 reach 80 %
        ("unit", "BJ-DC", 4),  # 1 of 10; 5 reach 50 %
    ]
    assert body["readiness"]["ready"] is False and body["conflict"] is None
    assert Launch.objects.count() == 0
    allowed = client.post(
        url, {"unit": "GZ", "note": "首批"}, content_type="application/json", **headers
    )
    assert allowed.status_code == 200
    record = allowed.json()
    assert (record["kind"], record["unit"], record["note"]) == ("launch", "GZ", "首批")
    assert record["snapshot"]["scope"]["certified"] == 17
    again = client.post(url, {"unit": "GZ"}, content_type="application/json", **headers)
    assert again.status_code == 409
    assert again.json()["conflict"]["reference"] == record["reference"]


def test_launch_status_follows_launches_and_withdrawals(
    client,
    policy,
    tree,
    gd_officer,
    ready_gz,
):
    headers, _ = bearer(gd_officer)
    status_url = f"{BASE}/policies/{policy.code}/launch-status"
    before = client.get(status_url, {"unit": "GZ-TH"}, **headers).json()
    assert before["launched"] is False and before["record"] is None
    launched = client.post(
        f"{BASE}/policies/{policy.code}/launch",
        {"unit": "GZ"},
        content_type="application/json",
        **headers,
    ).json()
    now = client.get(status_url, {"unit": "GZ-TH"}, **headers).json()
    assert now["launched"] is True and now["through"] == "GZ"
    assert now["record"]["reference"] == launched["reference"]
    assert client.get(status_url, {"unit": "BJ-DC"}, **headers).status_code == 403
    assert client.get(status_url, **headers).status_code == 422  # unit required
    withdraw_url = f"{BASE}/policies/{policy.code}/withdraw"
    empty = client.post(
        withdraw_url,
        {"unit": "GZ", "reason": ""},
        content_type="application/json",
        **headers,
    )
    assert empty.status_code == 422
    withdrawn = client.post(
        withdraw_url,
        {"unit": "GZ", "reason": "发现故障"},
        content_type="application/json",
        **headers,
    )
    assert withdrawn.status_code == 200
    assert withdrawn.json()["withdraws"] == launched["reference"]
    assert (
        client.get(status_url, {"unit": "GZ-TH"}, **headers).json()["launched"] is False
    )
    twice = client.post(
        withdraw_url,
        {"unit": "GZ", "reason": "again"},
        content_type="application/json",
        **headers,
    )
    assert twice.status_code == 409 and "not launched" in twice.json()["detail"]


def test_launch_out_of_scope_or_without_the_role_is_403(client, policy, tree, ready_gz):
    url = f"{BASE}/policies/{policy.code}/launch"
    bj, _ = bearer(officer(tree["BJ"]))
    assert (
        client.post(
            url, {"unit": "GZ"}, content_type="application/json", **bj
        ).status_code
        == 403
    )
    manager = UserFactory(roles=[MANAGER])
    ManagerScopeFactory(user=manager, unit=tree["GD"])
    headers, _ = bearer(manager)
    assert (
        client.post(
            url, {"unit": "GZ"}, content_type="application/json", **headers
        ).status_code
        == 403
    )
    unknown = client.post(
        f"{BASE}/policies/NOPE-1/launch",
        {"unit": "GZ"},
        content_type="application/json",
        **bj,
    )
    assert unknown.status_code == 404
    invalid = client.post(url, {"note": 5}, content_type="application/json", **bj)
    assert invalid.status_code == 422 and "unit" in invalid.json()["detail"]
    garbage = client.post(url, "{not json", content_type="application/json", **bj)
    assert garbage.status_code in (400, 422)
    assert Launch.objects.count() == 0


def test_launches_listing_is_scoped_and_filtered(client, policy, tree, ready_gz):
    hq = officer(tree["HQ"])
    headers, _ = bearer(hq)
    client.post(
        f"{BASE}/policies/{policy.code}/launch",
        {"unit": "GZ-TH"},
        content_type="application/json",
        **headers,
    )
    listing = client.get(f"{BASE}/launches", {"policy": policy.code}, **headers).json()
    assert [r["unit"] for r in listing] == ["GZ-TH"]
    bj_manager = UserFactory(roles=[MANAGER])
    ManagerScopeFactory(user=bj_manager, unit=tree["BJ"])
    bj, _ = bearer(bj_manager)
    assert client.get(f"{BASE}/launches", **bj).json() == []
    assert (
        client.get(f"{BASE}/launches", {"unit": "GZ"}, **headers).json()[0]["unit"]
        == "GZ-TH"
    )
    later = (timezone.now() + datetime.timedelta(hours=1)).isoformat()
    assert client.get(f"{BASE}/launches", {"since": later}, **headers).json() == []


class TestTokens:
    def test_a_revoked_or_expired_token_or_inactive_owner_is_refused(
        self, client, tree
    ):
        user = officer(tree["GD"])
        headers, token = bearer(user)
        assert client.get(f"{BASE}/policies", **headers).status_code == 200
        token.refresh_from_db()
        assert token.last_used_at is not None
        token.revoke()
        assert client.get(f"{BASE}/policies", **headers).status_code == 401
        past = timezone.now() - datetime.timedelta(seconds=1)
        expired, _ = bearer(user, expires_at=past)
        assert client.get(f"{BASE}/policies", **expired).status_code == 401
        future = timezone.now() + datetime.timedelta(days=1)
        valid, _ = bearer(user, expires_at=future)
        assert client.get(f"{BASE}/policies", **valid).status_code == 200
        user.is_active = False
        user.save()
        assert client.get(f"{BASE}/policies", **valid).status_code == 401
        wrong = {"HTTP_AUTHORIZATION": "Bearer wagtail_" + "x" * 40}
        assert client.get(f"{BASE}/policies", **wrong).status_code == 401

    def test_only_a_digest_is_stored(self, tree):
        token, secret = APIToken.create_token(user=officer(tree["GD"]), name="x")
        stored = APIToken.objects.filter(pk=token.pk).values().get()
        assert secret not in {str(value) for value in stored.values()}

    def test_administrators_create_a_token_shown_once_with_an_expiry(
        self, client, tree
    ):
        admin = UserFactory(roles=[ADMINISTRATOR])
        owner = officer(tree["GD"])
        client.force_login(admin)
        day = timezone.localdate() + datetime.timedelta(days=30)
        response = client.post(
            "/admin/api-tokens/new/",
            {"name": "BSS", "user": owner.pk, "expires_on": day.isoformat()},
        )
        assert response.status_code == 200
        token = APIToken.objects.get(user=owner)
        assert timezone.localtime(token.expiry.expires_at).date() == day
        page = response.content.decode()
        secret = next(w for w in page.split('"') if w.startswith("wagtail_"))
        listing = client.get("/admin/api-tokens/").content.decode()
        assert secret not in listing
        api = Client()
        assert (
            api.get(
                f"{BASE}/policies", HTTP_AUTHORIZATION=f"Bearer {secret}"
            ).status_code
            == 200
        )

    def test_launch_officers_cannot_manage_tokens(self, client, tree):
        client.force_login(officer(tree["GD"]))
        assert client.get("/admin/api-tokens/").status_code in (302, 403)


class TestSession:
    def test_a_session_reads_and_writes_only_with_the_csrf_token(
        self, policy, tree, ready_gz
    ):
        user = UserFactory(roles=[LAUNCH_OFFICER])
        ManagerScopeFactory(user=user, unit=tree["GD"])
        browser = Client(enforce_csrf_checks=True)
        browser.force_login(user)
        assert browser.get(f"{BASE}/policies").status_code == 200
        url = f"{BASE}/policies/{policy.code}/launch"
        forged = browser.post(url, {"unit": "GZ"}, content_type="application/json")
        assert forged.status_code == 403 and Launch.objects.count() == 0
        browser.get("/admin/")  # sets the CSRF cookie
        csrf = browser.cookies["csrftoken"].value
        sent = browser.post(
            url, {"unit": "GZ"}, content_type="application/json", HTTP_X_CSRFTOKEN=csrf
        )
        assert sent.status_code == 200 and Launch.objects.count() == 1


def test_the_openapi_document_lists_every_endpoint_and_answer(client):
    document = client.get(f"{BASE}/openapi.json").json()
    paths = document["paths"]
    for path in (
        "/api/v1/policies",
        "/api/v1/policies/{code}",
        "/api/v1/policies/{code}/readiness",
        "/api/v1/policies/{code}/launch-status",
        "/api/v1/launches",
        "/api/v1/policies/{code}/launch",
        "/api/v1/policies/{code}/withdraw",
    ):
        assert path in paths, path
    launch = paths["/api/v1/policies/{code}/launch"]["post"]
    assert set(launch["responses"]) >= {"200", "403", "404", "409", "422"}
    schemes = document["components"]["securitySchemes"]
    assert {"TokenAuth", "SessionAuth"} <= set(schemes)


def test_the_readiness_answer_is_the_documented_schema(client, policy, tree):
    """The readiness answer is written as JSON without validation on each
    request (its hot path): here it is validated against its schema, and
    its fields are those the OpenAPI document lists."""
    from lms.api import ReadinessOut

    staff(policy, tree["GZ-TH"], 4, certified=3)
    headers, _ = bearer(officer(tree["HQ"]))
    url = f"{BASE}/policies/{policy.code}/readiness"
    answer = client.get(url, {"unit": "GD", "depth": 2}, **headers)
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/json"
    body = answer.json()
    validated = ReadinessOut.model_validate(body)
    assert [u.code for u in validated.units] == GD_TWO_LEVELS
    document = client.get(f"{BASE}/openapi.json").json()
    schemas = document["components"]["schemas"]
    assert set(body) == set(schemas["ReadinessOut"]["properties"])
    assert body["blockers"]  # 3 of 4 is below the measure's thresholds
    for part, schema in (("units", "UnitFiguresOut"), ("blockers", "BlockerOut")):
        for item in body[part]:
            assert set(item) == set(schemas[schema]["properties"]), part
    assert set(body["overall"]) == set(schemas["FiguresOut"]["properties"])


def test_the_readiness_api_query_count_does_not_grow_with_the_tree(
    client, policy, tree
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import unit_add

    headers, _ = bearer(officer(tree["HQ"]))
    url = f"{BASE}/policies/{policy.code}/readiness"

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert (
                client.get(url, {"unit": "GD", "depth": 2}, **headers).status_code
                == 200
            )
        return len(captured)

    staff(policy, tree["GZ-TH"], 5, certified=5)
    queries()  # the token's last use written, permissions cached from here on
    few = queries()
    for n in range(20):
        county = unit_add(
            code=f"GZ-X{n}", name=f"县{n}", level="county", parent=tree["GZ"]
        )
        staff(policy, county, 2, certified=1)
    # The new counties counted from the rows and stored (a fixed number of
    # grouped queries and writes), then read as stored.
    assert queries() <= few + 10
    assert queries() == few
