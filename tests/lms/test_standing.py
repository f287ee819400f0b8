"""One standing (``lms.selectors.standing``): every screen and service that
asks where an employee stands gets the same answer."""

from __future__ import annotations

import dataclasses
import datetime
import itertools

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from certificates.models import Certificate
from cms.models import PolicyPage, PolicyVersion
from lms.models import QuizAttempt
from lms.selectors import (
    CertificateState,
    TrainingState,
    accepted_certificates,
    standing_for,
    standings_for,
)
from lms.services.attempts import (
    AttemptRefused,
    attempt_read,
    attempt_refusal,
    attempt_start,
    attempt_submit,
)
from tests.lms.test_attempts import build_course, enrol, pool, wrong_answers
from tests.lms.test_training import certify

pytestmark = pytest.mark.django_db


def signed_in(employee) -> Client:
    client = Client()
    client.force_login(employee.user)
    return client


def fail_once(employee, policy) -> QuizAttempt:
    attempt = attempt_start(employee=employee, policy=policy)
    owned = attempt_read(attempt_id=attempt.pk, employee=employee)
    return attempt_submit(owned=owned, answers=wrong_answers(attempt))


def pass_quiz(employee, policy):
    attempt = attempt_start(employee=employee, policy=policy)
    owned = attempt_read(attempt_id=attempt.pk, employee=employee)
    answers = {qid: [f"{qid}-a"] for qid, _ in attempt.draw}
    return attempt_submit(owned=owned, answers=answers)


def publish_material_change(policy: PolicyPage, *, earlier: str) -> PolicyPage:
    """Publish a revision of ``policy`` that an approver marked as a material
    change, keeping (``valid``) or renewing (``renew``) earlier certificates."""
    page = PolicyPage.objects.get(pk=policy.pk)
    page.summary = "Changed rules"
    page.material_change = True
    page.earlier_certificates = earlier
    page.save_revision().publish()
    return PolicyPage.objects.get(pk=policy.pk)


# --- The disagreement that was --------------------------------------------------


def test_after_a_change_keeping_certificates_every_screen_says_certified():
    """Reproduced before: My training said "Certified" while the quiz page
    refused with "Finish every module first: 0 of 1 done"."""
    policy = build_course(questions=pool(2))
    employee = enrol(policy)
    pass_quiz(employee, policy)
    policy = publish_material_change(policy, earlier="valid")
    assert policy.version == 2
    client = signed_in(employee)

    my_training = client.get("/my/").content.decode()
    quiz_page = client.get(policy.quiz().url).content.decode()

    assert "Certified" in my_training
    assert "Finish every module first" not in quiz_page
    assert "You are already certified for this course." in quiz_page
    with pytest.raises(AttemptRefused, match="already certified"):
        attempt_start(employee=employee, policy=policy)
    response = client.post(reverse("quiz_start", args=[policy.pk]))
    assert response.status_code == 409
    assert QuizAttempt.objects.filter(employee=employee, version=2).count() == 0


def test_after_a_change_requiring_renewal_both_screens_agree_on_what_to_do():
    """A material change of the policy itself (its rules) changed no module:
    the holder renews by passing the new version's quiz, and My training and
    the quiz page both say so (docs/certificates.md, delta renewal)."""
    policy = build_course(questions=pool(2))
    employee = enrol(policy)
    certificate = pass_quiz(employee, policy).certificate
    policy = publish_material_change(policy, earlier="renew")
    client = signed_in(employee)

    [item] = standings_for(employee=employee)
    assert item.state == TrainingState.TO_RENEW
    assert item.certified and item.certificate == certificate
    assert item.delta and (item.modules_done, item.modules_total) == (0, 0)
    my_training = client.get("/my/").content.decode()
    quiz_page = client.get(policy.quiz().url).content.decode()
    assert "To renew" in my_training
    assert "No module changed since your certificate" in my_training
    assert "Take the quiz" in my_training
    assert "Start an attempt" in quiz_page and "Finish every module" not in quiz_page


# --- The rule of an accepted certificate ----------------------------------------


def _certificate(employee, policy, *, version, number, expires_in=None, revoked=False):
    certificate = certify(
        employee, policy, version=version, number=number, expires_in=expires_in
    )
    if revoked:
        Certificate.objects.filter(pk=certificate.pk).update(revoked_at=timezone.now())
    return certificate


def _version(policy, number, *, earlier, renew_in):
    today = timezone.localdate()
    PolicyVersion.objects.create(
        policy=policy,
        number=number,
        published_at=timezone.now(),
        earlier_certificates=earlier,
        renew_by=today + datetime.timedelta(days=renew_in)
        if renew_in is not None
        else None,
    )


