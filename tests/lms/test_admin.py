"""The organisation and its staff in the Wagtail admin, for each role."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lms import roles
from lms.models import Employee, ManagerScope, OrgUnit, User
from tests.factories import (
    EmployeeFactory,
    ManagerScopeFactory,
    UserFactory,
    unit_add,
)

pytestmark = pytest.mark.django_db

UNITS = "/admin/organisation/units/"
EMPLOYEES = "/admin/organisation/employees/"
POSITIONS = "/admin/organisation/positions/"
SCOPES = "/admin/organisation/scopes/"

# Queries of one listing page: session, user, permissions, menus, the
# filters' choices, the count and the page itself. Pinned at page sizes of
# 10 and 50 rows: it must not grow with the page.
# Measured: 12 for an administrator (13 for a manager: their scopes), 10 for
# the units.
# Fixed costs: session, user, groups, permissions, the admin menu (incl. page
# permissions and workflow tasks), the count and the page of rows.
EMPLOYEE_LISTING_MAX_QUERIES = {"admin": 13, "manager": 13}
UNIT_LISTING_MAX_QUERIES = 11


@pytest.fixture
def admin_user(db):
    return UserFactory(username="hr-admin", roles=[roles.ADMINISTRATOR])


@pytest.fixture
def manager(tree):
    """A manager of 广东省 (GD) only."""
    user = UserFactory(username="gd-manager", roles=[roles.MANAGER])
    ManagerScopeFactory(user=user, unit=tree["GD"])
    return user


@pytest.fixture
def staff(tree, positions):
    """One employee in 天河区 (GD) and one in 东城区 (BJ)."""
    return {
        "gd": EmployeeFactory(unit=tree["GZ-TH"], employee_no="GD0001", name="张广东"),
        "bj": EmployeeFactory(unit=tree["BJ-DC"], employee_no="BJ0001", name="李北京"),
    }


def text_of(response) -> str:
    return response.content.decode()


def denied(response) -> bool:
    """Wagtail answers a permission denial with a redirect to the admin home."""
    return response.status_code == 302 and response["Location"] == reverse(
        "wagtailadmin_home"
    )


# --- Access by role -----------------------------------------------------------


def test_employee_without_admin_access_is_redirected_from_the_admin(client, staff):
    client.force_login(staff["gd"].user)
    for url in ("/admin/", EMPLOYEES, UNITS):
        response = client.get(url)
        assert response.status_code == 302
        assert "/login/" in response["Location"]


def test_administrator_lists_every_employee(client, admin_user, staff):
    client.force_login(admin_user)
    response = client.get(EMPLOYEES)
    assert response.status_code == 200
    assert "张广东" in text_of(response) and "李北京" in text_of(response)
    # Administrators can edit: rows link to the edit form.
    edit_url = reverse("lms_employees:edit", args=[staff["gd"].pk])
    assert edit_url in text_of(response)


def test_organisation_menu_is_shown_to_managers_without_scopes_and_imports(
    client, manager, admin_user
):
    client.force_login(manager)
    home = text_of(client.get("/admin/"))
    assert "Organisation" in home and "Employees" in home
    assert "Manager scopes" not in home and '"Imports"' not in home
    client.force_login(admin_user)
    home = text_of(client.get("/admin/"))
    assert "Manager scopes" in home and '"Imports"' in home


def test_manager_lists_only_the_employees_of_their_subtree(client, manager, staff):
    client.force_login(manager)
    response = client.get(EMPLOYEES)
    assert response.status_code == 200
    assert "张广东" in text_of(response)
    assert "李北京" not in text_of(response)


def test_manager_lists_only_the_units_of_their_subtree(client, manager, tree):
    client.force_login(manager)
    response = client.get(UNITS)
    codes = {unit.code for unit in response.context["object_list"]}
    assert codes == {"GD", "GZ", "SZ", "GZ-TH", "GZ-YX", "SZ-NS"}
    assert "东城区" not in text_of(response)


def test_manager_opens_the_read_only_inspect_view_not_the_edit_form(
    client, manager, staff
):
    client.force_login(manager)
    listing = text_of(client.get(EMPLOYEES))
    inspect_url = reverse("lms_employees:inspect", args=[staff["gd"].pk])
    edit_url = reverse("lms_employees:edit", args=[staff["gd"].pk])
    assert inspect_url in listing and edit_url not in listing

    response = client.get(inspect_url)
    assert response.status_code == 200
    page = text_of(response)
    assert "GD0001" in page and "集团总部 › 广东省 › 广州市 › 天河区" in page

    assert denied(client.get(edit_url))
    assert denied(client.post(edit_url, {"name": "改名"}))
    staff["gd"].refresh_from_db()
    assert staff["gd"].name == "张广东"


def test_manager_gets_404_for_an_employee_or_unit_of_another_province(
    client, manager, staff, tree
):
    client.force_login(manager)
    outside = staff["bj"].pk
    assert client.get(reverse("lms_employees:inspect", args=[outside])).status_code == (
        404
    )
    assert client.get(reverse("lms_employees:edit", args=[outside])).status_code in (
        302,
        404,
    )
    assert client.get(
        reverse("lms_units:inspect", args=[tree["BJ"].pk])
    ).status_code == (404)
    assert client.get(
        reverse("lms_units:inspect", args=[tree["GZ"].pk])
    ).status_code == (200)


def test_manager_cannot_create_or_change_units(client, manager, tree):
    client.force_login(manager)
    assert denied(client.get(reverse("lms_units:add")))
    response = client.post(
        reverse("lms_units:edit", args=[tree["GZ"].pk]),
        {"parent": tree["GD"].pk, "code": "GZ", "name": "改名", "level": "city"},
    )
    assert denied(response)
    assert OrgUnit.objects.get(code="GZ").name == "广州市"


def test_manager_filter_and_chooser_offer_only_units_in_scope(
    client, manager, staff, tree
):
    client.force_login(manager)
    # Filtering on a unit outside the scope shows nothing from it.
    page = text_of(client.get(EMPLOYEES, {"unit": tree["BJ"].pk}))
    assert "李北京" not in page
    # The unit chooser lists the scope's subtree only.
    chooser = client.get("/admin/org_unit_chooser/")
    assert chooser.status_code == 200
    body = chooser.json()["html"]
    assert "广州市" in body and "东城区" not in body
    assert client.get(
        f"/admin/org_unit_chooser/chosen/{tree['BJ'].pk}/"
    ).status_code == (404)


def test_trainer_cannot_list_employees_and_sees_no_unit_without_a_scope(client, tree):
    trainer = UserFactory(roles=[roles.TRAINER])
    client.force_login(trainer)
    assert denied(client.get(EMPLOYEES))
    response = client.get(UNITS)
    assert response.status_code == 200
    assert list(response.context["object_list"]) == []


# --- Employees ----------------------------------------------------------------


def test_administrator_creates_an_employee_with_a_login(
    client, admin_user, tree, positions
):
    client.force_login(admin_user)
    response = client.post(
        reverse("lms_employees:add"),
        {
            "employee_no": " GD0100 ",
            "name": "王新员",
            "email": "wang@example.com",
            "unit": tree["SZ-NS"].pk,
            "position": positions["billing"].pk,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    employee = Employee.objects.select_related("user").get(employee_no="GD0100")
    assert employee.unit.code == "SZ-NS" and employee.position.code == "billing"
    assert employee.user.username == "GD0100"
    assert employee.user.first_name == "王新员"
    assert employee.user.email == "wang@example.com"
    assert not employee.user.has_usable_password()
    # The change is in the admin's history, as a creation by this user.
    from lms.models import ScopedLogEntry

    entry = ScopedLogEntry.objects.get(object_id=str(employee.pk))
    assert (entry.action, entry.user_id) == ("wagtail.create", admin_user.pk)


def test_creating_an_employee_refuses_a_taken_login(
    client, admin_user, tree, positions
):
    client.force_login(admin_user)
    response = client.post(
        reverse("lms_employees:add"),
        {
            "employee_no": "hr-admin",
            "name": "重名",
            "unit": tree["SZ-NS"].pk,
            "position": positions["billing"].pk,
        },
    )
    assert response.status_code == 200
    assert "A login with this employee number already exists." in text_of(response)
    assert not Employee.objects.filter(employee_no="hr-admin").exists()


def test_editing_an_employee_keeps_the_login_in_step(
    client, admin_user, staff, tree, positions
):
    client.force_login(admin_user)
    employee = staff["gd"]
    response = client.post(
        reverse("lms_employees:edit", args=[employee.pk]),
        {
            "employee_no": "GD0009",
            "name": "张改名",
            "email": "zhang@example.com",
            "unit": tree["BJ-DC"].pk,
            "position": positions["management"].pk,
        },
    )
    assert response.status_code == 302
    employee.refresh_from_db()
    user = User.objects.get(pk=employee.user_id)
    assert (employee.employee_no, employee.unit.code, employee.is_active) == (
        "GD0009",
        "BJ-DC",
        False,
    )
    assert (user.username, user.first_name, user.email, user.is_active) == (
        "GD0009",
        "张改名",
        "zhang@example.com",
        False,
    )


def test_employee_listing_tells_apart_units_of_the_same_name(
    client, admin_user, tree, positions
):
    guangdong_district = unit_add(
        code="GD01", name="市辖区", level="city", parent=tree["GD"]
    )
    EmployeeFactory(unit=tree["BJ01"], name="北京员工")
    EmployeeFactory(unit=guangdong_district, name="广东员工")
    client.force_login(admin_user)
    page = text_of(client.get(EMPLOYEES))
    assert "北京市 › 市辖区" in page
    assert "广东省 › 市辖区" in page


def test_employee_filters_by_subtree_position_and_status(
    client, admin_user, tree, positions
):
    EmployeeFactory(unit=tree["GZ-TH"], name="县级员工")  # county, deep in GD
    EmployeeFactory(unit=tree["SZ"], name="市级员工")  # city in GD
    EmployeeFactory(unit=tree["BJ-DC"], name="北京员工")
    EmployeeFactory(unit=tree["GZ-YX"], name="计费员工", position=positions["billing"])
    EmployeeFactory(unit=tree["GZ-YX"], name="离职员工", is_active=False)
    client.force_login(admin_user)

    page = text_of(client.get(EMPLOYEES, {"unit": tree["GD"].pk}))
    assert "县级员工" in page and "市级员工" in page and "北京员工" not in page

    page = text_of(client.get(EMPLOYEES, {"position": positions["billing"].pk}))
    assert "计费员工" in page and "县级员工" not in page

    page = text_of(client.get(EMPLOYEES, {"is_active": "false"}))
    assert "离职员工" in page and "县级员工" not in page


def test_employee_search_by_number_and_name(client, admin_user, staff):
    client.force_login(admin_user)
    page = text_of(client.get(EMPLOYEES, {"q": "BJ0001"}))
    assert "李北京" in page and "张广东" not in page
    page = text_of(client.get(EMPLOYEES, {"q": "广东"}))
    assert "张广东" in page and "李北京" not in page


def _listing_queries(client, url: str, **params) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(queries), text_of(response)


@pytest.mark.parametrize("role", ["admin", "manager"])
def test_employee_listing_queries_do_not_grow_with_the_page(
    client, tree, positions, admin_user, manager, role, django_assert_max_num_queries
):
    client.force_login(admin_user if role == "admin" else manager)
    counties = [tree["GZ-TH"], tree["GZ-YX"], tree["SZ-NS"]]
    for n in range(10):
        EmployeeFactory(unit=counties[n % 3], employee_no=f"Q{n:04d}")
    with django_assert_max_num_queries(EMPLOYEE_LISTING_MAX_QUERIES[role]):
        ten, page = _listing_queries(client, EMPLOYEES, unit=tree["GD"].pk)
    assert len(re.findall(r"Q00\d\d", page)) >= 10
    for n in range(10, 60):
        EmployeeFactory(unit=counties[n % 3], employee_no=f"Q{n:04d}")
    with django_assert_max_num_queries(EMPLOYEE_LISTING_MAX_QUERIES[role]):
        fifty, page = _listing_queries(client, EMPLOYEES, unit=tree["GD"].pk)
    assert len(set(re.findall(r"Q\d{4}", page))) == 50  # a full page of 50
    assert ten == fifty, (ten, fifty)


# --- Units --------------------------------------------------------------------


def test_unit_listing_counts_active_staff_in_each_subtree(
    client, admin_user, tree, positions
):
    EmployeeFactory(unit=tree["GZ-TH"])
    EmployeeFactory(unit=tree["GZ-YX"])
    EmployeeFactory(unit=tree["GZ-YX"], is_active=False)
    EmployeeFactory(unit=tree["BJ-DC"])
    client.force_login(admin_user)
    response = client.get(UNITS)
    units = {unit.code: unit.active_staff for unit in response.context["object_list"]}
    assert units["HQ"] == 3
    assert units["GD"] == 2 and units["GZ"] == 2 and units["GZ-YX"] == 1
    assert units["SZ"] == 0 and units["BJ"] == 1
    parents = {u.code: u.parent_name for u in response.context["object_list"]}
    assert parents["BJ01"] == "北京市" and parents["HQ"] is None


def test_unit_filters_by_level_and_subtree_and_searches_code_or_name(
    client, admin_user, tree
):
    client.force_login(admin_user)
    response = client.get(UNITS, {"level": "county", "under": tree["GD"].pk})
    codes = {unit.code for unit in response.context["object_list"]}
    assert codes == {"GZ-TH", "GZ-YX", "SZ-NS"}
    response = client.get(UNITS, {"q": "深圳"})
    assert {unit.code for unit in response.context["object_list"]} == {"SZ"}
    response = client.get(UNITS, {"q": "bj-"})
    assert {unit.code for unit in response.context["object_list"]} == {"BJ-DC"}


def test_unit_listing_queries_do_not_grow_with_the_page(
    client, admin_user, tree, positions, django_assert_max_num_queries
):
    client.force_login(admin_user)
    EmployeeFactory(unit=tree["GZ-TH"])
    # 10 units in the tree: one page of 10.
    with django_assert_max_num_queries(UNIT_LISTING_MAX_QUERIES):
        ten, _page = _listing_queries(client, UNITS)
    for n in range(45):
        unit_add(code=f"SZ-{n:02d}", name=f"区{n}", level="county", parent=tree["SZ"])
    with django_assert_max_num_queries(UNIT_LISTING_MAX_QUERIES):
        fifty, page = _listing_queries(client, UNITS)
    assert page.count("/admin/organisation/units/edit/") >= 50
    assert ten == fifty, (ten, fifty)


def test_administrator_creates_a_unit_under_a_parent(client, admin_user, tree):
    client.force_login(admin_user)
    response = client.post(
        reverse("lms_units:add"),
        {
            "parent": tree["GZ"].pk,
            "code": "GZ-BY",
            "name": "白云区",
            "level": "county",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    unit = OrgUnit.objects.get(code="GZ-BY")
    assert unit.get_parent().code == "GZ"
    assert unit.path.startswith(tree["GZ"].path) and unit.depth == 4
    assert OrgUnit.objects.get(code="GZ").numchild == 3
    assert OrgUnit.find_problems() == ([], [], [], [], [])


def test_a_unit_must_be_at_a_lower_level_than_its_parent(client, admin_user, tree):
    client.force_login(admin_user)
    response = client.post(
        reverse("lms_units:add"),
        {"parent": tree["GZ"].pk, "code": "GZ-X", "name": "错级", "level": "city"},
    )
    assert response.status_code == 200
    assert "A unit must be at a lower level than its parent" in text_of(response)
    assert not OrgUnit.objects.filter(code="GZ-X").exists()


def test_a_unit_needs_a_parent_once_the_tree_has_a_root(client, admin_user, tree):
    client.force_login(admin_user)
    response = client.post(
        reverse("lms_units:add"),
        {"code": "NEW", "name": "无上级", "level": "province"},
    )
    assert response.status_code == 200
    assert not OrgUnit.objects.filter(code="NEW").exists()


def test_moving_a_unit_into_its_own_subtree_is_refused(client, admin_user, tree):
    client.force_login(admin_user)
    response = client.post(
        reverse("lms_units:edit", args=[tree["GD"].pk]),
        {
            "parent": tree["GZ"].pk,
            "code": "GD",
            "name": "广东省",
            "level": "province",
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    assert "cannot be moved under itself or one of its own sub-units" in text_of(
        response
    )
    assert OrgUnit.objects.get(code="GD").get_parent().code == "HQ"


def test_moving_a_unit_takes_its_subtree_and_staff_along(
    client, admin_user, tree, positions
):
    employee = EmployeeFactory(unit=tree["SZ-NS"])
    client.force_login(admin_user)
    response = client.post(
        reverse("lms_units:edit", args=[tree["SZ"].pk]),
        {
            "parent": tree["BJ"].pk,
            "code": "SZ",
            "name": "深圳市",
            "level": "city",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    bj = OrgUnit.objects.get(code="BJ")
    assert OrgUnit.objects.get(code="SZ").get_parent().code == "BJ"
    assert OrgUnit.objects.get(code="SZ-NS").path.startswith(bj.path)
    assert Employee.objects.filter(unit__path__startswith=bj.path, pk=employee.pk)
    assert OrgUnit.objects.get(code="GD").numchild == 1
    assert OrgUnit.find_problems() == ([], [], [], [], [])


def test_a_unit_level_must_stay_above_its_children(client, admin_user, tree):
    client.force_login(admin_user)
    response = client.post(
        reverse("lms_units:edit", args=[tree["GZ"].pk]),
        {"parent": tree["GD"].pk, "code": "GZ", "name": "广州市", "level": "county"},
    )
    assert response.status_code == 200
    assert "its own level must stay above theirs" in text_of(response)
    assert OrgUnit.objects.get(code="GZ").level == "city"


def test_deleting_a_unit_with_staff_or_children_is_refused(
    client, admin_user, tree, positions
):
    EmployeeFactory(unit=tree["GZ-TH"])
    client.force_login(admin_user)
    confirm = text_of(client.get(reverse("lms_units:delete", args=[tree["GZ-TH"].pk])))
    assert "cannot be deleted" in confirm and "belongs to it" in confirm
    response = client.post(reverse("lms_units:delete", args=[tree["GZ-TH"].pk]))
    assert response.status_code == 302
    response = client.post(reverse("lms_units:delete", args=[tree["GZ"].pk]))
    assert response.status_code == 302
    assert OrgUnit.objects.filter(code__in=["GZ", "GZ-TH", "GZ-YX"]).count() == 3
    message = text_of(client.get(reverse("lms_units:delete", args=[tree["GZ"].pk])))
    assert "sub-units" in message

    # An empty leaf goes, and its parent's child count follows.
    response = client.post(reverse("lms_units:delete", args=[tree["GZ-YX"].pk]))
    assert response.status_code == 302
    assert not OrgUnit.objects.filter(code="GZ-YX").exists()
    assert OrgUnit.objects.get(code="GZ").numchild == 1


# --- Positions and manager scopes ---------------------------------------------


def test_positions_list_their_active_staff(client, admin_user, tree, positions):
    EmployeeFactory(unit=tree["GZ-TH"], position=positions["billing"])
    EmployeeFactory(unit=tree["GZ-TH"], position=positions["billing"])
    EmployeeFactory(unit=tree["GZ-TH"], position=positions["billing"], is_active=False)
    client.force_login(admin_user)
    response = client.get(POSITIONS)
    counts = {p.code: p.active_staff for p in response.context["object_list"]}
    assert counts["billing"] == 2 and counts["management"] == 0


def test_a_manager_counts_position_holders_in_their_scope_only(
    client, manager, tree, positions
):
    EmployeeFactory(unit=tree["GZ-TH"], position=positions["billing"])
    EmployeeFactory(unit=tree["BJ-DC"], position=positions["billing"])
    client.force_login(manager)
    response = client.get(POSITIONS)
    counts = {p.code: p.active_staff for p in response.context["object_list"]}
    assert counts["billing"] == 1


def test_a_position_held_by_staff_cannot_be_deleted(
    client, admin_user, tree, positions
):
    EmployeeFactory(unit=tree["GZ-TH"], position=positions["billing"])
    client.force_login(admin_user)
    url = reverse("lms_positions:delete", args=[positions["billing"].pk])
    assert "cannot be deleted" in text_of(client.get(url))
    assert client.post(url).status_code == 302
    assert positions["billing"].__class__.objects.filter(code="billing").exists()


def test_administrator_gives_a_manager_a_scope(client, admin_user, tree):
    officer = UserFactory(username="bj-officer", roles=[roles.LAUNCH_OFFICER])
    client.force_login(admin_user)
    response = client.post(
        reverse("lms_scopes:add"), {"user": officer.pk, "unit": tree["BJ"].pk}
    )
    assert response.status_code == 302
    assert ManagerScope.objects.filter(user=officer, unit=tree["BJ"]).exists()
    # The same scope twice is refused by the form.
    response = client.post(
        reverse("lms_scopes:add"), {"user": officer.pk, "unit": tree["BJ"].pk}
    )
    assert response.status_code == 200
    assert ManagerScope.objects.filter(user=officer).count() == 1

    listing = text_of(client.get(SCOPES, {"user": officer.pk}))
    assert "bj-officer" in listing and "北京市" in listing


def test_manager_cannot_open_scopes_or_the_user_chooser(client, manager):
    client.force_login(manager)
    assert denied(client.get(SCOPES))
    assert client.get("/admin/lms_user_chooser/").status_code in (302, 403)


# --- Home page ----------------------------------------------------------------


def test_home_page_summarises_the_scope(client, manager, staff):
    client.force_login(manager)
    page = text_of(client.get("/admin/"))
    # 广东省, 广州市, 深圳市, 天河区, 越秀区, 南山区; one active employee in GD.
    assert re.search(r"6\s+units", page)
    assert re.search(r"1\s+active employee", page)
