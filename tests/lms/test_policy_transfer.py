"""``export_policy`` and ``import_policy``: a policy with its audience (positions
and units by code) and per-position thresholds, between installations."""

from __future__ import annotations

import json
import zipfile
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from wagtail.models import Page, Revision

from cms.models import PolicyPage
from lms.models import AudiencePosition, AudienceUnit, PositionThreshold
from tests.factories import UserFactory, catalogue, course

pytestmark = pytest.mark.django_db


@pytest.fixture
def cat(db):
    return catalogue()


@pytest.fixture
def policy(cat, tree, positions) -> PolicyPage:
    """A live policy for counters and managers of 广东省, managers at 100 %."""
    page = course(cat, code="SVC-2026-05", publish=False, questions=3, draw=2)
    AudiencePosition.objects.create(
        policy=page, position=positions["counter"], sort_order=0
    )
    AudiencePosition.objects.create(
        policy=page, position=positions["management"], sort_order=1
    )
    AudienceUnit.objects.create(policy=page, unit=tree["GD"])
    PositionThreshold.objects.create(
        policy=page, position=positions["management"], threshold=100
    )
    for child in page.get_children().specific():
        child.save_revision().publish()
    page = PolicyPage.objects.get(pk=page.pk)
    page.save_revision().publish()
    page.refresh_from_db()
    return page


def export(*args: str) -> str:
    out, err = StringIO(), StringIO()
    call_command("export_policy", *args, stdout=out, stderr=err)
    return out.getvalue()


