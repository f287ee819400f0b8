"""Delta renewal: after a material change of one module, holders of an
earlier certificate read only that module before the quiz; other products
make everyone redo the whole course."""

from __future__ import annotations

import pytest
from django.test import Client

from cms.models import ModulePage, PolicyPage, PolicyVersion
from lms.selectors import TrainingState, standing_for
from lms.services.attempts import AttemptRefused, attempt_start
from lms.services.progress import module_complete
from tests.lms.test_attempts import build_course, enrol, pool
from tests.lms.test_certificates import pass_quiz
from tests.lms.test_training import add_module

pytestmark = pytest.mark.django_db


def publish_material(page, *, earlier="renew"):
    """Publish a revision of ``page`` (a module or the policy) marked as a
    material change requiring renewal."""
    page = type(page).objects.get(pk=page.pk)
    page.material_change = True
    page.earlier_certificates = earlier
    page.save_revision().publish()
    return PolicyPage.objects.get(
        pk=page.pk if isinstance(page, PolicyPage) else page.get_parent().pk
    )


@pytest.fixture
def course(tree, positions):
    policy = build_course(questions=pool(2))
    add_module(policy, "Module 2")
    return PolicyPage.objects.get(pk=policy.pk)


def test_a_module_changed_materially_is_the_only_one_to_read_again(course):
    employee = enrol(course)
    pass_quiz(employee, course)
    changed = ModulePage.objects.child_of(course).get(title="Module 2")
    policy = publish_material(changed)
    version = PolicyVersion.objects.get(policy=policy, number=policy.version)
    assert version.changed_modules == [changed.pk]

    standing = standing_for(employee=employee, policy=policy)
    assert standing.state == TrainingState.TO_RENEW and standing.delta
    assert [m.title for m in standing.required_modules] == ["Module 2"]
    assert (standing.modules_done, standing.modules_total) == (0, 1)
    with pytest.raises(AttemptRefused, match="0 of 1 done"):
        attempt_start(employee=employee, policy=policy)

    module_complete(employee=employee, module=changed)
    assert attempt_start(employee=employee, policy=policy).version == policy.version


def test_the_renewal_notice_says_what_changed(course):
    employee = enrol(course)
    pass_quiz(employee, course)
    policy = publish_material(ModulePage.objects.child_of(course).get(title="Module 2"))
    client = Client()
    client.force_login(employee.user)
    html = client.get("/my/").content.decode()
    assert "What changed since your certificate" in html and "Module 2" in html
    page = client.get(policy.url).content.decode()
    assert "unchanged: no need to read it again" in page


def test_a_change_of_the_policy_alone_asks_for_the_quiz_only(course):
    employee = enrol(course)
    pass_quiz(employee, course)
    policy = publish_material(course)
    standing = standing_for(employee=employee, policy=policy)
    assert standing.delta and standing.required_modules == ()
    assert standing.quiz_open
    assert attempt_start(employee=employee, policy=policy).version == 2


def test_newcomers_read_every_module(course):
    holder = enrol(course)
    pass_quiz(holder, course)
    policy = publish_material(ModulePage.objects.child_of(course).get(title="Module 2"))
    newcomer = enrol(policy, modules_done=False)
    standing = standing_for(employee=newcomer, policy=policy)
    assert not standing.delta and standing.modules_total == 2
