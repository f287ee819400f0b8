"""Deleting in the admin never ends in a 500: a course staff took, and the
login of an employee, are refused with a message saying what to do."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from cms.models import PolicyPage, QuizPage
from lms.models import User
from tests.factories import EmployeeFactory, UserFactory
from tests.lms.test_attempts import build_course, enrol, pool
from tests.lms.test_training import certify

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(db):
    client = Client()
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    return client


def test_a_course_with_certificates_is_not_deleted_but_unpublished(
    tree, positions, admin_client
):
    policy = build_course(questions=pool(2))
    certify(enrol(policy), policy)
    for page in (policy, QuizPage.objects.child_of(policy).get()):
        url = reverse("wagtailadmin_pages:delete", args=[page.pk])
        for method in (admin_client.get, admin_client.post):
            response = method(url, follow=True)
            assert response.status_code == 200
            assert "cannot be deleted" in response.content.decode()
    assert PolicyPage.objects.filter(pk=policy.pk).exists()


def test_a_course_nobody_took_can_be_deleted(tree, positions, admin_client):
    policy = build_course(questions=pool(2))
    url = reverse("wagtailadmin_pages:delete", args=[policy.pk])
    assert admin_client.post(url).status_code == 302
    assert not PolicyPage.objects.filter(pk=policy.pk).exists()


def test_the_login_of_an_employee_is_not_deleted(tree, admin_client):
    employee = EmployeeFactory(unit=tree["GZ-TH"])
    url = reverse("wagtailusers_users:delete", args=[employee.user.pk])
    response = admin_client.post(url, follow=True)
    assert response.status_code == 200
    assert "deactivate the employee instead" in response.content.decode()
    assert User.objects.filter(pk=employee.user.pk).exists()