# Later versions: (earlier certificates, renewal deadline in days).
LATER = [
    ("valid", None),
    ("renew", 3),
    ("renew", -1),
    ("renew", None),
    ("renew", 0),
]


@pytest.mark.parametrize(
    "later", list(itertools.product(LATER, repeat=2)), ids=lambda later: str(later)
)
def test_the_standing_counts_exactly_the_certificates_the_rule_accepts(later):
    """For every pair of later versions (kept valid, to renew by a future,
    past or missing deadline, or by today), for certificates of each version,
    expired or revoked or not: the standing says certified exactly when the
    certificate is among :func:`accepted_certificates`, and the SQL rule
    agrees with a recount in Python."""
    policy = build_course(questions=pool(2))
    for number, (earlier, renew_in) in enumerate(later, start=2):
        _version(policy, number, earlier=earlier, renew_in=renew_in)
    PolicyPage.objects.filter(pk=policy.pk).update(version=3)
    policy = PolicyPage.objects.get(pk=policy.pk)
    for version, expires_in, revoked in itertools.product(
        (1, 2, 3), (None, -1, 10), (False, True)
    ):
        employee = enrol(policy)
        certificate = _certificate(
            employee,
            policy,
            version=version,
            number=1,
            expires_in=expires_in,
            revoked=revoked,
        )
        renewals = [
            renew_in
            for number, (earlier, renew_in) in enumerate(later, start=2)
            if number > version and earlier == "renew"
        ]
        expected = (
            not revoked
            and expires_in != -1
            and all(renew_in is not None and renew_in >= 0 for renew_in in renewals)
        )
        standing = standing_for(employee=employee, policy=policy)
        accepted = accepted_certificates().filter(pk=certificate.pk).exists()
        assert accepted == expected, (version, expires_in, revoked)
        assert standing.certified == expected
        if not expected:
            assert standing.certificate_state in (
                CertificateState.EXPIRED,
                CertificateState.REVOKED,
                CertificateState.RENEWAL_LAPSED,
            )


def test_an_accepted_earlier_certificate_wins_over_a_revoked_newer_one():
    policy = build_course(questions=pool(2))
    employee = enrol(policy)
    earlier = _certificate(employee, policy, version=1, number=1)
    _version(policy, 2, earlier="valid", renew_in=None)
    PolicyPage.objects.filter(pk=policy.pk).update(version=2)
    policy = PolicyPage.objects.get(pk=policy.pk)
    _certificate(employee, policy, version=2, number=1, revoked=True)
    standing = standing_for(employee=employee, policy=policy)
    assert standing.certificate == earlier
    assert standing.certificate_state == CertificateState.VALID


# --- A refusal is a function of a standing and the time --------------------------


def test_the_wait_after_a_failed_attempt_refuses_until_it_ends():
    policy = build_course(questions=pool(2), attempt_wait_minutes=30, max_attempts=3)
    employee = enrol(policy)
    fail_once(employee, policy)
    standing = standing_for(employee=employee, policy=policy)
    opens_at = standing.opens_at
    assert opens_at is not None and opens_at.second == 0
    assert standing.waiting and standing.attempts_left == 2

    early = attempt_refusal(standing=standing, now=opens_at - datetime.timedelta(1))
    on_time = attempt_refusal(standing=standing, now=opens_at)

    assert early is not None and early.opens_at == opens_at
    assert on_time is None


def test_refusals_in_order_of_what_the_employee_must_do_first():
    policy = build_course(questions=pool(2), max_attempts=1)
    employee = enrol(policy, modules_done=False)
    standing = standing_for(employee=employee, policy=policy)
    now = timezone.now()

    def refusal(**changes):
        return attempt_refusal(
            standing=dataclasses.replace(standing, **changes), now=now
        )

    assert refusal(assignment=None).status == 403
    assert "Finish every module first: 0 of 1 done" in refusal().message
    read = frozenset(module.pk for module in standing.modules)
    assert refusal(done_module_ids=read) is None
    assert "no quiz" in refusal(done_module_ids=read, quiz=None).message
    used = (QuizAttempt(submitted_at=now),)
    assert (
        "used all 1 attempts" in refusal(done_module_ids=read, submitted=used).message
    )


def test_the_wait_is_announced_on_my_training_and_the_result_page():
    policy = build_course(questions=pool(2), attempt_wait_minutes=30, max_attempts=3)
    employee = enrol(policy)
    attempt = fail_once(employee, policy)
    client = signed_in(employee)

    my_training = client.get("/my/").content.decode()
    result = client.get(reverse("quiz_attempt", args=[attempt.pk])).content.decode()

    assert "next attempt opens at" in my_training
    assert "Take the quiz" not in my_training
    assert "2 attempts left." in result and "The next one opens at" in result
