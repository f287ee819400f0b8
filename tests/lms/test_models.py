import pytest

from lms.models import Employee, OrgUnit
from lms.selectors import employees_in_subtree, unit_lineage
from tests.factories import EmployeeFactory

pytestmark = pytest.mark.django_db


def test_subtree_is_a_path_prefix(tree):
    guangdong = tree["GD"]
    codes = set(
        OrgUnit.objects.filter(path__startswith=guangdong.path).values_list(
            "code", flat=True
        )
    )
    assert codes == {"GD", "GZ", "SZ", "GZ-TH", "GZ-YX", "SZ-NS"}


def test_names_may_repeat_across_parents(tree):
    other = tree["GD"].add_child(code="GD01", name="市辖区", level="city")
    assert OrgUnit.objects.filter(name="市辖区").count() == 2
    assert other.get_parent().code == "GD"


def test_lineage_runs_from_hq_to_the_unit(tree):
    assert [u.code for u in unit_lineage(unit=tree["GZ-TH"])] == [
        "HQ",
        "GD",
        "GZ",
        "GZ-TH",
    ]


def test_employees_in_subtree_counts_every_level_below(tree, positions):
    EmployeeFactory(unit=tree["GZ-TH"])
    EmployeeFactory(unit=tree["SZ-NS"])
    EmployeeFactory(unit=tree["BJ-DC"])
    assert employees_in_subtree(unit=tree["GD"]).count() == 2
    assert employees_in_subtree(unit=tree["HQ"]).count() == 3
    assert Employee.objects.count() == 3


def test_employee_logs_in_with_employee_number(client, tree, positions):
    employee = EmployeeFactory(unit=tree["GZ-TH"], employee_no="GD0001")
    response = client.post(
        "/accounts/login/", {"username": " GD0001 ", "password": "s3cret-pass"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/my/"
    page = client.get("/my/")
    assert page.status_code == 200
    text = page.content.decode()
    assert employee.name in text
    assert "广东省" in text and "天河区" in text