def import_(*args: Any) -> str:
    out = StringIO()
    call_command("import_policy", *map(str, args), stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {
        "pages": Page.objects.count(),
        "revisions": Revision.objects.count(),
        "audience": AudiencePosition.objects.count() + AudienceUnit.objects.count(),
    }


def audience_of(page: PolicyPage) -> dict[str, Any]:
    return {
        "positions": [row.position.code for row in page.audience_positions.all()],
        "units": [row.unit.code for row in page.audience_units.all()],
        "thresholds": [
            (row.position.code, row.threshold) for row in page.position_thresholds.all()
        ],
    }


def test_export_prints_the_document_with_the_audience_by_codes(policy):
    document = json.loads(export("SVC-2026-05"))
    assert document["format"] == "rollout-policy/1"
    assert document["code"] == "SVC-2026-05"
    assert document["audience"] == {
        "positions": ["counter", "management"],
        "units": ["GD"],
    }
    assert document["position_thresholds"] == [
        {"position": "management", "threshold": 100}
    ]
    assert [module["slug"] for module in document["modules"]] == ["module-1"]
    assert len(document["quiz"]["questions"]) == 3


def test_export_writes_a_json_file_or_a_zip(policy, tmp_path):
    path = tmp_path / "policy.json"
    assert export("SVC-2026-05", "-o", str(path)) == ""
    assert json.loads(path.read_text(encoding="utf-8"))["code"] == "SVC-2026-05"
    archive = tmp_path / "policy.zip"
    export("SVC-2026-05", "-o", str(archive), "--with-media")
    with zipfile.ZipFile(archive) as opened:
        assert opened.namelist() == ["policy.json"]


def test_export_refuses_an_unknown_code_and_a_zip_on_stdout(policy):
    with pytest.raises(CommandError, match="there is no policy with the code 'SVC-9'"):
        export("SVC-9")
    with pytest.raises(CommandError, match="--with-media writes a ZIP file"):
        export("SVC-2026-05", "--with-media")


def test_round_trip_keeps_audience_and_thresholds(policy, tmp_path):
    path = tmp_path / "policy.json"
    export("SVC-2026-05", "-o", str(path))
    Page.objects.get(pk=policy.pk).delete()
    trainer = UserFactory(username="trainer")

    output = import_(path, "--user", "trainer")

    page = PolicyPage.objects.get(code="SVC-2026-05")
    assert not page.live
    assert audience_of(page) == {
        "positions": ["counter", "management"],
        "units": ["GD"],
        "thresholds": [("management", 100)],
    }
    revision = page.get_latest_revision()
    assert revision.user == trainer
    assert revision.content["audience_positions"][0]["position"] is not None
    assert "policy SVC-2026-05 Measure SVC-2026-05: created as a draft" in output
    assert "Import finished." in output


def test_import_changes_the_audience_of_a_live_policy_in_its_draft_only(
    policy, tmp_path
):
    document = json.loads(export("SVC-2026-05"))
    document["audience"] = {"positions": ["billing", "counter"], "units": []}
    document["position_thresholds"] = []
    path = tmp_path / "changed.json"
    path.write_text(json.dumps(document), encoding="utf-8")

    output = import_(path)

    assert (
        "policy SVC-2026-05 Measure SVC-2026-05: updated: new draft revision" in output
    )
    assert "module module-1 Module 1: unchanged" in output
    live = PolicyPage.objects.get(code="SVC-2026-05")
    assert audience_of(live)["positions"] == ["counter", "management"]
    draft = live.get_latest_revision_as_object()
    assert audience_of(draft) == {
        "positions": ["billing", "counter"],
        "units": [],
        "thresholds": [],
    }
    live.get_latest_revision().publish()
    assert audience_of(PolicyPage.objects.get(pk=live.pk)) == {
        "positions": ["billing", "counter"],
        "units": [],
        "thresholds": [],
    }
    before = counts()
    assert "updated" not in import_(path)  # the same document again: nothing new
    assert counts() == before


def write(tmp_path: Path, document: dict[str, Any]) -> Path:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


def refused(path: Path) -> str:
    before = counts()
    with pytest.raises(CommandError) as error:
        import_(path)
    assert error.value.returncode == 1
    assert counts() == before
    return str(error.value)


def test_unknown_positions_and_units_are_each_listed(policy, tmp_path):
    document = json.loads(export("SVC-2026-05"))
    document["audience"] = {
        "positions": ["counter", "cashier", "janitor", "counter"],
        "units": ["GD", "XX"],
    }
    document["position_thresholds"] = [
        {"position": "boss", "threshold": 100},
        {"position": "counter", "threshold": 120},
    ]
    message = refused(write(tmp_path, document))
    assert "The document was refused (6 problems); nothing was changed:" in message
    for line in (
        "audience.positions[1]: unknown position code 'cashier'",
        "audience.positions[2]: unknown position code 'janitor'",
        "audience.positions[3]: 'counter' is listed twice",
        "audience.units[1]: unknown unit code 'XX'",
        "position_thresholds[0].position: unknown position code 'boss'",
        "position_thresholds[1].threshold: Ensure this value is less than or equal "
        "to 100.",
    ):
        assert f"  {line}" in message


def test_the_audience_must_be_given(policy, tmp_path):
    document = json.loads(export("SVC-2026-05"))
    del document["audience"]
    assert "audience: Field required" in refused(write(tmp_path, document))


@pytest.mark.parametrize(
    ("thresholds", "problem"),
    [
        ({"management": 100}, "position_thresholds: expected a list"),
        (
            [
                {"position": "management", "threshold": 100},
                {"position": "management", "threshold": 90},
            ],
            "position_thresholds[1].position: 'management' is listed twice",
        ),
    ],
)
def test_thresholds_are_a_list_with_each_position_once(
    policy, tmp_path, thresholds, problem
):
    document = json.loads(export("SVC-2026-05"))
    document["position_thresholds"] = thresholds
    assert f"  {problem}" in refused(write(tmp_path, document))


def test_problems_of_pages_and_audience_come_together(cat, positions, tmp_path):
    document = {
        "format": "rollout-policy/1",
        "code": "SVC-2026-06",
        "title": "一站服务",
        "summary": "一点受理、一站服务。",
        "audience": {"positions": ["key_account", "sales"], "units": []},
        "modules": [{"title": "模块", "body": [{"type": "text", "value": ""}]}],
        "quiz": {
            "title": "测验",
            "questions": [
                {
                    "type": "single",
                    "value": {"text": "?", "options": [{"text": "A", "correct": True}]},
                }
            ]
            * 10,
        },
    }
    message = refused(write(tmp_path, document))
    assert "modules[0].body[0].value: This field is required." in message
    assert (
        "quiz.questions[9].value.options: The minimum number of items is 2" in message
    )
    assert "audience.positions[1]: unknown position code 'sales'" in message


def test_not_json_and_missing_files_are_refused(cat, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text("not json", encoding="utf-8")
    assert "not JSON: Expecting value (line 1, column 1)" in refused(path)
    assert "cannot read" in refused(tmp_path / "missing.json")


def test_import_into_a_catalogue_by_slug_and_unknown_user(policy, tmp_path):
    document = json.loads(export("SVC-2026-05"))
    document.update(code="SVC-2026-07", slug="svc-2026-07")
    path = write(tmp_path, document)
    other = catalogue("地方措施")
    with pytest.raises(CommandError, match="There is no user 'nobody'"):
        import_(path, "--user", "nobody")
    with pytest.raises(CommandError, match="no catalogue with the slug 'nope'"):
        import_(path, "--catalogue", "nope")
    output = import_(path, "--catalogue", other.slug, "--dry-run")
    assert output.startswith("Dry run: nothing was changed.")
    assert not PolicyPage.objects.filter(code="SVC-2026-07").exists()
    import_(path, "--catalogue", other.slug)
    assert PolicyPage.objects.get(code="SVC-2026-07").get_parent().pk == other.pk
