import pytest
from django.contrib.auth.models import Group

from lms import roles
from tests.factories import EmployeeFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_every_role_is_a_group_after_migrate():
    names = set(Group.objects.values_list("name", flat=True))
    assert set(roles.ROLE_PERMISSIONS) <= names


@pytest.mark.parametrize(
    ("role", "allowed", "refused"),
    [
        (roles.EMPLOYEE, [], ["wagtailadmin.access_admin", "lms.view_employee"]),
        (
            roles.TRAINER,
            ["wagtailadmin.access_admin", "wagtailimages.add_image"],
            ["lms.view_employee", "lms.run_import"],
        ),
        (
            roles.MANAGER,
            ["wagtailadmin.access_admin", "lms.view_employee"],
            ["lms.change_employee", "lms.run_import"],
        ),
        (
            roles.LAUNCH_OFFICER,
            ["wagtailadmin.access_admin", "lms.view_orgunit"],
            ["lms.change_orgunit"],
        ),
        (
            roles.ADMINISTRATOR,
            ["lms.run_import", "lms.change_employee", "lms.add_user"],
            [],
        ),
    ],
)
def test_role_permissions(role, allowed, refused):
    user = UserFactory(roles=[role])
    for permission in allowed:
        assert user.has_perm(permission), permission
    for permission in refused:
        assert not user.has_perm(permission), permission


def test_roles_sync_repairs_a_changed_group():
    group = Group.objects.get(name=roles.MANAGER)
    group.permissions.clear()
    roles.roles_sync()
    assert group.permissions.filter(codename="view_employee").exists()


def test_an_employee_cannot_open_the_admin(client, tree, positions):
    EmployeeFactory(unit=tree["GZ-TH"], employee_no="GD0002")
    client.post("/accounts/login/", {"username": "GD0002", "password": "s3cret-pass"})
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_an_administrator_opens_the_admin(client):
    UserFactory(username="hr.admin", roles=[roles.ADMINISTRATOR])
    client.post("/accounts/login/", {"username": "hr.admin", "password": "s3cret-pass"})
    assert client.get("/admin/").status_code == 200


def test_the_role_groups_are_named_in_the_readers_language(client):
    """Stored as their English msgids, shown in the reader's language; saved
    under a translation, stored as the msgid again; a new group named like a
    role's translation keeps its name instead of failing on a unique name."""
    from django.utils import translation

    with translation.override("zh-hans"):
        group = Group.objects.get(name=roles.EMPLOYEE)
        assert group.name == "员工"
        group.save()
        newcomer = Group.objects.create(name="管理者")  # a custom group
    assert Group.objects.filter(pk=group.pk, name="Employees").exists()
    assert Group.objects.get(pk=newcomer.pk).name == "管理者"
    assert Group.objects.filter(name=roles.MANAGER).count() == 1
    assert Group.objects.get(pk=group.pk).name == "Employees"  # in English

    UserFactory(username="hr.admin", roles=[roles.ADMINISTRATOR])
    client.login(username="hr.admin", password="s3cret-pass")
    page = client.get("/admin/groups/", HTTP_ACCEPT_LANGUAGE="zh-hans").content
    assert "上线负责人" in page.decode() and "Launch officers" not in page.decode()
