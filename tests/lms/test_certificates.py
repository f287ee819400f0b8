"""Certificates as the organisation uses them: PDFs rendered after a pass,
the wallet, the public verification, revocation, reissue, renewal and
expiry, and who may see what."""

from __future__ import annotations

import datetime
import io
import re

import pytest
from django.db import IntegrityError, transaction
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from certificates.models import Certificate
from certificates.services import certificate_reissue, certificate_revoke
from cms.models import PolicyPage
from lms.models import Assignment, ManagerScope, ScopedLogEntry
from lms.selectors import CertificateState, standing_for
from lms.services.attempts import attempt_read, attempt_start, attempt_submit
from lms.services.certificates import assignments_reopen_expired, certificates_render
from tests.conftest import POSTGRES
from tests.factories import EmployeeFactory, UserFactory
from tests.lms.test_attempts import build_course, enrol, pool, right_answers
from tests.lms.test_training import certify

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(tree, positions):
    return build_course(questions=pool(2), certificate_validity_months=12)


@pytest.fixture
def holder(tree, course):
    employee = EmployeeFactory(unit=tree["GZ-TH"], employee_no="GD1001", name="王小明")
    return enrol(course, employee=employee)


def pass_quiz(employee, policy) -> Certificate:
    """Pass the quiz, as a request would: what runs after commit runs (the
    rendering task, inline in the tests)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        attempt = attempt_start(employee=employee, policy=policy)
        owned = attempt_read(attempt_id=attempt.pk, employee=employee)
        attempt_submit(owned=owned, answers=right_answers(attempt))
    return Certificate.objects.get(attempt=attempt)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def pdf_text(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


# --- Rendering -------------------------------------------------------------------


def test_a_pass_renders_and_stores_the_pdf_with_the_holders_units(holder, course):
    certificate = pass_quiz(holder, course)
    assert certificate.rendered_at is not None
    assert certificate.holder_unit == "广东省 › 广州市 › 天河区"
    assert certificate.holder_region == "广东省 广州市"
    assert certificate.pdf.name == f"certificates/{certificate.serial}.pdf"
    with certificate.pdf.open("rb") as stored:
        text = pdf_text(stored.read())
    assert "王小明" in text and certificate.serial in text and course.code in text


def test_an_issued_pdf_never_changes(holder, course):
    certificate = pass_quiz(holder, course)
    with certificate.pdf.open("rb") as stored:
        before = stored.read()
    PolicyPage.objects.filter(pk=course.pk).update(title="Renamed measure")
    assert certificates_render(certificate_ids=[certificate.pk]) == 0
    certificate.refresh_from_db()
    with certificate.pdf.open("rb") as stored:
        assert stored.read() == before


def test_the_sweep_renders_what_a_lost_task_left_and_nothing_twice(holder, course):
    lost = certify(holder, course)  # written without its task
    assert lost.rendered_at is None
    assert certificates_render() == 1
    assert certificates_render() == 0
    lost.refresh_from_db()
    assert lost.rendered_at is not None and lost.holder_unit


# --- The wallet -------------------------------------------------------------------


def test_the_wallet_lists_and_downloads_the_holders_certificates(holder, course):
    certificate = pass_quiz(holder, course)
    client = signed_in(holder.user)
    page = client.get(reverse("my_certificates"))
    assert page.status_code == 200
    html = page.content.decode()
    assert certificate.serial in html and "Valid" in html
    assert "private" in page["Cache-Control"] and "no-store" in page["Cache-Control"]
    download = client.get(reverse("my_certificate_pdf", args=[certificate.serial]))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert "no-store" in download["Cache-Control"]
    assert b"".join(download.streaming_content).startswith(b"%PDF")


def test_nobody_downloads_anothers_certificate(tree, holder, course):
    certificate = pass_quiz(holder, course)
    other = enrol(course, employee=EmployeeFactory(unit=tree["GZ-TH"]))
    url = reverse("my_certificate_pdf", args=[certificate.serial])
    assert signed_in(other.user).get(url).status_code == 404
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


# --- Public verification -----------------------------------------------------


def test_verification_shows_status_masked_name_and_region_and_nothing_private(
    holder, course
):
    certificate = pass_quiz(holder, course)
    response = Client().get(reverse("certificate_verify", args=[certificate.serial]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Valid" in html and "王*明" in html and "广东省 广州市" in html
    for private in ("王小明", "GD1001", "天河区", str(certificate.score), "@"):
        assert private not in html, private
    assert len(response.content) < 50_000
    assert "<script" not in html
    assert "no-cache" in response["Cache-Control"]


def test_a_loosely_typed_serial_goes_to_the_printed_one(holder, course):
    certificate = pass_quiz(holder, course)
    typed = certificate.serial.lower().replace("-", "").replace("0", "o")
    response = Client().get(reverse("certificate_verify", args=[typed]))
    assert response.status_code == 301
    assert response["Location"] == reverse(
        "certificate_verify", args=[certificate.serial]
    )


def test_a_typo_is_explained_and_an_unknown_serial_is_a_404(holder, course):
    certificate = pass_quiz(holder, course)
    serial = certificate.serial
    wrong = "0" if serial[4] != "0" else "1"
    typo = serial[:4] + wrong + serial[5:]
    client = Client()
    response = client.get(reverse("certificate_verify", args=[typo]))
    assert response.status_code == 400
    assert "typing mistake" in response.content.decode()
    unknown = client.get(
        reverse("certificate_verify", args=["RA-0000-0000-0000-0000-0"])
    )
    assert unknown.status_code == 404
    assert "No certificate has the serial" in unknown.content.decode()


def test_repeated_misses_from_one_address_are_refused(settings, db):
    settings.CERTIFICATE_VERIFY_MISSES = 3
    client = Client()
    statuses = [
        client.get(
            reverse("certificate_verify", args=[f"RA-0000-0000-0000-000{i}-0"])
        ).status_code
        for i in range(5)
    ]
    assert statuses[:3] != [429] * 3 and statuses[3:] == [429, 429]
    assert Client(REMOTE_ADDR="10.9.8.7").get(
        reverse("certificate_verify", args=["RA-0000-0000-0000-0000-0"])
    ).status_code in (400, 404)


def test_the_json_api_says_the_same_as_the_page(holder, course):
    certificate = pass_quiz(holder, course)
    response = Client().get(f"/api/v1/certificates/{certificate.serial.lower()}")
    assert response.status_code == 200
    body = response.json()
    assert body["serial"] == certificate.serial
    assert (body["status"], body["holder"], body["region"]) == (
        "valid",
        "王*明",
        "广东省 广州市",
    )
    assert "employee_no" not in body and "score" not in body
    assert Client().get("/api/v1/certificates/nothing").status_code == 404
    typo = certificate.serial[:-1] + ("0" if certificate.serial[-1] != "0" else "1")
    assert Client().get(f"/api/v1/certificates/{typo}").status_code == 400
    schema = Client().get("/api/v1/openapi.json").json()
    assert "/api/v1/certificates/{serial}" in schema["paths"]


# --- Revocation and reissue --------------------------------------------------


def test_revocation_stops_the_certificate_counting_at_once_and_is_logged(
    holder, course
):
    certificate = pass_quiz(holder, course)
    admin = UserFactory(username="admin1", roles=["Administrators"])
    client = signed_in(admin)
    url = reverse("lms_certificate", args=[certificate.serial])
    assert client.get(url).status_code == 200
    response = client.post(url, {"action": "revoke", "reason": "Passed by mistake"})
    assert response.status_code == 302
    certificate.refresh_from_db()
    assert certificate.revoked_at is not None and certificate.revoked_by == admin
    assert not standing_for(employee=holder, policy=course).certified
    page = Client().get(reverse("certificate_verify", args=[certificate.serial]))
    assert "Revoked" in page.content.decode()
    entry = ScopedLogEntry.objects.for_instance(certificate).get()
    assert entry.action == "certificates.revoke" and entry.user == admin
    assert entry.data["reason"] == "Passed by mistake"


def test_a_revocation_needs_a_reason(holder, course):
    certificate = pass_quiz(holder, course)
    admin = UserFactory(username="admin1", roles=["Administrators"])
    url = reverse("lms_certificate", args=[certificate.serial])
    response = signed_in(admin).post(url, {"action": "revoke", "reason": ""})
    assert response.status_code == 400
    certificate.refresh_from_db()
    assert certificate.revoked_at is None


def test_a_manager_sees_certificates_in_scope_only_and_cannot_revoke(
    tree, holder, course
):
    certificate = pass_quiz(holder, course)
    beijing = enrol(course, employee=EmployeeFactory(unit=tree["BJ-DC"]))
    far = pass_quiz(beijing, course)
    manager = UserFactory(username="mgr-gz", roles=["Managers"])
    ManagerScope.objects.create(user=manager, unit=tree["GZ"])
    client = signed_in(manager)
    listing = client.get(reverse("lms_certificates")).content.decode()
    assert certificate.serial in listing and far.serial not in listing
    assert client.get(reverse("lms_certificate", args=[far.serial])).status_code == 404
    assert (
        client.get(reverse("lms_certificate_pdf", args=[far.serial])).status_code == 404
    )
    mine = client.get(reverse("lms_certificate_pdf", args=[certificate.serial]))
    assert mine.status_code == 200
    refused = client.post(
        reverse("lms_certificate", args=[certificate.serial]),
        {"action": "revoke", "reason": "no"},
    )
    assert refused.status_code in (302, 403)
    certificate.refresh_from_db()
    assert certificate.revoked_at is None


def test_an_employee_cannot_open_the_certificates_admin(holder, course):
    pass_quiz(holder, course)
    response = signed_in(holder.user).get(reverse("lms_certificates"))
    assert response.status_code in (302, 403)


def test_a_reissue_replaces_the_certificate_with_a_new_serial(holder, course):
    old = pass_quiz(holder, course)
    admin = UserFactory(username="admin1", roles=["Administrators"])
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = signed_in(admin).post(
            reverse("lms_certificate", args=[old.serial]),
            {"action": "reissue", "holder_name": "王晓明", "reason": "Name corrected"},
        )
    assert response.status_code == 302
    old.refresh_from_db()
    new = old.superseded_by
    assert new is not None and new.serial != old.serial
    assert (new.holder_name, new.issued_at, new.expires_at) == (
        "王晓明",
        old.issued_at,
        old.expires_at,
    )
    assert new.rendered_at is not None and "王晓明" in pdf_text(new.pdf.read())
    standing = standing_for(employee=holder, policy=course)
    assert standing.certificate == new and standing.certified
    page = Client().get(reverse("certificate_verify", args=[old.serial])).content
    assert "Superseded" in page.decode() and new.serial in page.decode()
    assert response["Location"] == reverse("lms_certificate", args=[new.serial])


def test_only_one_current_certificate_per_employee_policy_and_version(holder, course):
    certify(holder, course)
    with pytest.raises(IntegrityError), transaction.atomic():
        certify(holder, course, number=2)
    revoked = Certificate.objects.get()
    certificate_revoke(certificate=revoked, user=None, reason="mistake")
    certify(holder, course, number=2)  # allowed once the first is revoked
    assert Certificate.objects.count() == 2


def test_a_revoked_certificate_cannot_be_reissued(holder, course):
    from django.core.exceptions import ValidationError

    certificate = pass_quiz(holder, course)
    certificate_revoke(certificate=certificate, user=None, reason="mistake")
    with pytest.raises(ValidationError):
        certificate_reissue(
            certificate=certificate, user=None, reason="x", holder_name="王晓明"
        )


# --- Expiry and renewal --------------------------------------------------------------


def test_an_expired_certificate_reopens_the_assignment_with_a_new_due_date(
    holder, course
):
    certificate = certify(holder, course, expires_in=-3)
    Assignment.objects.filter(employee=holder).update(
        due_on=timezone.localdate() - datetime.timedelta(days=300)
    )
    assert assignments_reopen_expired() == 1
    assignment = Assignment.objects.get(employee=holder)
    expected = timezone.localdate(certificate.expires_at) + datetime.timedelta(
        days=course.days_allowed
    )
    assert assignment.due_on == expected
    assert assignments_reopen_expired() == 0  # a second run changes nothing


def test_renewing_an_expired_certificate_supersedes_it(holder, course, clock):
    old = pass_quiz(holder, course)
    clock.advance(days=400)
    standing = standing_for(employee=holder, policy=course)
    assert standing.certificate_state == CertificateState.EXPIRED
    new = pass_quiz(holder, course)
    old.refresh_from_db()
    assert old.superseded_by == new and old.superseded_why == "renewal"
    assert standing_for(employee=holder, policy=course).certified
    page = Client().get(reverse("certificate_verify", args=[old.serial])).content
    assert "Superseded" in page.decode()


def test_a_holder_renewing_after_a_material_change_supersedes_the_old_version(
    holder, course
):
    old = pass_quiz(holder, course)
    from cms.models import PolicyVersion

    PolicyVersion.objects.create(
        policy=course,
        number=2,
        published_at=timezone.now(),
        earlier_certificates="renew",
        renew_by=timezone.localdate() + datetime.timedelta(days=30),
    )
    PolicyPage.objects.filter(pk=course.pk).update(version=2)
    policy = PolicyPage.objects.get(pk=course.pk)
    for module in policy.modules():
        from lms.services.progress import module_complete

        module_complete(employee=holder, module=module)
    new = pass_quiz(holder, policy)
    old.refresh_from_db()
    assert new.version == 2 and old.superseded_by == new
    held = re.findall(
        r"RA-[0-9A-Z-]{21}",
        signed_in(holder.user).get("/my/certificates/").content.decode(),
    )
    assert set(held) == {old.serial, new.serial}


def test_with_a_signing_pair_the_stored_pdf_is_signed(
    settings, tmp_path, holder, course
):
    from pyhanko.pdf_utils.reader import PdfFileReader

    from certificates.signing import signing_pair_create

    key, cert = tmp_path / "k.pem", tmp_path / "c.pem"
    signing_pair_create(key_path=key, cert_path=cert, issuer="Rollout Academy")
    settings.CERTIFICATE_SIGNING_KEY, settings.CERTIFICATE_SIGNING_CERT = (
        str(key),
        str(cert),
    )
    certificate = pass_quiz(holder, course)
    with certificate.pdf.open("rb") as stored:
        reader = PdfFileReader(io.BytesIO(stored.read()))
    [signature] = reader.embedded_signatures
    assert signature.field_name == "RolloutAcademyCertificate"


@pytest.mark.postgres
@pytest.mark.skipif(
    not POSTGRES, reason="needs PostgreSQL (DATABASE_URL=postgres://...)"
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_passes_racing_for_one_version_leave_one_current_certificate(
    tree, positions
):
    """Whatever the code lets through, the database keeps one current
    certificate per employee, policy and version: of two attempts certified
    at the same moment (two tabs, a replayed request), one insert fails."""
    import threading

    from django.db import connection

    policy = build_course(questions=pool(2))
    employee = enrol(policy, employee=EmployeeFactory(unit=tree["GZ-TH"]))
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def issue(number: int) -> None:
        try:
            barrier.wait(timeout=10)
            certify(employee, policy, number=number)
            outcomes.append("issued")
        except IntegrityError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=issue, args=(n,)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["issued", "refused"]
    assert Certificate.objects.filter(revoked_at=None, superseded_at=None).count() == 1


def test_behind_a_proxy_misses_are_counted_per_client_not_per_proxy(settings, db):
    settings.CERTIFICATE_VERIFY_MISSES = 2
    settings.NUM_PROXIES = 1
    url = reverse("certificate_verify", args=["RA-0000-0000-0000-0000-0"])

    def ask(client_address: str, forged: str = "") -> int:
        chain = ", ".join(filter(None, [forged, client_address]))
        return (
            Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=chain)
            .get(url)
            .status_code
        )

    assert [ask("198.51.100.7") for _ in range(3)][-1] == 429
    assert ask("203.0.113.9") != 429  # another client behind the same proxy
    # What the client writes in X-Forwarded-For itself is not believed.
    assert ask("198.51.100.7", forged="203.0.113.50") == 429


def test_the_admin_status_filter_agrees_with_each_certificates_status(holder, course):
    """The list's status filter (SQL) and the status each row shows (Python)
    are two forms of one rule: they must pick the same certificates."""
    from certificates.verification import Status, certificate_status, with_accepted
    from cms.models import PolicyVersion

    others = [
        enrol(course, employee=EmployeeFactory(unit=holder.unit)) for _ in range(4)
    ]
    revoked = certify(others[0], course)
    Certificate.objects.filter(pk=revoked.pk).update(revoked_at=timezone.now())
    certify(others[1], course, expires_in=-1)
    old = certify(others[2], course)
    certificate_reissue(certificate=old, user=None, reason="name", holder_name="X")
    certify(others[3], course)  # version 1: its renewal date passes below
    PolicyVersion.objects.create(
        policy=course,
        number=2,
        published_at=timezone.now(),
        earlier_certificates="renew",
        renew_by=timezone.localdate() - datetime.timedelta(days=1),
    )
    PolicyPage.objects.filter(pk=course.pk).update(version=2)
    certify(holder, PolicyPage.objects.get(pk=course.pk), version=2)
    client = signed_in(UserFactory(username="admin1", roles=["Administrators"]))
    now = timezone.now()
    shown = {
        c.serial: certificate_status(c, at=now)
        for c in with_accepted(Certificate.objects.all(), at=now)
    }
    assert set(shown.values()) == set(Status)  # every status is present
    for status in Status:
        html = client.get(reverse("lms_certificates"), {"status": status.value})
        listed = set(re.findall(r"RA-[0-9A-Z-]{21}", html.content.decode()))
        expected = {serial for serial, s in shown.items() if s == status}
        assert listed == expected, status


def test_the_render_task_renders_in_turns_and_lets_other_tasks_in_between(
    holder, course, monkeypatch
):
    """A backlog (the demo's 1,700 certificates) is drawn ``RENDER_TURN`` at a
    time; each turn that leaves some enqueues the next one behind the tasks
    already waiting, instead of holding a worker for minutes."""
    from lms import tasks
    from tests.factories import EmployeeFactory

    people = [holder] + [
        EmployeeFactory(unit=holder.unit, position=holder.position) for _ in range(4)
    ]
    for person in people:
        certify(person, course)  # written without their task
    enqueued = []
    monkeypatch.setattr(tasks, "RENDER_TURN", 2)
    monkeypatch.setattr(tasks, "async_task", lambda name, **kw: enqueued.append(name))

    assert tasks.certificates_render() == 2
    assert enqueued == ["lms.tasks.certificates_render"]  # the next turn, queued
    assert Certificate.objects.filter(rendered_at__isnull=True).count() == 3
    assert tasks.certificates_render() == 2 and len(enqueued) == 2
    assert tasks.certificates_render() == 1 and len(enqueued) == 2  # all done
    assert tasks.certificates_render() == 0 and len(enqueued) == 2
