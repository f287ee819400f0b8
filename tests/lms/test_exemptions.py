"""Exemptions (``lms.services.exemptions``) and how readiness counts them:
out of "assigned" only while they last, never past the cap per unit, a new
hire's grace, who proposes and who decides, the audit log."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cms.models import PolicyPage
from lms.models import Employee, Exemption, ScopedLogEntry
from lms.roles import MANAGER
from lms.selectors.readiness import readiness_for
from lms.selectors.readiness_check import readiness_differences
from lms.services.exemptions import exemption_decide, exemption_end, exemption_propose
from tests.factories import EmployeeFactory, ManagerScopeFactory, UserFactory
from tests.lms.test_launches import gate_policy
from tests.lms.test_readiness import staff

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


@pytest.fixture
def policy(tree, positions):
    return gate_policy()


def manager(*units):
    user = UserFactory(roles=[MANAGER])
    for unit in units:
        ManagerScopeFactory(user=user, unit=unit)
    return user


def figures(policy, unit):
    f = readiness_for(policy=policy, scope=unit, depth=0).overall
    return (f.certified, f.assigned, f.exempt)


def exempt(policy, employee, *, proposer, decider, days=30):
    proposed = exemption_propose(
        employee=employee,
        policy=policy,
        user=proposer,
        reason="产假",
        ends_on=TODAY() + datetime.timedelta(days=days),
    )
    return exemption_decide(exemption=proposed, user=decider, approve=True)


def test_an_approved_exemption_leaves_assigned_while_it_lasts(policy, tree, clock):
    people = staff(policy, tree["GZ-TH"], 20, certified=15)
    county, city = manager(tree["GZ-TH"]), manager(tree["GZ"])
    assert figures(policy, tree["GZ-TH"]) == (15, 20, 0)
    proposed = exemption_propose(
        employee=people[19],
        policy=policy,
        user=county,
        reason="产假",
        ends_on=TODAY() + datetime.timedelta(days=10),
    )
    assert figures(policy, tree["GZ-TH"]) == (15, 20, 0)  # proposed only
    exemption_decide(exemption=proposed, user=city, approve=True)
    assert figures(policy, tree["GZ-TH"]) == (15, 19, 1)
    assert figures(policy, tree["HQ"]) == (15, 19, 1)
    clock.advance(days=11)
    assert figures(policy, tree["GZ-TH"]) == (15, 20, 0)  # over: counts again
    assert readiness_differences(policy=policy, scope=tree["HQ"]) == []


def test_the_cap_holds_at_approval_and_in_readiness(policy, tree):
    people = staff(policy, tree["GZ-TH"], 40, certified=30)  # cap 5 %: 2 of 40
    county, city = manager(tree["GZ-TH"]), manager(tree["GZ"])
    exempt(policy, people[39], proposer=county, decider=city)
    exempt(policy, people[38], proposer=county, decider=city)
    third = exemption_propose(
        employee=people[37],
        policy=policy,
        user=county,
        reason="借调",
        ends_on=TODAY() + datetime.timedelta(days=5),
    )
    with pytest.raises(ValidationError, match="cap is reached"):
        exemption_decide(exemption=third, user=city, approve=True)
    assert figures(policy, tree["GZ-TH"]) == (30, 38, 2)
    # Staff leave: 2 exempt of 30 is over the cap of 1; one counts again.
    Employee.objects.filter(pk__in=[p.pk for p in people[:10]]).update(is_active=False)
    assert figures(policy, tree["GZ-TH"]) == (20, 29, 1)
    assert figures(policy, tree["GD"]) == (20, 29, 1)
    assert readiness_differences(policy=policy, scope=tree["HQ"]) == []


def test_a_certified_employee_is_never_counted_exempt(policy, tree):
    people = staff(policy, tree["GZ-TH"], 40, certified=40)
    exempt(
        policy, people[0], proposer=manager(tree["GZ-TH"]), decider=manager(tree["GZ"])
    )
    assert figures(policy, tree["GZ-TH"]) == (40, 40, 0)


def test_new_hires_are_exempt_for_the_grace_period(policy, tree, clock):
    PolicyPage.objects.filter(pk=policy.pk).update(new_hire_grace_days=14)
    staff(policy, tree["GZ-TH"], 40, certified=30)
    clock.advance(days=20)  # they joined weeks ago (after the publication)
    assert figures(policy, tree["GZ-TH"]) == (30, 40, 0)
    newcomer = staff(policy, tree["GZ-TH"], 1)[0]
    policy.refresh_from_db()
    assert figures(policy, tree["GZ-TH"]) == (30, 40, 1)
    clock.advance(days=15)
    assert figures(policy, tree["GZ-TH"]) == (30, 41, 0)
    assert newcomer.pk
    assert readiness_differences(policy=policy, scope=tree["HQ"]) == []


def test_who_proposes_and_who_decides(policy, tree):
    people = staff(policy, tree["GZ-TH"], 40)
    county, city, other = (
        manager(tree["GZ-TH"]),
        manager(tree["GZ"]),
        manager(tree["BJ"]),
    )
    with pytest.raises(PermissionDenied):
        exemption_propose(
            employee=people[0],
            policy=policy,
            user=other,
            reason="x",
            ends_on=TODAY(),
        )
    proposed = exemption_propose(
        employee=people[0], policy=policy, user=county, reason="病假", ends_on=TODAY()
    )
    for user in (county, manager(tree["GZ-TH"]), other):  # self, same level, elsewhere
        with pytest.raises(PermissionDenied):
            exemption_decide(exemption=proposed, user=user, approve=True)
    with pytest.raises(ValidationError):
        exemption_decide(exemption=proposed, user=city, approve=False, note="")
    rejected = exemption_decide(
        exemption=proposed, user=city, approve=False, note="不符合"
    )
    assert rejected.status == "rejected"
    with pytest.raises(ValidationError, match="decided already"):
        exemption_decide(exemption=rejected, user=city, approve=True)
    actions = set(
        ScopedLogEntry.objects.for_instance(rejected).values_list("action", flat=True)
    )
    assert actions == {"lms.exemption_propose", "lms.exemption_reject"}


def test_bad_proposals_are_refused_with_reasons(policy, tree):
    people = staff(policy, tree["GZ-TH"], 40)
    county = manager(tree["GZ-TH"])
    outsider = EmployeeFactory(unit=tree["GZ-TH"])  # not assigned
    cases = [
        {"employee": people[0], "reason": "", "ends_on": TODAY()},
        {
            "employee": people[0],
            "reason": "x",
            "ends_on": TODAY() - datetime.timedelta(days=1),
        },
        {
            "employee": people[0],
            "reason": "x",
            "ends_on": TODAY() + datetime.timedelta(days=400),
        },
        {"employee": outsider, "reason": "x", "ends_on": TODAY()},
    ]
    for case in cases:
        with pytest.raises(ValidationError):
            exemption_propose(policy=policy, user=county, **case)
    exemption_propose(
        employee=people[0], policy=policy, user=county, reason="x", ends_on=TODAY()
    )
    with pytest.raises(ValidationError, match="already proposed"):
        exemption_propose(
            employee=people[0], policy=policy, user=county, reason="y", ends_on=TODAY()
        )
    assert Exemption.objects.count() == 1


def test_ending_early_counts_the_employee_again(policy, tree):
    people = staff(policy, tree["GZ-TH"], 40, certified=30)
    county, city = manager(tree["GZ-TH"]), manager(tree["GZ"])
    approved = exempt(policy, people[39], proposer=county, decider=city)
    assert figures(policy, tree["GZ-TH"]) == (30, 39, 1)
    with pytest.raises(ValidationError):
        exemption_end(exemption=approved, user=city, note="")
    exemption_end(exemption=approved, user=city, note="提前返岗")
    assert figures(policy, tree["GZ-TH"]) == (30, 40, 0)


class TestAdmin:
    def test_a_manager_proposes_and_the_manager_above_approves(
        self, client, policy, tree
    ):
        people = staff(policy, tree["GZ-TH"], 40, certified=30)
        county, city = manager(tree["GZ-TH"]), manager(tree["GZ"])
        client.force_login(county)
        ends = (TODAY() + datetime.timedelta(days=20)).isoformat()
        bad = client.post(
            "/admin/lms/exemptions/",
            {
                "employee_no": "NOBODY",
                "policy": policy.pk,
                "reason": "产假",
                "ends_on": ends,
            },
        )
        assert (
            bad.status_code == 400
            and "no employee with this number" in bad.content.decode()
        )
        done = client.post(
            "/admin/lms/exemptions/",
            {
                "employee_no": people[39].employee_no,
                "policy": policy.pk,
                "reason": "产假",
                "ends_on": ends,
            },
        )
        exemption = Exemption.objects.get()
        assert done.status_code == 302 and done["Location"].endswith(
            f"/{exemption.pk}/"
        )
        page = client.get(done["Location"]).content.decode()
        assert "Proposed" in page and 'value="approve"' not in page  # not their own
        client.force_login(city)
        assert 'value="approve"' in client.get(done["Location"]).content.decode()
        client.post(done["Location"], {"action": "approve", "note": ""})
        exemption.refresh_from_db()
        assert exemption.status == "approved"
        gate = client.get(
            f"/admin/lms/launch/?policy={policy.pk}&unit={tree['GZ-TH'].pk}"
        ).content.decode()
        assert "30 / 39" in gate and "1 exempt" in gate

    def test_managers_elsewhere_do_not_see_them(self, client, policy, tree):
        people = staff(policy, tree["GZ-TH"], 40)
        exemption = exemption_propose(
            employee=people[0],
            policy=policy,
            user=manager(tree["GZ-TH"]),
            reason="病假",
            ends_on=TODAY(),
        )
        client.force_login(manager(tree["BJ"]))
        assert (
            people[0].name not in client.get("/admin/lms/exemptions/").content.decode()
        )
        assert client.get(f"/admin/lms/exemptions/{exemption.pk}/").status_code == 404
