"""Who may reach what: every URL pattern the project resolves, for every role.

The table ``MATRIX`` names each URL pattern (by its name, or its route when it
has none) or a group of Wagtail's own admin patterns (by route prefix), and says
which roles reach it with GET and, where the view accepts one, with POST.
Every pattern of the resolver (the Wagtail admin's included) must match exactly
one entry: a view added without an entry fails
``test_every_url_pattern_has_an_entry_in_the_matrix``.

Each role then requests every pattern, with real ids from a small world of two
provinces (``build_world``): the manager and the launch officer hold 广东省,
the employee works in 广州市 天河区, and the other province's unit, employee
and attempt are there to be asked for. Outcomes:

- ``OK``: reached (2xx, or a redirect somewhere other than a sign-in page or
  Wagtail's "no permission" refusal);
- ``NO``: refused (403, 404, Wagtail's refusal redirect, or to a sign-in page
  for a signed-in person without admin access);
- ``IN``: sent to sign in (``/accounts/login/`` or ``/admin/login/``).

Anonymous requests to every non-public URL must be ``IN``. Besides the
outcome, no response to anyone but the administrator may contain the other
province's employee (name, employee number), and none to the employee,
manager or launch officer the other province's county.

Each request runs in a savepoint rolled back afterwards, and the session
cookie is put back, so a POST that deletes, publishes or signs out changes
nothing for the next request. The leaks a probe found (issue 11: the site
history, the choosers' chosen-multiple views, anonymous documents) are held
here like every other case.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from django.contrib.auth.models import Group
from django.contrib.messages import constants as message_levels
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from wagtail.documents.models import Document
from wagtail.images.models import Image
from wagtail.log_actions import log
from wagtail.models import (
    APIToken,
    Collection,
    Page,
    Site,
    Task,
    TaskState,
    Workflow,
)

from certificates.models import Certificate
from cms.models import HomePage, PolicyPage
from cms.quiz import quiz_pool
from lms import roles
from lms.models import (
    ActivationBatch,
    Assignment,
    ImportJob,
    ManagerScope,
    WebhookDelivery,
    WebhookEndpoint,
)
from lms.services.attempts import attempt_read, attempt_start, attempt_submit
from lms.services.imports.jobs import job_create
from lms.services.progress import module_complete
from tests import factories

OK, NO, IN = "reached", "refused", "sign-in"

ANONYMOUS = "anonymous"
EMPLOYEE = "employee"
TRAINER = "trainer"
APPROVER = "approver"
MANAGER = "manager"
LAUNCH = "launch officer"
ADMINISTRATOR = "administrator"
ROLES = (ANONYMOUS, EMPLOYEE, TRAINER, APPROVER, MANAGER, LAUNCH, ADMINISTRATOR)
SIGNED_IN = ROLES[1:]
ADMIN_USERS = (TRAINER, APPROVER, MANAGER, LAUNCH, ADMINISTRATOR)
AUTHORS = (TRAINER, APPROVER, ADMINISTRATOR)
ORG_READERS = (MANAGER, LAUNCH, ADMINISTRATOR)
UNIT_READERS = (TRAINER, APPROVER, MANAGER, LAUNCH, ADMINISTRATOR)

Expect = dict[str, str]


def may(*roles_: str, anonymous: str = IN) -> Expect:
    """``roles_`` reach it; other signed-in roles are refused; anonymous
    visitors are sent to sign in (or ``anonymous``)."""
    return {
        role: OK if role in roles_ else (anonymous if role == ANONYMOUS else NO)
        for role in ROLES
    }


PUBLIC = may(*SIGNED_IN, anonymous=OK)
NOBODY = may()
NOBODY_404 = may(anonymous=NO)  # an id that exists nowhere: 404 for everyone


@dataclass(frozen=True)
class Case:
    """One request of an entry: its URL kwargs, and who reaches it."""

    label: str
    kwargs: dict[str, object]
    get: Expect | None
    post: Expect | None = None
    path: str | None = None  # for regex routes the filler cannot build


@dataclass(frozen=True)
class Entry:
    """A URL pattern (``key``: its name, or its route when unnamed) or, with
    ``prefix=True``, every pattern whose route starts with ``key``.

    ``get``/``post`` say who reaches it (``post=None``: the view is not
    posted to); ``ids`` gives the kwargs of the world's objects; ``cases``
    replaces all three with several requests (own and other province)."""

    key: str
    get: Expect | None = None
    post: Expect | None = None
    ids: Callable[[World], dict] | None = None
    cases: Callable[[World], list[Case]] | None = None
    prefix: bool = False
    why: str = ""

    def requests(self, world: World, route: str) -> list[Case]:
        if self.cases is not None:
            return self.cases(world)
        kwargs = {**world.ids, **(self.ids(world) if self.ids else {})}
        return [Case("", kwargs, self.get, self.post)]


# --- The world ----------------------------------------------------------------------


@dataclass
class World:
    units: dict
    users: dict[str, object]
    employee: object  # the employee role's own record (广州市 天河区)
    other: object  # an employee of 北京市
    policy: PolicyPage
    module: Page
    quiz: Page
    catalogue: Page
    home: Page
    draft: PolicyPage  # in review: a workflow state and a task state
    attempt: object  # the employee's own open attempt
    other_attempt: object
    job: ImportJob
    image: Image
    document: Document
    scope_own: ManagerScope
    scope_other: ManagerScope
    webhook: WebhookEndpoint
    delivery: WebhookDelivery
    ids: dict = field(default_factory=dict)

    @property
    def secrets(self) -> dict[str, tuple[str, ...]]:
        """What each role must never be shown, in any response."""
        person = (self.other.name, self.other.employee_no)
        county = ('"BJ-DC"', ">BJ-DC<", "东城区")
        return {
            ANONYMOUS: person + county,
            EMPLOYEE: person + county,
            TRAINER: person,
            APPROVER: (),  # certificates of the measures they publish name holders
            MANAGER: person + county,
            LAUNCH: person + county,
            ADMINISTRATOR: (),
        }


def _png() -> ContentFile:
    from PIL import Image as PILImage

    buffer = io.BytesIO()
    PILImage.new("RGB", (4, 4), "white").save(buffer, "PNG")
    return ContentFile(buffer.getvalue(), name="dot.png")


def _right_answers(attempt) -> dict[str, list[str]]:
    pool = quiz_pool(revision_id=attempt.quiz_revision_id)
    return {qid: sorted(pool[qid].correct_ids) for qid, _ in attempt.draw}


def _role_user(name: str, group: str, **extra):
    return factories.UserFactory(username=name, roles=[group], **extra)


def build_world() -> World:
    roles.roles_sync()
    units = factories.build_tree()
    factories.demo_positions()
    employee = factories.EmployeeFactory(
        unit=units["GZ-TH"], employee_no="E-GZ-0001", name="广州员工"
    )
    employee.user.groups.add(Group.objects.get(name=roles.EMPLOYEE))
    other = factories.EmployeeFactory(
        unit=units["BJ-DC"], employee_no="E-BJ-0001", name="北京员工"
    )
    other.user.groups.add(Group.objects.get(name=roles.EMPLOYEE))
    users = {
        EMPLOYEE: employee.user,
        TRAINER: _role_user("trainer", roles.TRAINER),
        APPROVER: _role_user("approver", roles.APPROVER),
        MANAGER: _role_user("manager", roles.MANAGER),
        LAUNCH: _role_user("launch", roles.LAUNCH_OFFICER),
        ADMINISTRATOR: _role_user("administrator", roles.ADMINISTRATOR),
    }
    scope_own = ManagerScope.objects.create(user=users[MANAGER], unit=units["GD"])
    ManagerScope.objects.create(user=users[LAUNCH], unit=units["GD"])
    other_manager = _role_user("manager-bj", roles.MANAGER)
    scope_other = ManagerScope.objects.create(user=other_manager, unit=units["BJ"])

    shelf = factories.catalogue()
    policy = factories.course(shelf, code="SVC-MATRIX", questions=3, draw=2)
    module = policy.modules().first()
    quiz = policy.quiz()
    now = timezone.now()
    for person in (employee, other):
        Assignment.objects.create(
            employee=person, policy=policy, assigned_at=now, due_on=now.date()
        )
        module_complete(employee=person, module=module)
    attempt = attempt_start(employee=employee, policy=policy)
    # The other employee passed: their attempt is closed, their certificate
    # is what the public verification shows (masked).
    other_attempt = attempt_start(employee=other, policy=policy)
    attempt_submit(
        owned=attempt_read(attempt_id=other_attempt.pk, employee=other),
        answers=_right_answers(other_attempt),
    )
    certificate = Certificate.objects.get(attempt=other_attempt)
    # The employee holds a certificate of a second measure.
    passed = factories.course(shelf, code="SVC-PASSED", questions=2, draw=2)
    Assignment.objects.create(
        employee=employee, policy=passed, assigned_at=now, due_on=now.date()
    )
    for done in passed.modules():
        module_complete(employee=employee, module=done)
    own_attempt = attempt_start(employee=employee, policy=passed)
    attempt_submit(
        owned=attempt_read(attempt_id=own_attempt.pk, employee=employee),
        answers=_right_answers(own_attempt),
    )
    own_certificate = Certificate.objects.get(attempt=own_attempt)

    draft = factories.course(shelf, code="SVC-DRAFT", publish=False)
    draft.save_revision(user=users[TRAINER])
    workflow = Workflow.objects.get(name=roles.REVIEW_WORKFLOW)
    workflow_state = workflow.start(draft, users[TRAINER])
    task_state = TaskState.objects.filter(workflow_state=workflow_state).get()

    job = job_create(
        kind=ImportJob.Kind.STAFF,
        upload=SimpleUploadedFile("staff.csv", b"employee_no,name,unit_code\n"),
        user=users[ADMINISTRATOR],
    )
    collection = Collection.get_first_root_node()
    image = Image.objects.create(title="dot", file=_png(), collection=collection)
    document = Document.objects.create(
        title="guide",
        file=ContentFile(b"the guide", name="guide.txt"),
        collection=collection,
    )
    # The live module offers the document, as a course does.
    module.body.append(("document", {"document": document, "title": ""}))
    module.save_revision().publish()
    APIToken.create_token(user=users[LAUNCH], name="matrix")
    webhook = WebhookEndpoint.objects.create(name="matrix", url="https://hook.example/")
    delivery = WebhookDelivery.objects.create(
        endpoint=webhook, event="launch", payload={}, status="failed"
    )
    # An administrator's edit of the other employee, in the audit log.
    log(instance=other, action="wagtail.edit", user=users[ADMINISTRATOR])
    home = HomePage.objects.get()
    world = World(
        units=units,
        users=users,
        employee=employee,
        other=other,
        policy=policy,
        module=module,
        quiz=quiz,
        catalogue=shelf,
        home=home,
        draft=draft,
        attempt=attempt,
        other_attempt=other_attempt,
        job=job,
        image=image,
        document=document,
        scope_own=scope_own,
        scope_other=scope_other,
        webhook=webhook,
        delivery=delivery,
    )
    site = Site.objects.get()
    world.ids = {
        # pages
        "page_id": policy.pk,
        "parent_page_id": policy.pk,
        "page_to_move_id": module.pk,
        "destination_id": draft.pk,
        "revision_id": policy.latest_revision_id,
        "workflow_state_id": workflow_state.pk,
        "task_state_id": task_state.pk,
        "task_id": task_state.task_id,
        "action_name": "approve",
        "content_type_app_name": "cms",
        "content_type_model_name": "modulepage",
        "app_label": "cms",
        "model_name": "policypage",
        "app_name": "cms",
        # media
        "image_id": image.pk,
        "document_id": document.pk,
        "doc_id": document.pk,
        "uploaded_file_id": 999_999,
        "collection_id": collection.pk,
        "filter_spec": "original",
        # the rest of the admin
        "pk": site.pk,
        "page_pk": policy.pk,
        "workflow_pk": workflow.pk,
        "object_id": str(policy.pk),
        "session_id": 999_999,
        "action": "delete",
        "uidb64": "MQ",
        "token": "set-password",
        "restriction_id": 999_999,
        "page_view_restriction_id": 999_999,
        # learner
        "policy_id": policy.pk,
        "serial": certificate.serial,
    }
    world.workflow = workflow
    world.certificate = certificate
    world.own_certificate = own_certificate
    world.task = Task.objects.get(pk=task_state.task_id)
    return world


# --- The table -----------------------------------------------------------------------


def _own_and_other(
    own: Callable[[World], int],
    other: Callable[[World], int],
    *,
    get_own: Expect,
    post_own: Expect | None = None,
    key: str = "pk",
    post_other: bool = True,
) -> Callable[[World], list[Case]]:
    """An object of 广东省 (the manager's) and one of 北京市: only the
    administrator reaches the other province's; the manager's scope stops at
    its border."""

    def cases(world: World) -> list[Case]:
        outside = {
            role: (value if role in (ANONYMOUS, ADMINISTRATOR) or value != OK else NO)
            for role, value in get_own.items()
        }
        outside_post = None
        if post_own is not None and post_other:
            outside_post = {
                role: (
                    value if role in (ANONYMOUS, ADMINISTRATOR) or value != OK else NO
                )
                for role, value in post_own.items()
            }
        return [
            Case("own province", {key: own(world)}, get_own, post_own),
            Case("other province", {key: other(world)}, outside, outside_post),
        ]

    return cases


def _unit_gz(w: World) -> int:
    return w.units["GZ-TH"].pk


def _unit_bj(w: World) -> int:
    return w.units["BJ-DC"].pk


def _employee_gz(w: World) -> int:
    return w.employee.pk


def _employee_bj(w: World) -> int:
    return w.other.pk


def _batch(unit_code: str) -> Callable[[World], int]:
    def batch(w: World) -> int:
        return ActivationBatch.objects.get_or_create(
            unit=w.units[unit_code],
            defaults={"never_signed_in": False, "language": "en", "status": "done"},
        )[0].pk

    return batch


def _policy_pk(world: World) -> dict:
    return {"pk": world.policy.pk}


def _draft(world: World) -> dict:
    return {"page_id": world.draft.pk}


def _pages(world: World) -> list[Case]:
    """Wagtail serving: the home page is public; course pages need a login
    (and, for the learner's views, nothing more: every member of staff may
    read the catalogue)."""
    staff = may(*SIGNED_IN)
    return [
        Case("home", {}, PUBLIC, path="/"),
        Case("catalogue", {}, staff, path=world.catalogue.url),
        Case("policy", {}, staff, path=world.policy.url),
        Case("module", {}, staff, path=world.module.url),
        Case("quiz", {}, staff, path=world.quiz.url),
        Case("draft", {}, NOBODY_404, path=world.draft.url or "/draft-page/"),
        Case("missing", {}, NOBODY_404, path="/no-such-page/"),
    ]


def _attempts(get: Expect | None, post: Expect | None) -> Callable[[World], list[Case]]:
    def cases(world: World) -> list[Case]:
        return [
            Case("own", {"pk": world.attempt.pk}, get, post),
            Case(
                "another employee's",
                {"pk": world.other_attempt.pk},
                NOBODY if get else None,
                NOBODY if post else None,
            ),
        ]

    return cases


MATRIX: list[Entry] = [
    # --- Public: signing in, languages, the icon, Wagtail's script catalogue ------
    Entry("login", PUBLIC, PUBLIC),
    Entry("logout", post=PUBLIC),
    Entry("set_language", PUBLIC, PUBLIC),
    Entry("favicon.ico", PUBLIC),
    Entry("password_reset", PUBLIC, PUBLIC),
    Entry("password_reset_done", PUBLIC),
    Entry("password_reset_confirm", PUBLIC, PUBLIC),
    Entry("password_reset_complete", PUBLIC),
    Entry(
        "activation",
        PUBLIC,
        may(anonymous=NO),
        why="an empty form is refused (400) for everyone",
    ),
    Entry(
        "activation_password",
        may(anonymous=NO),
        may(anonymous=NO),
        why="without a checked link or code in the session: 400 for everyone",
    ),
    Entry(
        "activation_link",
        may(anonymous=NO),
        why="a token that exists nowhere: 400 for everyone",
    ),
    Entry(
        "two_factor_verify",
        may(*SIGNED_IN),
        may(*SIGNED_IN),
        why="without a device (as everyone here) it leads to the set-up",
    ),
    Entry(
        "two_factor_setup",
        may(*SIGNED_IN),
        may(),
        why="an empty code is refused (400)",
    ),
    Entry(
        "oidc_authentication_init",
        may(anonymous=NO),
        why="single sign-on is not configured in the tests' world: 404",
    ),
    Entry(
        "oidc_authentication_callback",
        may(anonymous=NO),
        why="single sign-on is not configured in the tests' world: 404",
    ),
    Entry(
        "sso_refused",
        may(anonymous=NO),
        why="a page that says a sign-in was refused (403)",
    ),
    Entry("admin_login", PUBLIC, PUBLIC),
    Entry("admin/password_reset/", PUBLIC, PUBLIC),
    Entry("wagtailadmin_login", PUBLIC, PUBLIC),
    Entry("wagtailadmin_password_reset", PUBLIC, PUBLIC),
    Entry("wagtailadmin_password_reset_done", PUBLIC),
    Entry("wagtailadmin_password_reset_confirm", PUBLIC, PUBLIC),
    Entry("wagtailadmin_password_reset_complete", PUBLIC),
    Entry("wagtailadmin_javascript_catalog", PUBLIC),
    Entry("wagtailcore_login", PUBLIC, PUBLIC),
    Entry("wagtailcore_authenticate_with_password", NOBODY_404, NOBODY_404),
    Entry("wagtaildocs_authenticate_with_password", NOBODY_404, NOBODY_404),
    Entry("wagtail_serve", cases=_pages),
    # --- The learner ------------------------------------------------------------
    Entry("my_training", may(*SIGNED_IN)),
    Entry("my_account", may(*SIGNED_IN)),
    Entry("my_password", may(*SIGNED_IN), may(*SIGNED_IN)),
    Entry(
        "my_language",
        may(anonymous=NO),
        NOBODY,
        why="POST only; an empty form is refused with a message",
    ),
    Entry(
        "module_done",
        post=may(EMPLOYEE),
        ids=lambda w: {"page_id": w.module.pk},
    ),
    Entry("quiz_start", post=may(EMPLOYEE)),
    Entry("quiz_attempt", cases=_attempts(may(EMPLOYEE), None)),
    Entry("quiz_attempt_save", cases=_attempts(None, may(EMPLOYEE))),
    Entry("quiz_attempt_submit", cases=_attempts(None, may(EMPLOYEE))),
    Entry("my_certificates", may(*SIGNED_IN)),
    Entry(
        "my_certificate_pdf",
        cases=lambda w: [
            Case("own", {"serial": w.own_certificate.serial}, may(EMPLOYEE)),
            Case("another employee's", {"serial": w.certificate.serial}, NOBODY),
        ],
    ),
    Entry("lms_certificates", may(APPROVER, MANAGER, LAUNCH, ADMINISTRATOR)),
    *(
        Entry(
            name,
            cases=lambda w: [
                Case(
                    "own province",
                    {"serial": w.own_certificate.serial},
                    may(APPROVER, MANAGER, LAUNCH, ADMINISTRATOR),
                    post=NOBODY,  # an empty form: 400 for those who may revoke
                ),
                Case(
                    "other province",
                    {"serial": w.certificate.serial},
                    may(APPROVER, ADMINISTRATOR),
                    post=NOBODY,
                ),
            ],
        )
        for name in ("lms_certificate", "lms_certificate_pdf")
    ),
    # An export is its requester's (tests/lms/test_certificate_exports.py): in
    # this world nobody has one, so every id is someone else's.
    Entry(
        "lms_certificate_export_create",
        post=NOBODY,
        why="the matrix posts an empty form, refused for everyone (no unit); "
        "who may export which unit: tests/lms/test_certificate_exports.py",
    ),
    *(
        Entry(name, NOBODY, ids=lambda w: {"pk": 999_999})
        for name in ("lms_certificate_export", "lms_certificate_export_download")
    ),
    # --- Certificates: public verification, the API ---------------------------
    Entry("certificate_verify_form", PUBLIC),
    Entry(
        "certificate_verify",
        cases=lambda w: [
            Case("a real serial", {"serial": w.certificate.serial}, PUBLIC),
            Case("no such serial", {"serial": "RA-0000-0000-0000"}, NOBODY_404),
        ],
    ),
    Entry("api:api-root", NOBODY_404),
    Entry("api:openapi-json", PUBLIC),
    Entry("api_docs", may(*SIGNED_IN)),
    Entry("api:certificate_get", PUBLIC),
    # --- The launch gate in the admin ---------------------------------------------
    Entry(
        "lms_launch_gate",
        cases=lambda w: [
            Case(
                "own province",
                {},
                may(*ORG_READERS),
                # A POST without an action is 400 for the launch officer and
                # refused for the others (tests/lms/test_launch_admin.py
                # launches for real).
                NOBODY,
                path=f"/admin/lms/launch/?policy={w.policy.pk}&unit={w.units['GZ-TH'].pk}",
            ),
        ],
    ),
    Entry("lms_launches", may(*ORG_READERS)),
    *(
        Entry(name, NOBODY, ids=lambda w: {"reference": "NOSUCHRECORD"})
        for name in ("lms_launch", "lms_launch_pdf")
    ),
    # The public confirmation of a launch record (tests/lms/test_evidence.py
    # reads a real one: reference, measure, scope, date, nobody's name).
    Entry("launch_confirm", NOBODY_404, ids=lambda w: {"reference": "NOSUCHRECORD"}),
    # An empty proposal is 400 for managers and administrators, refused for
    # the others (tests/lms/test_exemptions.py proposes for real).
    Entry("lms_exemptions", may(*ORG_READERS), NOBODY),
    Entry("lms_exemption", NOBODY, NOBODY, ids=lambda w: {"pk": 999_999}),
    # --- The launch gate's API (session here; tokens in tests/lms/test_api.py) ----
    *(
        Entry(
            name, may(*ORG_READERS, anonymous=NO), ids=lambda w: {"code": w.policy.code}
        )
        for name in ("api:policies_list", "api:policy_get", "api:launches_list")
    ),
    *(
        Entry(
            f"api:{name}",
            cases=lambda w, route=route: [
                Case(
                    "own province",
                    {},
                    may(*ORG_READERS, anonymous=NO),
                    path=f"/api/v1/policies/{w.policy.code}/{route}?unit=GZ-TH",
                ),
                Case(
                    "other province",
                    {},
                    may(ADMINISTRATOR, anonymous=NO),
                    path=f"/api/v1/policies/{w.policy.code}/{route}?unit=BJ-DC",
                ),
            ],
        )
        for name, route in (
            ("policy_readiness", "readiness"),
            ("policy_launch_status", "launch-status"),
        )
    ),
    *(
        # Without a JSON body: 422 for launch officers, 403 for the others,
        # 401 for anonymous callers (tests/lms/test_api.py posts real bodies).
        Entry(name, post=may(anonymous=NO), ids=lambda w: {"code": w.policy.code})
        for name in ("api:policy_launch", "api:policy_withdraw")
    ),
    # --- The admin's door and shared pieces ----------------------------------------
    Entry("wagtailadmin_home", may(*ADMIN_USERS)),
    Entry("wagtailadmin_account", may(*ADMIN_USERS), may(*ADMIN_USERS)),
    Entry("wagtailadmin_logout", post=dict.fromkeys(ROLES, IN)),
    Entry(
        "admin_logout",
        get=NOBODY_404,
        post=dict.fromkeys(ROLES, IN),
        why="ahead of Wagtail's: POST only (a GET is 405 and keeps the session)",
    ),
    Entry("wagtailadmin_sprite", PUBLIC),
    Entry("wagtailadmin_dismissibles", may(*ADMIN_USERS), may(*ADMIN_USERS)),
    Entry(
        "wagtailadmin_error_test",
        may(*ADMIN_USERS),
        why="Wagtail's sample 500 page: it raises on purpose",
    ),
    Entry("admin/test404/", may(*ADMIN_USERS), why="Wagtail's sample 404 page"),
    Entry("admin/^.*/$", may(anonymous=IN), why="the admin's 404 for unknown paths"),
    Entry("wagtailadmin_block_preview", NOBODY, why="no block named: 404"),
    Entry("wagtailadmin_tag_autocomplete", may(*ADMIN_USERS)),
    Entry(
        "wagtailadmin_tag_model_autocomplete",
        NOBODY,
        ids=lambda w: {"app_name": "wagtailimages", "model_name": "image"},
    ),
    Entry("wagtailadmin_editing_sessions:ping", post=may(*AUTHORS)),
    Entry(
        "wagtailadmin_editing_sessions:release",
        post=may(*ADMIN_USERS),
        why="releasing a session that is not one's own does nothing",
    ),
    # --- Organisation (lms): scoped to the person's subtrees -----------------------
    Entry("lms_units:index", may(*UNIT_READERS)),
    Entry("lms_units:index_results", may(*UNIT_READERS)),
    Entry("lms_units:add", may(ADMINISTRATOR), may(ADMINISTRATOR)),
    Entry(
        "lms_units:edit",
        cases=_own_and_other(
            _unit_gz, _unit_bj, get_own=may(ADMINISTRATOR), post_own=may(ADMINISTRATOR)
        ),
    ),
    Entry(
        "lms_units:delete",
        cases=_own_and_other(
            _unit_gz, _unit_bj, get_own=may(ADMINISTRATOR), post_own=NOBODY
        ),
        why="a unit with staff is not deleted: the POST is refused for all",
    ),
    Entry(
        "lms_units:inspect",
        cases=_own_and_other(_unit_gz, _unit_bj, get_own=may(*ORG_READERS)),
    ),
    Entry(
        "lms_units:history",
        cases=_own_and_other(_unit_gz, _unit_bj, get_own=may(ADMINISTRATOR)),
    ),
    Entry(
        "lms_units:history_results",
        cases=_own_and_other(_unit_gz, _unit_bj, get_own=may(ADMINISTRATOR)),
    ),
    Entry(
        "lms_units:usage",
        cases=_own_and_other(_unit_gz, _unit_bj, get_own=may(ADMINISTRATOR)),
    ),
    Entry("lms_employees:index", may(*ORG_READERS)),
    Entry("lms_employees:index_results", may(*ORG_READERS)),
    Entry("lms_employees:add", may(ADMINISTRATOR), may(ADMINISTRATOR)),
    Entry(
        "lms_employees:edit",
        cases=_own_and_other(
            _employee_gz,
            _employee_bj,
            get_own=may(ADMINISTRATOR),
            post_own=may(ADMINISTRATOR),
        ),
    ),
    Entry(
        "lms_employees:inspect",
        cases=_own_and_other(_employee_gz, _employee_bj, get_own=may(*ORG_READERS)),
    ),
    Entry("lms_activation:index", may(MANAGER, ADMINISTRATOR)),
    Entry(
        "lms_activation:new",
        may(MANAGER, ADMINISTRATOR),
        may(),
        why="an empty POST chooses no unit (400)",
    ),
    Entry(
        "lms_activation:sheet",
        post=may(),
        why="POST only; an empty one chooses no unit (back with an error)",
    ),
    Entry(
        "lms_activation:detail",
        cases=_own_and_other(
            _batch("GZ-TH"), _batch("BJ-DC"), get_own=may(MANAGER, ADMINISTRATOR)
        ),
    ),
    Entry(
        "lms_employees:signin",
        cases=_own_and_other(
            _employee_gz,
            _employee_bj,
            get_own=may(ADMINISTRATOR),
            post_own=may(),
        ),
        why="an empty POST names no action (400); tests/lms/test_signin.py posts "
        "the unlock and the end of sessions",
    ),
    Entry(
        "lms_employees:history",
        cases=_own_and_other(_employee_gz, _employee_bj, get_own=may(ADMINISTRATOR)),
    ),
    Entry(
        "lms_employees:history_results",
        cases=_own_and_other(_employee_gz, _employee_bj, get_own=may(ADMINISTRATOR)),
    ),
    Entry(
        "lms_employees:usage",
        cases=_own_and_other(_employee_gz, _employee_bj, get_own=may(ADMINISTRATOR)),
    ),
    Entry(
        "lms_positions:",
        may(ADMINISTRATOR),
        may(ADMINISTRATOR),
        ids=lambda w: {"pk": w.employee.position_id},
        prefix=True,
    ),
    *(
        Entry(
            f"lms_positions:{name}",
            may(*UNIT_READERS),
            ids=lambda w: {"pk": w.employee.position_id},
        )
        for name in ("index", "index_results", "inspect")
    ),
    Entry(
        "lms_scopes:",
        may(ADMINISTRATOR),
        may(ADMINISTRATOR),
        ids=lambda w: {"pk": w.scope_own.pk},
        prefix=True,
    ),
    Entry(
        "lms_positions:delete",
        may(ADMINISTRATOR),
        NOBODY,
        ids=lambda w: {"pk": w.employee.position_id},
        why="a position someone holds is not deleted",
    ),
    Entry(
        "lms_imports:apply",
        post=NOBODY,
        ids=lambda w: {"pk": w.job.pk},
        why="the job is still being checked: applying is refused for all",
    ),
    Entry(
        "lms_imports:",
        may(ADMINISTRATOR),
        may(ADMINISTRATOR),
        ids=lambda w: {"pk": w.job.pk},
        prefix=True,
    ),
    Entry(
        "org_unit_chooser:",
        may(*UNIT_READERS),
        ids=lambda w: {"pk": w.units["GZ-TH"].pk},
        prefix=True,
    ),
    Entry("org_unit_chooser:create", may(ADMINISTRATOR)),
    Entry(
        "org_unit_chooser:chosen_multiple",
        cases=lambda w: [
            Case("no id", {}, may(*UNIT_READERS, *AUTHORS)),
            Case(
                "own province",
                {},
                may(*UNIT_READERS),
                path=f"/admin/org_unit_chooser/chosen-multiple/?id={w.units['GZ-TH'].pk}",
            ),
            # Reached, but scoped: the unit is not among the chosen.
            Case(
                "other province",
                {},
                may(*UNIT_READERS),
                path=f"/admin/org_unit_chooser/chosen-multiple/?id={w.units['BJ-DC'].pk}",
            ),
        ],
    ),
    Entry(
        "lms_user_chooser:",
        may(ADMINISTRATOR),
        ids=lambda w: {"pk": w.users[MANAGER].pk},
        prefix=True,
    ),
    Entry(
        "lms_user_chooser:chosen_multiple",
        cases=lambda w: [
            Case("no id", {}, may(ADMINISTRATOR)),
            Case(
                "another's login",
                {},
                may(ADMINISTRATOR),
                path=f"/admin/lms_user_chooser/chosen-multiple/?id={w.other.user_id}",
            ),
        ],
    ),
    Entry("lms_quiz_stats", may(*AUTHORS), ids=lambda w: {"page_id": w.quiz.pk}),
    # --- Courses: Wagtail's page screens (page permissions: authors) ---------------
    Entry("wagtailadmin_explore_root", may(*AUTHORS)),
    Entry("wagtailadmin_explore", may(*AUTHORS)),
    Entry("wagtailadmin_explore_results", may(*AUTHORS)),
    Entry("wagtailadmin_pages:", may(*AUTHORS), may(*AUTHORS), prefix=True),
    *(
        Entry(f"wagtailadmin_pages:{name}", may(*AUTHORS), may(*AUTHORS), ids=_draft)
        for name in ("workflow_history", "workflow_history_detail")
    ),
    *(
        Entry(
            f"wagtailadmin_pages:{name}",
            NOBODY,
            NOBODY,
            ids=_draft,
            why="the draft's children are not live: Approve is not offered",
        )
        for name in ("workflow_action", "collect_workflow_action_data")
    ),
    Entry("wagtailadmin_pages:workflow_preview", may(APPROVER), ids=_draft),
    Entry(
        "wagtailadmin_pages:revisions_compare",
        may(*AUTHORS),
        ids=lambda w: {
            "pk": w.policy.pk,
            "revision_id_a": "earliest",
            "revision_id_b": "latest",
        },
    ),
    Entry("wagtailadmin_choose_page", may(*ADMIN_USERS), prefix=True),
    Entry("wagtailadmin_api:pages:", may(*AUTHORS), ids=_policy_pk, prefix=True),
    Entry(
        "wagtailadmin_api:pages:listing",
        may(*ADMIN_USERS),
        why="lists only the pages one may explore",
    ),
    Entry(
        "wagtailadmin_api:pages:find",
        cases=lambda w: [
            Case(
                "",
                {},
                may(*AUTHORS),
                path=f"/admin/api/main/pages/find/?id={w.policy.pk}",
            )
        ],
    ),
    *(
        Entry(
            f"wagtailadmin_api:{kind}:find",
            cases=lambda w, kind=kind, pk=pk: [
                Case(
                    "",
                    {},
                    may(*ADMIN_USERS),
                    path=f"/admin/api/main/{kind}/find/?id={pk(w)}",
                )
            ],
            why="a redirect to the detail, which refuses non-authors",
        )
        for kind, pk in (
            ("documents", lambda w: w.document.pk),
            ("images", lambda w: w.image.pk),
        )
    ),
    Entry(
        "wagtailadmin_api:documents:",
        may(*ADMIN_USERS),
        ids=lambda w: {"pk": w.document.pk},
        prefix=True,
    ),
    Entry(
        "wagtailadmin_api:images:",
        may(*ADMIN_USERS),
        ids=lambda w: {"pk": w.image.pk},
        prefix=True,
    ),
    Entry(
        "wagtail_bulk_action",
        cases=lambda w: [
            Case(
                "publish a module",
                {},
                may(*ADMIN_USERS),
                post=may(*ADMIN_USERS),
                path=f"/admin/bulk/wagtailcore/page/publish/?id={w.module.pk}",
            )
        ],
        why="the confirmation lists only the pages one may publish and the POST "
        "publishes only those (none for a trainer or a manager)",
    ),
    Entry(
        "wagtailadmin_pages:choose_parent",
        may(*ADMIN_USERS),
        may(*ADMIN_USERS),
        why="lists only the parents one may add a policy under (none: empty)",
    ),
    Entry(
        "wagtailadmin_pages:revisions_index",
        may(*ADMIN_USERS),
        why="a redirect to the page's history, which refuses non-authors",
    ),
    Entry(
        "wagtailadmin_pages:confirm_workflow_cancellation",
        may(*ADMIN_USERS),
        ids=_draft,
        why="Wagtail checks no permission: a modal naming the workflow's tasks",
    ),
    Entry(
        "wagtailadmin_pages:delete",
        cases=lambda w: [
            Case(
                "a course staff took",
                {"page_id": w.policy.pk},
                NOBODY,
                NOBODY,
            ),
            Case(
                "a draft nobody took",
                {"page_id": w.draft.pk},
                may(ADMINISTRATOR),
                may(ADMINISTRATOR),
            ),
        ],
        why="a course with attempts or certificates is unpublished, never "
        "deleted (lms.wagtail_hooks.keep_course_pages_with_records)",
    ),
    Entry("wagtailadmin_pages:convert_alias", NOBODY, NOBODY, why="not an alias"),
    *(
        Entry(f"wagtailadmin_pages:{name}", may(APPROVER, ADMINISTRATOR), publishers)
        for name, publishers in (
            ("unpublish", may(APPROVER, ADMINISTRATOR)),
            ("set_privacy", may(APPROVER, ADMINISTRATOR)),
            ("revisions_unschedule", may(APPROVER, ADMINISTRATOR)),
            ("move", may(APPROVER, ADMINISTRATOR)),
            ("set_page_position", may(APPROVER, ADMINISTRATOR)),
            ("lock", may(ADMINISTRATOR)),
            ("unlock", may(ADMINISTRATOR)),
        )
    ),
    Entry("wagtailadmin_pages:move_confirm", NOBODY, NOBODY, why="slug taken there"),
    # --- Media: collection permissions (authors) ----------------------------------
    Entry("wagtailimages:", may(*AUTHORS), may(*AUTHORS), prefix=True),
    *(
        Entry(
            f"{chooser}:{name}",
            may(*ADMIN_USERS),
            why="Wagtail's media choosers list course media to any admin user; "
            "every member of staff reads them in the courses",
        )
        for chooser in ("wagtailimages_chooser", "wagtaildocs_chooser")
        for name in ("choose", "choose_results", "chosen_multiple")
    ),
    Entry(
        "wagtailimages_chooser:",
        may(*AUTHORS),
        may(*AUTHORS),
        ids=lambda w: {"pk": w.image.pk},
        prefix=True,
    ),
    Entry("wagtaildocs:", may(*AUTHORS), may(*AUTHORS), prefix=True),
    *(
        Entry(f"{app}:{name}", may(*AUTHORS), NOBODY, why="no file uploaded: 400/404")
        for app, kind in (("wagtaildocs", "document"), ("wagtailimages", "image"))
        for name in (
            "add_multiple",
            f"create_multiple_from_uploaded_{kind}",
            "delete_upload_multiple",
        )
    ),
    *(
        Entry(f"wagtailimages:{name}", NOBODY, why="no image serve view is installed")
        for name in ("url_generator", "url_generator_output")
    ),
    Entry(
        "wagtaildocs_chooser:",
        may(*AUTHORS),
        may(*AUTHORS),
        ids=lambda w: {"pk": w.document.pk},
        prefix=True,
    ),
    Entry(
        "wagtaildocs_serve",
        cases=lambda w: [
            Case(
                "",
                {},
                may(*SIGNED_IN),
                path=f"/documents/{w.document.pk}/{w.document.filename}",
            )
        ],
    ),
    Entry(
        "media",
        cases=lambda w: [
            Case("an image", {}, may(*SIGNED_IN), path=f"/media/{w.image.file.name}"),
            Case(
                "a document's file",
                {},
                NOBODY,
                path=f"/media/{w.document.file.name}",
            ),
        ],
    ),
    Entry(
        "wagtailembeds:",
        may(*ADMIN_USERS),
        may(*ADMIN_USERS),
        prefix=True,
        why="an empty form asking for a URL; nothing stored",
    ),
    # --- Wagtail's settings, sites, users, groups, workflows, reports ---------------
    Entry(
        "wagtailusers_users:",
        may(ADMINISTRATOR),
        may(ADMINISTRATOR),
        ids=lambda w: {"pk": w.users[TRAINER].pk},
        prefix=True,
    ),
    Entry(
        "wagtailusers_api_tokens:",
        may(ADMINISTRATOR),
        may(ADMINISTRATOR),
        ids=lambda w: {"pk": APIToken.objects.get(name="matrix").pk},
        prefix=True,
    ),
    Entry(
        "lms_webhooks:",
        may(ADMINISTRATOR),
        may(ADMINISTRATOR),
        ids=lambda w: {"pk": w.webhook.pk},
        prefix=True,
    ),
    *(
        Entry(
            f"lms_webhook_deliveries:{name}",
            may(ADMINISTRATOR),
            ids=lambda w: {"pk": w.delivery.pk},
        )
        for name in ("index", "index_results", "inspect")
    ),
    Entry(
        "lms_webhook_deliveries:",
        NOBODY,
        NOBODY,
        ids=lambda w: {"pk": w.delivery.pk},
        prefix=True,
        why="the delivery log is read-only: nobody adds, edits or deletes",
    ),
    Entry(
        "wagtailusers_groups:",
        may(ADMINISTRATOR),
        may(ADMINISTRATOR),
        ids=lambda w: {"pk": Group.objects.get(name=roles.EMPLOYEE).pk},
        prefix=True,
    ),
    Entry("wagtailsites:", NOBODY, NOBODY, prefix=True),
    Entry("wagtailsettings:", NOBODY, NOBODY, prefix=True),
    Entry(
        "wagtailadmin_collections:",
        NOBODY,
        NOBODY,
        ids=lambda w: {"pk": w.document.collection_id},
        prefix=True,
    ),
    Entry(
        "wagtailadmin_workflows:",
        NOBODY,
        NOBODY,
        ids=lambda w: {"pk": w.workflow.pk},
        prefix=True,
    ),
    Entry(
        "wagtailadmin_workflows:task_cho",
        may(*ADMIN_USERS),
        ids=lambda w: {"pk": w.task.pk},
        prefix=True,
        why="Wagtail's task chooser checks no permission: any admin user lists "
        "the review tasks by name (no personal data)",
    ),
    Entry(
        "wagtailadmin_workflows:task_chooser_create",
        may(*ADMIN_USERS),
        NOBODY,
        why="an empty form; creating a task needs add_task (nobody)",
    ),
    Entry("wagtailsnippets:index", NOBODY),
    Entry("wagtailadmin_reports:", may(*AUTHORS), prefix=True),
    *(
        Entry(f"wagtailadmin_reports:{name}", may(ADMINISTRATOR))
        for name in ("locked_pages", "locked_pages_results")
    ),
    *(
        Entry(
            f"wagtailadmin_reports:{name}",
            may(*ADMIN_USERS),
            why="scoped: managers and launch officers read the log entries of "
            "their own subtrees only (lms.models.audit)",
        )
        for name in ("site_history", "site_history_results")
    ),
]


# --- Walking the resolver ------------------------------------------------------------


@dataclass(frozen=True)
class Pattern:
    route: str
    name: str | None
    converters: tuple[str, ...]

    @property
    def key(self) -> str:
        return self.name or self.route

    def build(self, kwargs: dict[str, object]) -> str:
        def fill(match: re.Match) -> str:
            name = match.group(2)
            if name not in kwargs:
                raise KeyError(f"no id for <{name}> in {self.route}")
            return str(kwargs[name])

        path = re.sub(r"\(\?P<()(\w+)>[^)]*\)", fill, self.route)  # regex routes
        path = re.sub(r"<(?:(\w+):)?(\w+)>", fill, path)
        return "/" + path.replace("^", "").replace("$", "").replace("\\", "")


def url_patterns() -> list[Pattern]:
    """Every pattern of the project's resolver, with its namespaced name."""

    def walk(patterns, prefix: str, namespace: str | None) -> Iterator[Pattern]:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = namespace
                if pattern.namespace:
                    inner = (
                        f"{namespace}:{pattern.namespace}"
                        if namespace
                        else pattern.namespace
                    )
                yield from walk(
                    pattern.url_patterns, prefix + str(pattern.pattern), inner
                )
            elif isinstance(pattern, URLPattern):
                name = pattern.name
                if name and namespace:
                    name = f"{namespace}:{name}"
                route = prefix + str(pattern.pattern)
                converters = tuple(re.findall(r"<(?:\w+:)?(\w+)>", route))
                yield Pattern(route, name, converters)

    return list(walk(get_resolver().url_patterns, "", None))


def entry_for(pattern: Pattern) -> Entry | None:
    exact = [e for e in MATRIX if not e.prefix and e.key == pattern.key]
    if exact:
        return exact[0]
    candidates = [
        e
        for e in MATRIX
        if e.prefix
        and (pattern.key.startswith(e.key) or pattern.route.startswith(e.key))
    ]
    return max(candidates, key=lambda e: len(e.key)) if candidates else None


def test_every_url_pattern_has_an_entry_in_the_matrix():
    patterns = url_patterns()
    assert len(patterns) > 200  # the Wagtail admin's are walked too
    missing = [p.key for p in patterns if entry_for(p) is None]
    assert not missing, (
        "URL patterns without an entry in tests/test_access_matrix.py MATRIX "
        f"(say who may reach each): {missing}"
    )
    used = {id(entry_for(p)) for p in patterns}
    stale = [e.key for e in MATRIX if id(e) not in used]
    assert not stale, f"matrix entries that match no URL pattern: {stale}"
    exact = [e.key for e in MATRIX if not e.prefix]
    assert len(exact) == len(set(exact)), "an entry is listed twice"


# --- Requesting ---------------------------------------------------------------------

SIGN_IN_PATHS = ("/accounts/login/", "/admin/login/", "/_util/login/")


def outcome(response) -> str:
    status = response.status_code
    if status in (401, 403, 404):
        return NO
    if 300 <= status < 400:
        location = response.headers.get("Location", "")
        target = location.split("?", 1)[0]
        if target.endswith(SIGN_IN_PATHS):
            return IN
        queued = getattr(getattr(response, "wsgi_request", None), "_messages", None)
        for message in getattr(queued, "_queued_messages", []):
            if message.level == message_levels.ERROR:
                return NO  # Wagtail's refusals ("no permission", "cannot move")
        return OK
    if status < 300:
        return OK
    if status >= 500:
        return OK  # the view ran past its checks: an error, listed apart
    return NO  # 400, 405, 409, 429: not acted upon


@dataclass
class Visit:
    role: str
    entry: Entry
    pattern: Pattern
    case: Case
    method: str
    path: str
    expected: str
    got: str
    body: str


def client_for(world: World, role: str, language: str | None = None) -> Client:
    headers = {"HTTP_ACCEPT_LANGUAGE": language} if language else {}
    client = Client(raise_request_exception=False, **headers)
    if role != ANONYMOUS:
        client.force_login(world.users[role])
    return client


def request(client: Client, method: str, path: str):
    cookies = client.cookies
    client.cookies = type(cookies)(cookies)  # a copy: a sign-out leaves ours
    try:
        with transaction.atomic():
            response = getattr(client, method)(path, {} if method == "post" else None)
            transaction.set_rollback(True)
    finally:
        client.cookies = cookies
    return response


def visits(
    world: World,
    role: str,
    keys: set[str] | None = None,
    language: str | None = None,
    methods: tuple[str, ...] = ("get", "post"),
) -> Iterator[Visit]:
    client = client_for(world, role, language)
    for pattern in url_patterns():
        if keys is not None and pattern.key not in keys:
            continue
        entry = entry_for(pattern)
        if entry is None:
            continue  # test_every_url_pattern_has_an_entry_in_the_matrix says so
        for case in entry.requests(world, pattern.route):
            path = case.path or pattern.build(case.kwargs)
            for method, expect in (("get", case.get), ("post", case.post)):
                if expect is None or method not in methods:
                    continue
                response = request(client, method, path)
                if response.status_code == 405:
                    continue  # this pattern of the group takes no such method
                body = ""
                if response.get("Content-Type", "").startswith(
                    ("text/", "application/json")
                ):
                    if not getattr(response, "streaming", False):
                        body = _readable(response)
                yield Visit(
                    role,
                    entry,
                    pattern,
                    case,
                    method,
                    path,
                    expect[role],
                    outcome(response),
                    body,
                )


def _readable(response) -> str:
    """The body as a person would read it: JSON (Wagtail's modals and
    choosers) with its escaped characters decoded."""
    body = response.content.decode("utf-8", "replace")
    if response.get("Content-Type", "").startswith("application/json"):
        try:
            body = json.dumps(json.loads(body), ensure_ascii=False)
        except ValueError:
            pass
    return body


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_only_what_it_may(role):
    world = build_world()
    wrong, shown = [], []
    secrets = world.secrets[role]
    count = 0
    for visit in visits(world, role):
        count += 1
        if visit.got != visit.expected and not (
            # A signed-in person without admin access is sent to the admin's
            # sign-in: refused all the same.
            role != ANONYMOUS and visit.expected == NO and visit.got == IN
        ):
            wrong.append(
                f"{visit.method.upper()} {visit.path} [{visit.pattern.key}"
                f"{' ' + visit.case.label if visit.case.label else ''}]: "
                f"expected {visit.expected}, got {visit.got}"
            )
        for secret in secrets:
            if secret in visit.body:
                shown.append(f"{visit.method.upper()} {visit.path} shows {secret}")
    assert count > 250
    assert not wrong, f"{role}:\n" + "\n".join(wrong)
    assert not shown, f"{role} is shown another's data:\n" + "\n".join(shown)
