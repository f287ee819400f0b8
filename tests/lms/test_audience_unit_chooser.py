"""The chooser widgets (``lms.admin.widgets``): a policy's audience units are
chosen with the unit chooser (a search over the whole tree), declared on
``AudienceUnit`` itself rather than patched in at start-up, and each widget
opens the modal its viewset registers."""

from __future__ import annotations

import pytest
from django.urls import reverse
from wagtail.admin.admin_url_finder import AdminURLFinder

from cms.models import PolicyPage
from lms.admin.choosers import org_unit_chooser_viewset, user_chooser_viewset
from lms.admin.widgets import (
    AudienceUnitChooserWidget,
    OrgUnitChooserWidget,
    UserChooserWidget,
)
from lms.models import AudienceUnit
from tests.factories import UserFactory, catalogue, course

pytestmark = pytest.mark.django_db


@pytest.fixture
def policy(tree) -> PolicyPage:
    page = course(catalogue(), code="SVC-2026-05")
    AudienceUnit.objects.create(policy=page, unit=tree["BJ-DC"], sort_order=0)
    return PolicyPage.objects.get(pk=page.pk)


@pytest.fixture
def boss():
    return UserFactory(username="boss", is_superuser=True, is_staff=True)


def test_the_policy_form_chooses_audience_units_with_the_unit_chooser(policy, boss):
    form_class = PolicyPage.get_edit_handler().get_form_class()
    form = form_class(instance=policy, for_user=boss)

    units = form.formsets["audience_units"]
    for unit_form in (units.forms[0], units.empty_form):
        widget = unit_form.fields["unit"].widget
        assert isinstance(widget, AudienceUnitChooserWidget)
        assert widget.get_chooser_modal_url() == "/admin/org_unit_chooser/"
        assert not widget.show_edit_link


def test_the_policy_editor_shows_the_chosen_unit_without_a_link_to_edit_it(
    client, policy, boss, tree
):
    client.force_login(boss)

    response = client.get(f"/admin/pages/{policy.pk}/edit/")

    assert response.status_code == 200
    html = response.content.decode()
    start = html.index('id="id_audience_units-0-unit-chooser"')
    chooser = html[start : html.index('name="audience_units-0-unit"', start)]
    assert 'data-chooser-url="/admin/org_unit_chooser/"' in chooser
    assert "东城区 (BJ-DC)" in chooser
    assert "Choose another unit" in chooser
    # A superuser may edit units elsewhere, but not from a policy's audience.
    edit_url = AdminURLFinder(boss).get_edit_url(tree["BJ-DC"])
    assert edit_url
    assert "data-chooser-edit-link" not in chooser
    assert edit_url not in chooser


@pytest.mark.parametrize(
    ("viewset", "widget"),
    [
        (org_unit_chooser_viewset, OrgUnitChooserWidget),
        (user_chooser_viewset, UserChooserWidget),
    ],
)
def test_each_widget_opens_its_registered_chooser(client, boss, viewset, widget):
    client.force_login(boss)

    assert viewset.widget_class is widget
    modal = client.get(reverse(widget.chooser_modal_url_name))

    assert modal.status_code == 200
    assert str(widget.choose_one_text) in modal.json()["html"]


def test_the_user_chooser_shows_name_and_login_without_an_edit_link():
    user = UserFactory(username="e1001", first_name="Fang", last_name="Li")

    widget = UserChooserWidget()

    assert widget.get_value_data(user.pk)["title"] == f"{user.get_full_name()} (e1001)"
    assert not widget.show_edit_link
