"""Activation (``lms.services.activation``): staff imported without a password
get an e-mailed link or a printed code, single use, expiring, void once a
password is set, the employee deactivated or a newer one issued."""

from __future__ import annotations

import datetime
import io
import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.hashers import make_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone, translation
from pypdf import PdfReader
from wagtail.users.models import UserProfile

from lms.models import Activation, ActivationBatch, ScopedLogEntry
from lms.roles import ADMINISTRATOR, EMPLOYEE, MANAGER
from lms.services import activation as service
from tests.conftest import POSTGRES
from tests.factories import EmployeeFactory, ManagerScopeFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "Kx7-quiet-harbour"


def imported(unit, number: str, *, email: str = "", **extra):
    """An employee as the HR import makes one: no usable password."""
    employee = EmployeeFactory(unit=unit, employee_no=number, email=email, **extra)
    employee.user.password = make_password(None)
    employee.user.email = email
    employee.user.save()
    return employee


@pytest.fixture
def admin():
    return UserFactory(username="admin1", roles=[ADMINISTRATOR])


@pytest.fixture
def staff(tree, positions):
    th, yx = tree["GZ-TH"], tree["GZ-YX"]
    return {
        "mail1": imported(th, "E000001", email="e1@example.cn"),
        "mail2": imported(yx, "E000002", email="e2@example.cn"),
        "paper1": imported(th, "E000003"),
        "paper2": imported(yx, "E000004", position=positions["billing"]),
        "beijing": imported(tree["BJ-DC"], "E000009", email="e9@example.cn"),
    }


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    def send(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return service.activation_send_start(**kwargs)

    return send


def link_of(message) -> str:
    return re.search(r"https?://\S+?(/accounts/activate/[^/\s]+/)", message.body)[1]


def pdf_text(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


# --- Who is selected ------------------------------------------------------------


def test_the_selection_is_the_subtree_s_staff_without_a_password(tree, staff):
    staff["mail1"].user.set_password(PASSWORD)
    staff["mail1"].user.save()
    departed = imported(tree["GZ-TH"], "E000005")
    departed.is_active = False
    departed.save()

    selected = service.activation_selection(unit=tree["GZ"])

    assert sorted(e.employee_no for e in selected) == ["E000002", "E000003", "E000004"]
    counts = service.selection_counts(selected)
    assert (counts.selected, counts.with_email, counts.without_email) == (3, 1, 2)


def test_the_selection_narrows_to_a_position_and_to_never_signed_in(
    tree, staff, positions
):
    staff["paper1"].user.last_login = timezone.now()
    staff["paper1"].user.save()

    by_position = service.activation_selection(
        unit=tree["GZ"], position=positions["billing"]
    )
    never = service.activation_selection(unit=tree["GZ"], never_signed_in=True)

    assert [e.employee_no for e in by_position] == ["E000004"]
    assert "E000003" not in {e.employee_no for e in never}


# --- E-mailed links ---------------------------------------------------------------


def test_sending_emails_a_link_to_each_selected_employee_with_an_address(
    tree, staff, admin, send, mailoutbox
):
    batch = send(user=admin, unit=tree["GZ"])

    batch.refresh_from_db()
    assert (batch.selected, batch.with_email, batch.sent) == (4, 2, 2)
    assert batch.status == ActivationBatch.Status.DONE
    assert sorted(m.to[0] for m in mailoutbox) == ["e1@example.cn", "e2@example.cn"]
    message = next(m for m in mailoutbox if m.to == ["e1@example.cn"])
    assert "E000001" in message.body
    assert "/accounts/activate/" in message.alternatives[0][0]
    # No password and no secret is stored in clear.
    token = link_of(message).split("/")[-2]
    assert not Activation.objects.filter(digest=token).exists()
    assert ScopedLogEntry.objects.filter(action="lms.activation_send").count() == 1


def test_the_email_is_in_the_employee_s_language_else_the_sender_s(
    tree, staff, admin, send, mailoutbox
):
    profile = UserProfile.get_for_user(staff["mail2"].user)
    profile.preferred_language = "en"
    profile.save()

    with translation.override("zh-hans"):
        send(user=admin, unit=tree["GZ"])

    by_address = {m.to[0]: m for m in mailoutbox}
    assert "激活" in by_address["e1@example.cn"].subject
    assert "activate your account" in by_address["e2@example.cn"].subject


def test_a_batch_is_sent_in_turns_and_a_second_run_sends_nothing_more(
    tree, staff, admin, send, mailoutbox, settings
):
    for number in range(5, 10):
        imported(tree["GZ-TH"], f"E10000{number}", email=f"x{number}@example.cn")
    settings.ACTIVATION_TURN = 2

    batch = send(user=admin, unit=tree["GZ"])

    batch.refresh_from_db()
    assert batch.sent == batch.with_email == 7
    assert len(mailoutbox) == 7
    assert service.activation_batch_send(batch_id=batch.pk) == 0
    batch.status = ActivationBatch.Status.SENDING  # as if a lost task left it
    batch.save()
    assert service.activation_batch_send(batch_id=batch.pk) == 0
    assert len(mailoutbox) == 7


def test_the_sweep_resumes_a_batch_whose_task_was_lost(
    tree, staff, admin, mailoutbox, clock
):
    # Created without its task (as if the broker lost it).
    batch = service.activation_send_start(user=admin, unit=tree["GZ"])
    assert mailoutbox == []
    assert service.activation_batches_sweep() == 0  # not idle yet

    ActivationBatch.objects.filter(pk=batch.pk).update(
        touched_at=timezone.now() - datetime.timedelta(minutes=11)
    )
    assert service.activation_batches_sweep() == 1

    assert len(mailoutbox) == 2
    batch.refresh_from_db()
    assert batch.status == ActivationBatch.Status.DONE


def test_only_senders_in_scope_may_send(tree, staff, send):
    employee = UserFactory(roles=[EMPLOYEE])
    manager = UserFactory(roles=[MANAGER])
    ManagerScopeFactory(user=manager, unit=tree["GZ"])

    with pytest.raises(PermissionDenied):
        send(user=employee, unit=tree["GZ"])
    with pytest.raises(PermissionDenied):
        send(user=manager, unit=tree["BJ"])
    assert send(user=manager, unit=tree["GZ-TH"]).selected == 2


def test_an_empty_selection_is_refused(tree, admin, send):
    with pytest.raises(ValidationError, match="Nobody in this selection"):
        send(user=admin, unit=tree["SZ"])
    assert not ActivationBatch.objects.exists()


# --- Using a link -----------------------------------------------------------------


@pytest.fixture
def link(tree, staff, admin, send, mailoutbox):
    send(user=admin, unit=tree["GZ-TH"])
    return link_of(mailoutbox[0])


def activate(client: Client, path: str, password: str = PASSWORD):
    step = client.get(path)
    if step.status_code != 302:
        return step
    return client.post(
        step["Location"], {"new_password1": password, "new_password2": password}
    )


def test_the_link_sets_the_first_password_and_signs_in(client, link, staff):
    step = client.get(link)
    assert step.status_code == 302
    assert step["Location"] == "/accounts/activate/password/"
    page = client.get(step["Location"]).content.decode()
    assert "E000001" in page

    done = client.post(
        step["Location"], {"new_password1": PASSWORD, "new_password2": PASSWORD}
    )

    assert done.status_code == 302
    assert done["Location"] == "/my/"
    assert client.session[SESSION_KEY] == str(staff["mail1"].user_id)
    assert Client().login(username="E000001", password=PASSWORD)
    used = Activation.objects.get(employee=staff["mail1"])
    assert used.used_at is not None
    assert ScopedLogEntry.objects.filter(action="lms.activation_use").count() == 1


def test_a_link_works_once(client, link):
    activate(client, link)

    again = Client().get(link)

    assert again.status_code == 400
    assert "used already" in again.content.decode()


def test_a_link_expires(client, link, clock, settings):
    clock.advance(days=settings.ACTIVATION_DAYS, seconds=1)

    answer = Client().get(link)

    assert answer.status_code == 400
    assert "expired on" in answer.content.decode()


def test_a_link_is_void_after_the_employee_is_deactivated(link, staff):
    staff["mail1"].is_active = False
    staff["mail1"].save()

    answer = Client().get(link)

    assert answer.status_code == 400
    assert "not active" in answer.content.decode()


def test_a_link_is_void_once_a_password_is_set_otherwise(link, staff):
    staff["mail1"].user.set_password("Another-pass-2026")
    staff["mail1"].user.save()

    answer = Client().get(link)

    assert answer.status_code == 400
    assert "has a password already" in answer.content.decode()


def test_a_newer_activation_voids_the_older_link(tree, link, admin, send, mailoutbox):
    send(user=admin, unit=tree["GZ-TH"])

    old = Client().get(link)
    assert old.status_code == 400
    assert "replaced by a newer one" in old.content.decode()
    newer = link_of(mailoutbox[-1])
    assert activate(Client(), newer).status_code == 302


def test_the_password_step_without_a_checked_link_is_refused(client):
    answer = client.get("/accounts/activate/password/")
    assert answer.status_code == 400
    assert "not valid" in answer.content.decode()


def test_a_weak_password_is_refused_with_the_validators_reasons(client, link):
    answer = activate(client, link, password="12345678")
    assert answer.status_code == 400
    assert "This password is too common." in answer.content.decode()
    assert Activation.objects.filter(used_at__isnull=False).count() == 0


def test_one_live_activation_per_employee_is_a_database_rule(staff):
    now = timezone.now()
    row = {
        "employee": staff["mail1"],
        "kind": "link",
        "created_at": now,
        "expires_at": now + datetime.timedelta(days=1),
    }
    Activation.objects.create(digest="a" * 64, **row)
    with pytest.raises(IntegrityError), transaction.atomic():
        Activation.objects.create(digest="b" * 64, **row)


# --- Printed codes ----------------------------------------------------------------


def codes_for(tree, admin, unit="GZ") -> dict[str, str]:
    slips = service.activation_sheet_slips(user=admin, unit=tree[unit])
    return {slip.employee_no: slip.code for slip in slips}


def test_the_sheet_prints_a_code_for_each_employee_without_an_address(
    tree, staff, admin
):
    client = Client()
    client.force_login(admin)

    response = client.post(
        "/admin/organisation/activation/sheet/", {"unit": tree["GZ"].pk}
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "E000003" in text and "E000004" in text
    assert "E000001" not in text  # has an e-mail address: gets a link
    assert staff["paper1"].name in text
    assert re.search(r"[A-Z2-9]{5}-[A-Z2-9]{5}", text)
    assert Activation.objects.filter(kind="code").count() == 2
    assert ScopedLogEntry.objects.filter(action="lms.activation_sheet").count() == 1


def test_a_printed_code_activates_once_however_it_is_typed(tree, staff, admin):
    code = codes_for(tree, admin)["E000003"]
    client = Client()

    step = client.post(
        "/accounts/activate/",
        {"employee_no": "E000003", "code": code.replace("-", " ").lower()},
    )
    assert step.status_code == 302
    done = client.post(
        step["Location"], {"new_password1": PASSWORD, "new_password2": PASSWORD}
    )
    assert done.status_code == 302

    again = Client().post(
        "/accounts/activate/", {"employee_no": "E000003", "code": code}
    )
    assert again.status_code == 400
    assert "used already" in again.content.decode()


def test_a_code_of_another_employee_is_refused_and_counted(
    tree, staff, admin, settings
):
    settings.SIGNIN_ACCOUNT_FAILURES = 3
    code = codes_for(tree, admin)["E000003"]
    client = Client()

    for _ in range(2):
        wrong = client.post(
            "/accounts/activate/", {"employee_no": "E000004", "code": code}
        )
        assert wrong.status_code == 400
        assert "do not match" in wrong.content.decode()
    locked = client.post(
        "/accounts/activate/", {"employee_no": "E000004", "code": code}
    )

    assert locked.status_code == 429
    assert "Try again in 15 minutes" in locked.content.decode()


def test_printing_again_replaces_the_earlier_codes(tree, staff, admin):
    first = codes_for(tree, admin)["E000003"]
    second = codes_for(tree, admin)["E000003"]

    old = Client().post(
        "/accounts/activate/", {"employee_no": "E000003", "code": first}
    )
    new = Client().post(
        "/accounts/activate/", {"employee_no": "E000003", "code": second}
    )

    assert old.status_code == 400
    assert "replaced by a newer one" in old.content.decode()
    assert new.status_code == 302


def test_a_sheet_too_big_for_one_unit_is_refused(tree, staff, admin, settings):
    settings.ACTIVATION_SHEET_MAX = 1
    with pytest.raises(ValidationError, match="choose a unit lower"):
        codes_for(tree, admin)
    assert not Activation.objects.exists()


def test_a_manager_prints_only_inside_their_scopes(tree, staff):
    manager = UserFactory(roles=[MANAGER])
    ManagerScopeFactory(user=manager, unit=tree["GZ-TH"])
    client = Client()
    client.force_login(manager)

    mine = client.post(
        "/admin/organisation/activation/sheet/", {"unit": tree["GZ-TH"].pk}
    )
    other = client.post(
        "/admin/organisation/activation/sheet/", {"unit": tree["BJ"].pk}
    )

    assert mine.status_code == 200
    assert "E000003" in pdf_text(mine.content)
    assert other.status_code == 302  # the unit is not among the form's choices
    assert Activation.objects.filter(employee=staff["beijing"]).count() == 0


# --- The screens --------------------------------------------------------------------


def test_the_screen_counts_the_selection_then_sends(
    tree, staff, admin, mailoutbox, django_capture_on_commit_callbacks
):
    client = Client()
    client.force_login(admin)

    counted = client.get("/admin/organisation/activation/new/", {"unit": tree["GZ"].pk})
    page = counted.content.decode()
    assert "4 people waiting for activation" in page
    assert "2 with an e-mail address" in page
    with django_capture_on_commit_callbacks(execute=True):
        posted = client.post(
            "/admin/organisation/activation/new/", {"unit": tree["GZ"].pk}
        )
    sent = client.get(posted["Location"])

    assert "2 people without an e-mail address" in sent.content.decode()
    assert "2 / 2" in sent.content.decode()
    assert len(mailoutbox) == 2


def test_the_import_page_says_how_many_cannot_sign_in_yet(tree, staff, admin):
    from lms.models import ImportJob

    job = ImportJob.objects.create(
        kind=ImportJob.Kind.STAFF,
        original_name="staff.csv",
        status=ImportJob.Status.DONE,
        report={"result": {"kind": "staff", "dry_run": False, "rows": 5}},
        created_by=admin,
    )
    client = Client()
    client.force_login(admin)

    page = client.get(f"/admin/organisation/imports/{job.pk}/").content.decode()

    assert "5 active employees cannot sign in yet" in page
    assert "/admin/organisation/activation/new/" in page


@pytest.mark.postgres
@pytest.mark.skipif(
    not POSTGRES, reason="needs PostgreSQL (DATABASE_URL=postgres://...)"
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_tabs_using_one_activation_at_once_set_one_password():
    from tests.factories import build_tree, demo_positions
    from tests.lms.test_attempts import _at_once

    tree = build_tree()
    demo_positions()
    employee = imported(tree["GZ-TH"], "E000001")
    admin = UserFactory(username="admin1", roles=[ADMINISTRATOR])
    service.activation_sheet_slips(user=admin, unit=tree["GZ-TH"])
    activation = Activation.objects.get()
    passwords = iter(["First-tab-pass-1", "Second-tab-pass-2"])

    results, errors = _at_once(
        lambda: service.activation_complete(
            activation_id=activation.pk, password=next(passwords)
        )
    )

    assert len(results) == 1
    assert len(errors) == 1
    assert isinstance(errors[0], service.ActivationRefused)
    assert "used already" in str(errors[0])
    employee.user.refresh_from_db()
    # Exactly one of the two passwords holds: the winner's.
    held = [
        p
        for p in ("First-tab-pass-1", "Second-tab-pass-2")
        if employee.user.check_password(p)
    ]
    assert len(held) == 1
    assert Activation.objects.get().used_at is not None
