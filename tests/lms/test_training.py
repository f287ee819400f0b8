"""My training (/my/): the employee's assigned measures, their state and order."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone

from certificates.models import Certificate
from cms.models import ModulePage, PolicyPage, PolicyVersion
from lms.models import Assignment, ModuleProgress, QuizAttempt
from lms.selectors import (
    CertificateState,
    TrainingState,
    accepted_certificates,
    standings_for,
)
from tests.factories import EmployeeFactory, UserFactory, catalogue, course

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def days(n: int) -> datetime.date:
    return TODAY() + datetime.timedelta(days=n)


def assign(employee, policy, *, due_in: int = 20) -> Assignment:
    assignment, _ = Assignment.objects.update_or_create(
        employee=employee,
        policy=policy,
        defaults={
            "assigned_at": timezone.now(),
            "due_on": days(due_in),
            "is_active": True,
        },
    )
    return assignment


def add_module(policy: PolicyPage, title: str) -> ModulePage:
    module = ModulePage(
        title=title,
        slug=title.lower().replace(" ", "-"),
        live=False,
        body=[{"type": "text", "value": f"<p>{title}</p>"}],
    )
    policy.add_child(instance=module)
    module.save_revision().publish()
    return module


def read(employee, module: ModulePage, policy: PolicyPage, version=None):
    return ModuleProgress.objects.create(
        employee=employee,
        policy=policy,
        module=module,
        version=version or policy.version,
        completed_at=timezone.now(),
    )


def certify(
    employee, policy: PolicyPage, *, version=None, expires_in=None, number=1
) -> Certificate:
    version = version or policy.version
    now = timezone.now()
    attempt = QuizAttempt.objects.create(
        employee=employee,
        policy=policy,
        version=version,
        number=number,
        quiz_revision=policy.quiz().live_revision,
        draw=[],
        answers={},
        started_at=now,
        submitted_at=now,
        score=100,
        passed=True,
    )
    return Certificate.objects.create(
        employee=employee,
        policy=policy,
        version=version,
        attempt=attempt,
        score=100,
        issued_at=now - datetime.timedelta(days=10),
        expires_at=(
            now + datetime.timedelta(days=expires_in)
            if expires_in is not None
            else None
        ),
        holder_name=employee.name,
        employee_no=employee.employee_no,
        policy_code=policy.code,
        policy_title=policy.title,
    )


def new_version(policy: PolicyPage, *, renew_in: int | None, renew=True):
    number = policy.version + 1
    PolicyVersion.objects.create(
        policy=policy,
        number=number,
        published_at=timezone.now(),
        earlier_certificates="renew" if renew else "valid",
        renew_by=days(renew_in) if renew_in is not None else None,
    )
    PolicyPage.objects.filter(pk=policy.pk).update(version=number)
    policy.refresh_from_db()


@pytest.fixture
def shelf(tree, positions):
    return catalogue()


@pytest.fixture
def clerk(tree, positions):
    return EmployeeFactory(unit=tree["GZ-TH"], employee_no="GD1001", name="王小明")


@pytest.fixture
def logged_in(client, clerk):
    client.force_login(clerk.user)
    return client


def codes_in_order(html: str) -> list[str]:
    """Policy codes in the order the page shows them (each once)."""
    return list(dict.fromkeys(re.findall(r"SVC-\d{4}-\d{2}", html)))


# --- the selector --------------------------------------------------------------


def test_an_untouched_assignment_is_not_started(shelf, clerk):
    policy = course(shelf)
    assign(clerk, policy)
    [item] = standings_for(employee=clerk)
    assert item.state == TrainingState.NOT_STARTED
    assert (item.modules_done, item.modules_total) == (0, 1)
    assert (item.steps_done, item.steps_total) == (0, 2)
    assert item.next_module.title == "Module 1"


def test_reading_a_module_puts_the_assignment_in_progress(shelf, clerk):
    policy = course(shelf)
    second = add_module(policy, "Module 2")
    assign(clerk, policy)
    read(clerk, policy.modules().first(), policy)
    [item] = standings_for(employee=clerk)
    assert item.state == TrainingState.IN_PROGRESS
    assert (item.modules_done, item.modules_total) == (1, 2)
    assert item.next_module == second
    assert not item.quiz_open


def test_progress_of_an_earlier_version_does_not_count(shelf, clerk):
    policy = course(shelf)
    assign(clerk, policy)
    read(clerk, policy.modules().first(), policy)
    new_version(policy, renew_in=10)
    [item] = standings_for(employee=clerk)
    assert item.modules_done == 0
    assert item.state == TrainingState.NOT_STARTED


def test_an_assignment_past_its_due_date_without_certificate_is_overdue(shelf, clerk):
    policy = course(shelf)
    assign(clerk, policy, due_in=-1)
    read(clerk, policy.modules().first(), policy)
    [item] = standings_for(employee=clerk)
    assert item.state == TrainingState.OVERDUE


def test_a_valid_certificate_of_the_current_version_certifies(shelf, clerk):
    policy = course(shelf, certificate_validity_months=12)
    assign(clerk, policy, due_in=-5)
    certificate = certify(clerk, policy, expires_in=200)
    [item] = standings_for(employee=clerk)
    assert item.state == TrainingState.CERTIFIED
    assert item.certificate == certificate
    assert item.steps_done == item.steps_total


def test_a_certificate_expiring_within_30_days_is_expiring_soon(shelf, clerk):
    policy = course(shelf)
    assign(clerk, policy)
    certify(clerk, policy, expires_in=29)
    [item] = standings_for(employee=clerk)
    assert item.state == TrainingState.EXPIRING


def test_an_expired_or_revoked_certificate_no_longer_counts(shelf, clerk):
    policy = course(shelf)
    assign(clerk, policy, due_in=-1)
    certificate = certify(clerk, policy, expires_in=-1)
    [item] = standings_for(employee=clerk)
    assert item.state == TrainingState.OVERDUE and not item.certified
    assert item.certificate_state == CertificateState.EXPIRED
    Certificate.objects.filter(pk=certificate.pk).update(
        revoked_at=timezone.now(), expires_at=None
    )
    [item] = standings_for(employee=clerk)
    assert item.state == TrainingState.OVERDUE
    assert not item.certified
    assert item.certificate == certificate
    assert item.certificate_state == CertificateState.REVOKED


def test_a_new_version_requiring_renewal_makes_the_holder_renew_by_its_date(
    shelf, clerk
):
    policy = course(shelf)
    assign(clerk, policy)
    certify(clerk, policy)
    new_version(policy, renew_in=14)
    [item] = standings_for(employee=clerk)
    assert item.state == TrainingState.TO_RENEW
    assert item.renew_by == days(14)
    assert item.certificate is not None


def test_after_the_renewal_date_an_earlier_certificate_no_longer_counts(shelf, clerk):
    policy = course(shelf)
    assign(clerk, policy, due_in=-30)
    certify(clerk, policy)
    new_version(policy, renew_in=-1)
    [item] = standings_for(employee=clerk)
    assert item.state == TrainingState.OVERDUE
    assert not item.certified
    assert item.certificate_state == CertificateState.RENEWAL_LAPSED


def test_a_new_version_keeping_earlier_certificates_leaves_the_holder_certified(
    shelf, clerk
):
    policy = course(shelf)
    assign(clerk, policy)
    certify(clerk, policy)
    new_version(policy, renew_in=None, renew=False)
    [item] = standings_for(employee=clerk)
    assert item.state == TrainingState.CERTIFIED


def test_the_earliest_renewal_of_later_versions_sets_the_renewal_date(shelf, clerk):
    policy = course(shelf)
    assign(clerk, policy)
    first = certify(clerk, policy)
    new_version(policy, renew_in=30)
    second = certify(clerk, policy, number=2)
    new_version(policy, renew_in=5)
    third = certify(clerk, policy, number=3)
    [item] = standings_for(employee=clerk)
    assert item.certificate == third and item.state == TrainingState.CERTIFIED
    Certificate.objects.filter(pk=third.pk).update(revoked_at=timezone.now())
    [item] = standings_for(employee=clerk)
    assert item.certificate == second
    assert (item.state, item.renew_by) == (TrainingState.TO_RENEW, days(5))
    Certificate.objects.filter(pk=second.pk).update(revoked_at=timezone.now())
    [item] = standings_for(employee=clerk)
    assert item.certificate == first and item.renew_by == days(5)
    assert set(accepted_certificates()) == {first}


def test_inactive_assignments_and_unpublished_policies_are_not_listed(shelf, clerk):
    live = course(shelf, code="SVC-2026-01")
    gone = course(shelf, code="SVC-2026-02")
    left = course(shelf, code="SVC-2026-03")
    for policy in (live, gone, left):
        assign(clerk, policy)
    Assignment.objects.filter(policy=left).update(is_active=False)
    gone.unpublish()
    assert [item.policy.code for item in standings_for(employee=clerk)] == [
        "SVC-2026-01"
    ]


def build_every_state(shelf, clerk) -> None:
    """One policy in each state; codes are given in reverse of the urgency."""
    certified = course(shelf, code="SVC-2026-09")
    assign(clerk, certified, due_in=-3)
    certify(clerk, certified)
    later = course(shelf, code="SVC-2026-08")
    assign(clerk, later, due_in=40)
    started = course(shelf, code="SVC-2026-07")
    assign(clerk, started, due_in=10)
    read(clerk, started.modules().first(), started)
    expiring = course(shelf, code="SVC-2026-06")
    assign(clerk, expiring)
    certify(clerk, expiring, expires_in=5)
    renew = course(shelf, code="SVC-2026-05")
    assign(clerk, renew)
    certify(clerk, renew)
    new_version(renew, renew_in=7)
    overdue = course(shelf, code="SVC-2026-04")
    assign(clerk, overdue, due_in=-2)


def test_items_are_sorted_by_urgency(shelf, clerk):
    build_every_state(shelf, clerk)
    items = standings_for(employee=clerk)
    assert [(item.policy.code, item.state) for item in items] == [
        ("SVC-2026-04", TrainingState.OVERDUE),
        ("SVC-2026-05", TrainingState.TO_RENEW),
        ("SVC-2026-06", TrainingState.EXPIRING),
        ("SVC-2026-07", TrainingState.IN_PROGRESS),
        ("SVC-2026-08", TrainingState.NOT_STARTED),
        ("SVC-2026-09", TrainingState.CERTIFIED),
    ]


def test_in_progress_and_not_started_are_ordered_by_due_date(shelf, clerk):
    soon = course(shelf, code="SVC-2026-02")
    assign(clerk, soon, due_in=3)
    later = course(shelf, code="SVC-2026-01")
    assign(clerk, later, due_in=9)
    read(clerk, later.modules().first(), later)
    codes = [item.policy.code for item in standings_for(employee=clerk)]
    assert codes == ["SVC-2026-02", "SVC-2026-01"]


# --- the page --------------------------------------------------------------------


def test_login_leads_to_my_training(client, clerk):
    response = client.post(
        "/accounts/login/", {"username": "GD1001", "password": "s3cret-pass"}
    )
    assert response["Location"] == "/my/"


def test_my_account_moved_below_my_training(logged_in, clerk):
    response = logged_in.get("/my/account/")
    assert response.status_code == 200
    assert clerk.employee_no in response.content.decode()


def test_my_training_needs_a_login(client):
    response = client.get("/my/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_header_links_to_my_training(logged_in):
    html = logged_in.get("/my/account/").content.decode()
    assert 'href="/my/"' in html and "My training" in html


def test_my_training_shows_every_state_in_urgency_order(shelf, clerk, logged_in):
    build_every_state(shelf, clerk)
    response = logged_in.get("/my/")
    assert response.status_code == 200
    html = response.content.decode()
    assert codes_in_order(html) == [
        "SVC-2026-04",
        "SVC-2026-05",
        "SVC-2026-06",
        "SVC-2026-07",
        "SVC-2026-08",
        "SVC-2026-09",
    ]
    for label in (
        "Overdue",
        "To renew",
        "Expiring soon",
        "In progress",
        "Not started",
        "Certified",
    ):
        assert label in html
    assert "renew by" in html


def test_overdue_items_are_marked_in_red(shelf, clerk, logged_in):
    policy = course(shelf)
    assign(clerk, policy, due_in=-1)
    html = logged_in.get("/my/").content.decode()
    assert 'class="card training-item state-overdue"' in html
    assert 'class="overdue"' in html
    css = open("static/css/site.css", encoding="utf-8").read()
    assert ".overdue" in css and "var(--bad)" in css


def test_certified_items_show_their_certificate(shelf, clerk, logged_in):
    policy = course(shelf)
    assign(clerk, policy)
    certificate = certify(clerk, policy, expires_in=300)
    html = logged_in.get("/my/").content.decode()
    assert certificate.serial in html
    assert "Issued" in html and "Expires" in html


def test_the_progress_bar_counts_modules_and_the_quiz(shelf, clerk, logged_in):
    policy = course(shelf)
    add_module(policy, "Module 2")
    add_module(policy, "Module 3")
    assign(clerk, policy)
    read(clerk, policy.modules().first(), policy)
    html = logged_in.get("/my/").content.decode()
    assert 'max="4" value="1"' in html
    assert "1 of 3 modules read" in html
    assert "1 of 4 steps" in html


def test_the_resume_link_points_at_the_first_module_not_read(shelf, clerk, logged_in):
    policy = course(shelf)
    second = add_module(policy, "Module 2")
    assign(clerk, policy)
    read(clerk, policy.modules().first(), policy)
    html = logged_in.get("/my/").content.decode()
    assert "Continue where you were" in html
    assert f'href="{second.url}"' in html


def test_once_every_module_is_read_the_quiz_is_offered(shelf, clerk, logged_in):
    policy = course(shelf)
    assign(clerk, policy)
    read(clerk, policy.modules().first(), policy)
    html = logged_in.get("/my/").content.decode()
    assert "Take the quiz" in html
    assert f'href="{policy.quiz().url}"' in html


def test_a_login_without_employee_record_gets_a_friendly_message(client, db):
    admin = UserFactory(username="boss", is_superuser=True, is_staff=True)
    client.force_login(admin)
    response = client.get("/my/")
    assert response.status_code == 200
    assert "not linked to an employee record" in response.content.decode()


def test_nothing_assigned_says_so(logged_in):
    assert "no measure is assigned to you" in logged_in.get("/my/").content.decode()


@pytest.mark.parametrize("count", [1, 10])
def test_my_training_costs_a_fixed_number_of_queries(
    shelf, clerk, logged_in, count, django_assert_max_num_queries
):
    for n in range(count):
        policy = course(shelf, code=f"SVC-2026-{n + 10:02d}")
        add_module(policy, "Module 2")
        assign(clerk, policy, due_in=n - 5)
        read(clerk, policy.modules().first(), policy)
        if n % 3 == 0:
            certify(clerk, policy, expires_in=10 * n)
    with django_assert_max_num_queries(15):
        response = logged_in.get("/my/")
    assert len(codes_in_order(response.content.decode())) == count


@pytest.mark.parametrize("count", [1, 10])
def test_the_selector_costs_six_queries(shelf, clerk, count, django_assert_num_queries):
    for n in range(count):
        policy = course(shelf, code=f"SVC-2026-{n + 10:02d}")
        assign(clerk, policy)
        certify(clerk, policy)
    with django_assert_num_queries(6):
        items = standings_for(employee=clerk)
    assert len(items) == count
