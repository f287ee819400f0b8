"""Reading modules: the "I have read this module" button, resuming, and the
course pages served with the learner's progress."""

from __future__ import annotations

import pytest
from django.test import Client

from cms.models import ModulePage
from lms.models import ModuleProgress
from tests.factories import EmployeeFactory, catalogue, course
from tests.lms.test_training import add_module, assign, new_version, read

pytestmark = pytest.mark.django_db


@pytest.fixture
def policy(tree, positions):
    policy = course(catalogue())
    add_module(policy, "Module 2")
    add_module(policy, "Module 3")
    return policy


@pytest.fixture
def modules(policy) -> list[ModulePage]:
    return list(policy.modules())


@pytest.fixture
def clerk(tree, positions, policy):
    employee = EmployeeFactory(unit=tree["GZ-TH"], employee_no="GD2001")
    assign(employee, policy)
    return employee


@pytest.fixture
def logged_in(client, clerk):
    client.force_login(clerk.user)
    return client


def done_url(module) -> str:
    return f"/my/modules/{module.pk}/done/"


def test_an_assigned_employee_sees_the_done_button_at_the_end_of_a_module(
    logged_in, modules
):
    response = logged_in.get(modules[0].url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "I have read this module" in html
    assert f'action="{done_url(modules[0])}"' in html
    assert "csrfmiddlewaretoken" in html
    assert "Module 1 of 3" in html
    assert html.index("Accept, handle, reply") < html.index("I have read this module")
    assert f'href="{modules[1].url}"' in html  # next module


def test_anonymous_visitors_are_sent_to_log_in(client, modules, policy):
    for page in (modules[0], policy):
        response = client.get(page.url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_the_done_button_records_progress_and_goes_to_the_next_module(
    logged_in, clerk, modules, policy
):
    response = logged_in.post(done_url(modules[0]))
    assert response.status_code == 302
    assert response["Location"] == modules[1].url
    row = ModuleProgress.objects.get(employee=clerk)
    assert (row.module_id, row.policy_id, row.version) == (
        modules[0].pk,
        policy.pk,
        policy.version,
    )
    html = logged_in.get(modules[0].url).content.decode()
    assert "Read ✓" in html
    assert "I have read this module" not in html


def test_pressing_done_twice_keeps_one_record(logged_in, clerk, modules):
    logged_in.post(done_url(modules[0]))
    logged_in.post(done_url(modules[0]))
    assert ModuleProgress.objects.filter(employee=clerk).count() == 1


def test_after_the_last_module_the_quiz_opens(logged_in, modules, policy):
    for module in modules[:2]:
        logged_in.post(done_url(module))
    response = logged_in.post(done_url(modules[2]))
    assert response["Location"] == policy.quiz().url


def test_after_the_last_module_with_one_skipped_back_to_the_policy(
    logged_in, modules, policy
):
    logged_in.post(done_url(modules[0]))
    response = logged_in.post(done_url(modules[2]))
    assert response["Location"] == policy.url
    html = logged_in.get(policy.url).content.decode()
    assert "The quiz opens once you have read every module." in html
    assert "Continue where you were" in html
    assert f'href="{modules[1].url}"' in html


def test_the_policy_page_marks_modules_read_and_offers_the_quiz_when_all_are(
    logged_in, clerk, modules, policy
):
    read(clerk, modules[0], policy)
    html = logged_in.get(policy.url).content.decode()
    assert html.count("read ✓") == 1
    assert "1 of 3 modules read" in html
    assert f'href="{policy.quiz().url}"' not in html
    for module in modules[1:]:
        read(clerk, module, policy)
    html = logged_in.get(policy.url).content.decode()
    assert html.count("read ✓") == 3
    assert f'href="{policy.quiz().url}"' in html


def test_progress_is_kept_per_policy_version(logged_in, clerk, modules, policy):
    logged_in.post(done_url(modules[0]))
    new_version(policy, renew_in=30)
    html = logged_in.get(modules[0].url).content.decode()
    assert "I have read this module" in html
    logged_in.post(done_url(modules[0]))
    assert sorted(
        ModuleProgress.objects.filter(employee=clerk).values_list("version", flat=True)
    ) == [1, 2]


def test_a_module_of_an_unassigned_policy_can_be_read_without_button(
    client, tree, modules
):
    visitor = EmployeeFactory(unit=tree["BJ-DC"], employee_no="BJ2001")
    client.force_login(visitor.user)
    response = client.get(modules[0].url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "I have read this module" not in html
    assert "not assigned to you" in html
    assert client.post(done_url(modules[0])).status_code == 403
    assert not ModuleProgress.objects.exists()


def test_done_for_a_page_that_is_not_a_live_module_is_not_found(
    logged_in, modules, policy
):
    assert logged_in.post(done_url(policy.quiz())).status_code == 404
    assert logged_in.post(done_url(policy)).status_code == 404
    assert logged_in.post("/my/modules/999999/done/").status_code == 404
    modules[1].unpublish()
    assert logged_in.post(done_url(modules[1])).status_code == 404
    assert not ModuleProgress.objects.exists()


def test_done_needs_a_post_with_a_csrf_token(clerk, modules):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(clerk.user)
    assert strict.get(done_url(modules[0])).status_code == 405
    assert strict.post(done_url(modules[0])).status_code == 403
    page = strict.get(modules[0].url)
    token = page.cookies["csrftoken"].value
    response = strict.post(done_url(modules[0]), {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert ModuleProgress.objects.count() == 1


def test_done_needs_a_login(client, modules):
    response = client.post(done_url(modules[0]))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_module_page_with_typical_content_stays_under_100_kb(logged_in, policy):
    paragraph = (
        "<p>首问负责：受理、处理、答复、跟踪每一个投诉。Accept, handle, reply "
        "and follow up on every complaint, and tell the customer when.</p>"
    )
    module = ModulePage(
        title="Typical lesson",
        slug="typical",
        intro="What the counter does when a customer complains.",
        live=False,
        body=[
            *({"type": "text", "value": paragraph * 3} for _ in range(8)),
            {
                "type": "key_points",
                "value": {"title": "Key points", "points": ["One", "Two", "Three"]},
            },
        ],
    )
    policy.add_child(instance=module)
    module.save_revision().publish()
    response = logged_in.get(module.url)
    assert response.status_code == 200
    assert "I have read this module" in response.content.decode()
    assert 5_000 < len(response.content) < 100 * 1024
