"""What a probe of a running instance found (issue 11), each held by a test:
scoped audit logs and choosers, private documents and media, formula-safe
CSV, anonymous requests that store nothing, sign-out by POST only, private
caching of personal pages, and workers that agree on the signing key."""

from __future__ import annotations

import codecs
import io
import json
import os

import pytest
from django.contrib.sessions.models import Session
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from wagtail.documents.models import Document
from wagtail.images.models import Image
from wagtail.log_actions import log
from wagtail.models import Collection

from lms import roles
from lms.models import Assignment, ScopedLogEntry, SigningKey
from lms.services import signing_key
from lms.services.attempts import attempt_start
from lms.services.progress import module_complete
from lms.sessions import SessionTooLarge
from tests import factories

PASSWORD = "s3cret-pass"


def signed_in(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def body(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode("utf-8")
    return response.content.decode("utf-8")


@pytest.fixture
def world(tree, positions):
    """A manager of 广州市; one employee in 天河区, one in 北京 东城区 whose
    name is a formula; an administrator who edited both."""
    admin = factories.UserFactory(username="admin", is_superuser=True)
    manager = factories.UserFactory(username="gz-manager", roles=[roles.MANAGER])
    factories.ManagerScopeFactory(user=manager, unit=tree["GZ"])
    own = factories.EmployeeFactory(
        employee_no="E-GZ-1", name='=HYPERLINK("http://x")', unit=tree["GZ-TH"]
    )
    other = factories.EmployeeFactory(
        employee_no="E-BJ-1", name="=cmd|' /C calc'!A0", unit=tree["BJ-DC"]
    )
    for employee in (own, other):
        log(instance=employee, action="wagtail.edit", user=admin)
    return {"admin": admin, "manager": manager, "own": own, "other": other}


# --- 1. The audit log is scoped -------------------------------------------------


@pytest.mark.django_db
def test_log_entries_of_staff_remember_their_unit(world, tree):
    entry = ScopedLogEntry.objects.get(object_id=str(world["other"].pk))
    assert entry.unit_id == tree["BJ-DC"].pk
    assert entry.label == str(world["other"])


@pytest.mark.django_db
def test_a_unit_moved_in_the_tree_takes_its_entries_along(world, tree):
    from lms.services.org import unit_update

    sz_manager = factories.UserFactory(username="sz-manager", roles=[roles.MANAGER])
    factories.ManagerScopeFactory(user=sz_manager, unit=tree["SZ"])
    unit = tree["GZ-TH"]
    unit_update(
        unit=unit,
        code=unit.code,
        name=unit.name,
        level=unit.level,
        is_active=True,
        parent=tree["SZ"],
    )
    assert "E-GZ-1" in body(signed_in(sz_manager).get("/admin/reports/site-history/"))
    assert "E-GZ-1" not in body(
        signed_in(world["manager"]).get("/admin/reports/site-history/")
    )


@pytest.mark.django_db
def test_entries_of_a_deleted_unit_are_for_administrators_only(world, tree):
    from lms.services.org import unit_delete

    unit = factories.unit_add(
        code="GZ-NEW", name="新区", level="county", parent=tree["GZ"]
    )
    log(instance=unit, action="wagtail.create", user=world["admin"])
    log(instance=unit, action="wagtail.delete", user=world["admin"])
    unit_delete(unit=unit)
    assert "新区" not in body(
        signed_in(world["manager"]).get("/admin/reports/site-history/")
    )
    assert "新区" in body(signed_in(world["admin"]).get("/admin/reports/site-history/"))


@pytest.mark.django_db
def test_a_manager_reads_the_site_history_of_their_own_subtree_only(world):
    client = signed_in(world["manager"])
    page = client.get("/admin/reports/site-history/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "E-GZ-1" in text
    assert "E-BJ-1" not in text and "calc" not in text
    for export in ("csv", "xlsx"):
        response = client.get(f"/admin/reports/site-history/?export={export}")
        assert response.status_code == 200
        content = (
            b"".join(response.streaming_content)
            if response.streaming
            else response.content
        )
        if export == "csv":
            assert "E-GZ-1" in content.decode("utf-8")
        assert b"E-BJ-1" not in content and b"calc" not in content


@pytest.mark.django_db
def test_an_administrator_reads_every_entry_and_the_csv_neutralises_formulas(world):
    response = signed_in(world["admin"]).get("/admin/reports/site-history/?export=csv")
    content = b"".join(response.streaming_content)
    assert content.startswith(codecs.BOM_UTF8)
    text = content.decode("utf-8-sig")
    assert "'=cmd|' /C calc'!A0" in text
    assert "\n=cmd" not in text and ",=cmd" not in text
    assert response["Content-Type"] == "text/csv; charset=utf-8"


@pytest.mark.django_db
def test_an_employee_history_still_lists_its_entries(world):
    response = signed_in(world["admin"]).get(
        f"/admin/organisation/employees/history/{world['own'].pk}/"
    )
    assert response.status_code == 200
    assert "admin" in response.content.decode()


# --- 2. Choosers are scoped in every view -----------------------------------------


def _chosen(response) -> list[str]:
    return [item["id"] for item in json.loads(response.content)["result"]]


@pytest.mark.django_db
def test_the_unit_chooser_returns_only_units_in_scope(world, tree):
    client = signed_in(world["manager"])
    ids = f"id={tree['GZ-TH'].pk}&id={tree['BJ-DC'].pk}&id=x"
    response = client.get(f"/admin/org_unit_chooser/chosen-multiple/?{ids}")
    assert response.status_code == 200
    assert _chosen(response) == [str(tree["GZ-TH"].pk)]


@pytest.mark.django_db
def test_ids_that_are_not_numbers_are_ignored(world, tree):
    client = signed_in(world["manager"])
    response = client.get("/admin/org_unit_chooser/chosen-multiple/?id=²&id=1e3&id=")
    assert response.status_code == 200
    assert _chosen(response) == []


@pytest.mark.django_db
def test_the_user_chooser_refuses_who_may_not_edit_scopes(world):
    trainer = factories.UserFactory(username="trainer", roles=[roles.TRAINER])
    path = f"/admin/lms_user_chooser/chosen-multiple/?id={world['other'].user_id}"
    # Wagtail answers a refusal in the admin by a redirect to its home page.
    for user in (trainer, world["manager"]):
        refused = signed_in(user).get(path)
        assert refused.status_code in (302, 403)
        assert "E-BJ-1" not in refused.content.decode()
    response = signed_in(world["admin"]).get(path)
    assert _chosen(response) == [str(world["other"].user_id)]


# --- 3. Documents and media for signed-in staff -----------------------------------


@pytest.fixture
def documents(tree, positions):
    collection = Collection.get_first_root_node()
    shelf = factories.catalogue()
    policy = factories.course(shelf)
    module = policy.modules()[0]
    offered = Document.objects.create(
        title="guide",
        file=ContentFile(b"the guide", "guide.txt"),
        collection=collection,
    )
    draft_only = Document.objects.create(
        title="draft", file=ContentFile(b"not yet", "draft.txt"), collection=collection
    )
    module.body.append(("document", {"document": offered, "title": ""}))
    module.save_revision().publish()
    employee = factories.EmployeeFactory(unit=tree["GZ-TH"])
    trainer = factories.UserFactory(username="trainer", roles=[roles.TRAINER])
    return {
        "offered": offered,
        "draft_only": draft_only,
        "employee": employee.user,
        "trainer": trainer,
    }


def _url(document) -> str:
    return f"/documents/{document.pk}/{document.filename}"


@pytest.mark.django_db
def test_an_anonymous_visitor_is_sent_to_sign_in_for_a_document(documents):
    response = Client().get(_url(documents["offered"]))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_staff_read_the_documents_of_live_courses_and_nothing_else(documents):
    client = signed_in(documents["employee"])
    response = client.get(_url(documents["offered"]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"the guide"
    assert response["Cache-Control"] == "private, no-store"
    assert client.get(_url(documents["draft_only"])).status_code == 404


@pytest.mark.django_db
def test_authors_read_the_documents_they_may_choose(documents):
    client = signed_in(documents["trainer"])
    assert client.get(_url(documents["draft_only"])).status_code == 200


@pytest.mark.django_db
def test_media_need_a_sign_in_and_never_serve_documents(documents, tmp_path):
    image = Image.objects.create(
        title="dot",
        file=ContentFile(_PNG, "dot.png"),
        collection=Collection.get_first_root_node(),
    )
    path = f"/media/{image.file.name}"
    anonymous = Client().get(path)
    assert anonymous.status_code == 302
    client = signed_in(documents["employee"])
    response = client.get(path)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == _PNG
    assert client.get(f"/media/{documents['offered'].file.name}").status_code == 404
    assert client.get("/media/../config/settings.py").status_code == 404


def _png_bytes() -> bytes:
    from PIL import Image as PILImage

    buffer = io.BytesIO()
    PILImage.new("RGB", (4, 4), "white").save(buffer, "PNG")
    return buffer.getvalue()


_PNG = _png_bytes()


@pytest.mark.django_db
def test_a_csv_document_is_sent_as_it_was_uploaded(documents):
    from cms.models import ModulePage

    original = "工号,姓名\r1001,张三\r=SUM(A1)".encode("gb18030")
    csv_document = Document.objects.create(
        title="名单",
        file=ContentFile(original, "list.csv"),
        collection=Collection.get_first_root_node(),
    )
    module = ModulePage.objects.get()
    module.body.append(("document", {"document": csv_document, "title": ""}))
    module.save_revision().publish()
    response = signed_in(documents["employee"]).get(_url(csv_document))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == original


@pytest.mark.django_db
def test_media_can_be_handed_to_the_web_server(documents, settings):
    settings.MEDIA_ACCEL_REDIRECT = "/protected-media/"
    image = Image.objects.create(
        title="dot",
        file=ContentFile(_PNG, "dot.png"),
        collection=Collection.get_first_root_node(),
    )
    response = signed_in(documents["employee"]).get(f"/media/{image.file.name}")
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/protected-media/{image.file.name}"
    assert response.content == b""
    assert response["Cache-Control"] == "private, max-age=86400"
    chinese = Image.objects.create(
        title="柜台",
        file=ContentFile(_PNG, "柜台 服务.png"),
        collection=Collection.get_first_root_node(),
    )
    response = signed_in(documents["employee"]).get(f"/media/{chinese.file.name}")
    assert response["X-Accel-Redirect"].isascii()  # a header nginx can read


# --- 8. Listings export what they list, formula-safe ------------------------------


@pytest.mark.django_db
def test_the_employee_listing_exports_the_scope_as_csv_and_xlsx(world):
    client = signed_in(world["manager"])
    page = client.get("/admin/organisation/employees/")
    assert "export=csv" in page.content.decode()
    text = body(client.get("/admin/organisation/employees/?export=csv"))
    lines = text.lstrip("\ufeff").splitlines()
    assert lines[0] == (
        "Employee number,Name,Email,Unit code,Unit,Parent unit,Position,Active"
    )
    assert len(lines) == 2
    assert lines[1].startswith('E-GZ-1,"\'=HYPERLINK(""http://x"")",')
    assert lines[1].endswith(",Yes")

    from openpyxl import load_workbook

    response = client.get("/admin/organisation/employees/?export=xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.values)
    assert len(rows) == 2 and rows[1][0] == "E-GZ-1"


@pytest.mark.django_db
def test_the_unit_listing_exports_its_rows(world, tree):
    text = body(signed_in(world["admin"]).get("/admin/organisation/units/?export=csv"))
    lines = text.lstrip("\ufeff").splitlines()
    assert lines[0].startswith("Code,Name,Level,Parent unit")
    assert len(lines) == 1 + len(tree)
    assert any(line.startswith("GZ-TH,天河区,") for line in lines)


def test_plain_numbers_are_not_taken_for_formulas():
    from lms.sheets import cell

    assert cell("-3") == "-3" and cell("+86") == "+86" and cell(-3) == -3
    assert cell("-3+4") == "'-3+4" and cell("@SUM(A1)") == "'@SUM(A1)"


# --- 9. Anonymous requests store nothing ------------------------------------------


@pytest.fixture
def attempt(tree, positions):
    shelf = factories.catalogue()
    policy = factories.course(shelf, questions=3, draw=2)
    employee = factories.EmployeeFactory(unit=tree["GZ-TH"])
    Assignment.objects.create(
        employee=employee,
        policy=policy,
        assigned_at=policy.first_published_at,
        due_on=policy.first_published_at.date(),
    )
    for module in policy.modules():
        module_complete(employee=employee, module=module)
    return attempt_start(employee=employee, policy=policy)


@pytest.mark.django_db
def test_an_anonymous_submission_stores_no_session(attempt):
    client = Client()
    fields = {
        f"key{n:03d}": [f"value{m:02d}" * 3 for m in range(20)] for n in range(200)
    }
    for _ in range(5):
        response = client.post(f"/my/attempts/{attempt.pk}/submit/", fields)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    assert Session.objects.count() == 0
    # What the browser keeps instead is bounded by a cookie's size.
    assert len(response.cookies["quiz_pending"].value) <= 3500


@pytest.mark.django_db
def test_answers_posted_after_the_session_ended_come_back_after_sign_in(attempt):
    question_id, option_ids = attempt.draw[0]
    option_id = option_ids[0]
    client = Client()
    response = client.post(
        f"/my/attempts/{attempt.pk}/submit/", {question_id: [option_id]}
    )
    assert response.status_code == 302
    assert "quiz_pending" in response.cookies
    assert Session.objects.count() == 0
    assert client.login(username=attempt.employee.user.username, password=PASSWORD)
    page = client.get(f"/my/attempts/{attempt.pk}/")
    text = page.content.decode()
    assert "signed out before your answers reached us" in text
    assert f'value="{option_id}" checked' in text
    assert page.cookies["quiz_pending"].value == ""  # taken once


@pytest.mark.django_db
def test_a_session_cannot_grow_beyond_its_cap(attempt, settings):
    settings.SESSION_MAX_BYTES = 2000
    client = Client()
    assert client.login(username=attempt.employee.user.username, password=PASSWORD)
    session = client.session
    session["filler"] = os.urandom(2000).hex()  # random: does not compress
    with pytest.raises(SessionTooLarge):
        session.save()


# --- 10. Sign-out by POST only ----------------------------------------------------


@pytest.mark.django_db
def test_signing_out_of_the_admin_needs_a_post(world):
    client = signed_in(world["admin"])
    key = client.cookies["sessionid"].value
    response = client.get("/admin/logout/")
    assert response.status_code == 405
    assert "sessionid" not in response.cookies
    assert Session.objects.filter(session_key=key).exists()
    assert client.get("/admin/").status_code == 200
    response = client.post("/admin/logout/")
    assert response.status_code == 302
    assert not Session.objects.filter(session_key=key).exists()


@pytest.mark.django_db
def test_signing_out_of_the_site_needs_a_post(attempt):
    client = Client()
    assert client.login(username=attempt.employee.user.username, password=PASSWORD)
    key = client.cookies["sessionid"].value
    # A GET only asks (a link on another site signs nobody out).
    asked = client.get("/accounts/logout/")
    assert asked.status_code == 200
    assert 'method="post"' in asked.content.decode()
    assert Session.objects.filter(session_key=key).exists()
    assert client.post("/accounts/logout/").status_code in (200, 302)
    assert not Session.objects.filter(session_key=key).exists()


# --- 11. Personal pages are not cached --------------------------------------------


@pytest.mark.django_db
def test_personal_pages_are_private_and_not_stored(attempt):
    client = Client()
    assert client.login(username=attempt.employee.user.username, password=PASSWORD)
    for path in ("/my/", f"/my/attempts/{attempt.pk}/", "/my/account/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response["Cache-Control"] == "private, no-store", path
        assert "Cookie" in response["Vary"], path
    anonymous = Client().get("/")
    assert anonymous.status_code == 200
    assert "private" not in anonymous.get("Cache-Control", "")


# --- 12. Web servers and workers share one signing key ----------------------------


@pytest.fixture
def fresh_record(monkeypatch):
    monkeypatch.setattr(signing_key, "_recorded", set())


@pytest.mark.django_db
def test_a_worker_with_another_key_refuses_to_start(
    fresh_record, settings, monkeypatch
):
    from django_q.management.commands import qcluster

    started = []
    monkeypatch.setattr(qcluster.Command, "handle", lambda self, **o: started.append(1))
    signing_key.signing_key_record(by="web")
    settings.SECRET_KEY = "another-key-" + "x" * 50
    with pytest.raises(CommandError, match="same DJANGO_SECRET_KEY"):
        call_command("qcluster")
    assert started == []


@pytest.mark.django_db
def test_a_worker_with_the_sites_key_starts(fresh_record, monkeypatch):
    from django_q.management.commands import qcluster

    started = []
    monkeypatch.setattr(qcluster.Command, "handle", lambda self, **o: started.append(1))
    signing_key.signing_key_record(by="web")
    out = io.StringIO()
    call_command("qcluster", stdout=out)
    assert started == [1]
    assert "worker process(es)" in out.getvalue()


@pytest.mark.django_db
def test_a_web_server_with_another_key_says_so_and_records_nothing(
    fresh_record, settings, caplog
):
    from django_q.tasks import async_task

    signing_key.signing_key_record(by="migrate")
    signing_key._recorded.clear()
    settings.SECRET_KEY = "another-key-" + "y" * 50
    async_task("math.floor", 1.5)
    assert SigningKey.objects.get().recorded_by == "migrate"
    assert "the task workers will refuse its tasks" in caplog.text


@pytest.mark.django_db
def test_enqueueing_a_task_records_the_key(fresh_record, settings):
    from django_q.tasks import async_task

    SigningKey.objects.all().delete()
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "sync": True}
    async_task("math.floor", 1.5)
    recorded = SigningKey.objects.get()
    assert recorded.fingerprint == signing_key.key_fingerprint()
    assert settings.SECRET_KEY not in recorded.fingerprint
