"""Signing in and the fast ways of reading what a request needs
(``lms.auth``, ``lms.sessions``, ``lms.sql``): the same answers and the same
refusals as Django's own code, in fewer queries."""

from __future__ import annotations

import pytest
from django.contrib.auth import HASH_SESSION_KEY
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from certificates.models import Certificate
from lms.auth import EmployeeBackend, active_employee, user_with_employee
from lms.models import QuizAttempt
from lms.selectors import employee_for
from lms.sessions.db import SessionStore
from tests.factories import EmployeeFactory, UserFactory
from tests.lms.test_attempts import _unit, build_course, enrol, right_answers
from tests.lms.test_quiz_views import mixed_pool, signed_in, start, submit_url

pytestmark = pytest.mark.django_db


def test_the_backend_loads_the_user_with_the_active_employee_in_one_query():
    employee = EmployeeFactory(unit=_unit())

    with CaptureQueriesContext(connection) as queries:
        user = EmployeeBackend().get_user(employee.user_id)
        record = active_employee(user)

    assert len(queries) == 1
    assert user.pk == employee.user_id
    assert user.password == employee.user.password
    assert record.pk == employee.pk
    assert record.employee_no == employee.employee_no
    assert record.unit_id == employee.unit_id
    assert record.user is user


def test_an_account_without_an_active_employee_record_has_none():
    admin = UserFactory()
    departed = EmployeeFactory(unit=_unit(), is_active=False)

    assert active_employee(user_with_employee(admin.pk)) is None
    assert active_employee(user_with_employee(departed.user_id)) is None
    assert employee_for(user=user_with_employee(departed.user_id)) is None
    assert user_with_employee(10**9) is None


def test_an_inactive_user_is_not_signed_in():
    employee = EmployeeFactory(unit=_unit())
    employee.user.is_active = False
    employee.user.save()

    assert EmployeeBackend().get_user(employee.user_id) is None


def test_my_training_reads_user_and_employee_together():
    employee = EmployeeFactory(unit=_unit())
    client = signed_in(employee)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("my_training"))

    assert response.status_code == 200
    sql = [q["sql"] for q in queries]
    assert sum("lms_user" in q and "lms_employee" in q for q in sql[:3]) == 1
    assert not any(q.startswith('SELECT "lms_user"') for q in sql)


# --- Sessions ---------------------------------------------------------------------


def test_the_session_engine_reads_a_live_session_and_forgets_an_expired_one():
    store = SessionStore()
    store["colour"] = "red"
    store.save()

    assert SessionStore(store.session_key).load() == {"colour": "red"}

    Session.objects.filter(pk=store.session_key).update(
        expire_date=timezone.now() - timezone.timedelta(seconds=1)
    )
    expired = SessionStore(store.session_key)
    assert expired.load() == {}
    assert expired.session_key is None  # a new one is made on the next save


def test_a_session_key_that_is_not_stored_gives_an_empty_session():
    assert SessionStore("x" * 32).load() == {}


# --- Submitting: authenticated with the attempt's own row ----------------------


@pytest.fixture
def course():
    policy = build_course(questions=mixed_pool(6), draw=6, pass_mark=80)
    employee = enrol(policy)
    client = signed_in(employee)
    start(client, policy)
    return policy, employee, client, QuizAttempt.objects.get(policy=policy)


def test_submitting_takes_three_queries_and_grades_and_certifies(course):
    policy, employee, client, attempt = course
    answers = right_answers(attempt)

    with CaptureQueriesContext(connection) as queries:
        response = client.post(submit_url(attempt), answers)

    assert response.status_code == 302
    assert response["Location"] == reverse("quiz_attempt", args=[attempt.pk])
    attempt.refresh_from_db()
    assert attempt.passed is True
    assert Certificate.objects.filter(attempt=attempt).count() == 1
    statements = [
        q["sql"]
        for q in queries
        if q["sql"] not in ("BEGIN", "COMMIT")
        and not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))
    ]
    sessions = [q for q in statements if "django_session" in q]
    reads = [q for q in statements if q.startswith("SELECT") and q not in sessions]
    writes = [q for q in statements if q not in sessions and q not in reads]
    # At most one session read (none when the sessions are cached), one read
    # of the attempt with its policy and its owner, and the write: one
    # statement on PostgreSQL, the UPDATE then the INSERT elsewhere.
    assert len(sessions) <= 1
    assert len(reads) == 1
    assert "lms_quizattempt" in reads[0] and "lms_user" in reads[0]
    assert len(writes) == (1 if connection.vendor == "postgresql" else 2)


def test_a_session_from_before_a_password_change_cannot_submit(course):
    policy, employee, client, attempt = course
    user = employee.user
    user.set_password("a-new-password-2026")
    user.save()

    response = client.post(submit_url(attempt), right_answers(attempt))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    attempt.refresh_from_db()
    assert attempt.submitted_at is None
    assert not Certificate.objects.exists()
    # Django flushed the stale session: it no longer names the user.
    assert "_auth_user_id" not in client.session


def test_a_session_with_a_forged_password_hash_cannot_submit(course):
    policy, employee, client, attempt = course
    session = client.session
    session[HASH_SESSION_KEY] = "0" * 64
    session.save()

    response = client.post(submit_url(attempt), right_answers(attempt))

    assert response["Location"].startswith(reverse("login"))
    attempt.refresh_from_db()
    assert attempt.submitted_at is None


def test_a_deactivated_employee_cannot_submit_and_is_told_why(course):
    policy, employee, client, attempt = course
    employee.is_active = False
    employee.save()

    response = client.post(submit_url(attempt), right_answers(attempt))

    assert response.status_code == 403
    assert b"not linked to an active employee" in response.content
    attempt.refresh_from_db()
    assert attempt.submitted_at is None


def test_another_employee_submitting_my_attempt_gets_404_and_nothing_changes(course):
    policy, employee, client, attempt = course
    other = enrol(policy)
    intruder = Client()
    intruder.force_login(other.user)

    response = intruder.post(submit_url(attempt), right_answers(attempt))

    assert response.status_code == 404
    attempt.refresh_from_db()
    assert attempt.submitted_at is None
    assert not Certificate.objects.exists()


def test_permissions_are_django_s_read_in_one_query():
    """``EmployeeBackend`` reads a user's and their groups' permissions in
    one query; the set is exactly ``ModelBackend``'s."""
    from django.contrib.auth.backends import ModelBackend
    from django.contrib.auth.models import Group, Permission

    from lms.models import User

    group = Group.objects.create(name="readers")
    group.permissions.add(Permission.objects.get(codename="view_launch"))
    user = UserFactory()
    user.groups.add(group)
    user.user_permissions.add(Permission.objects.get(codename="add_exemption"))
    admin = UserFactory(is_superuser=True)
    gone = UserFactory(is_active=False)
    gone.user_permissions.add(Permission.objects.get(codename="add_exemption"))
    for person in (user, admin, gone):
        ours = User.objects.get(pk=person.pk)
        with CaptureQueriesContext(connection) as queries:
            found = EmployeeBackend().get_all_permissions(ours)
        assert len(queries) <= 1
        assert found == ModelBackend().get_all_permissions(
            User.objects.get(pk=person.pk)
        )
    assert {
        "lms.view_launch",
        "lms.add_exemption",
    } <= EmployeeBackend().get_all_permissions(User.objects.get(pk=user.pk))
    assert User.objects.get(pk=user.pk).has_perm("lms.view_launch")
