"""The demo measures: three courses from the source document, in Chinese.

Each is a ``rollout-policy/1`` document in ``lms/data/policies/`` (the format of
``export_policy``, docs/policy-format.md), loaded through the same import as
``import_policy`` and then published: modules and quiz first, then the policy,
as an approver would. The import leaves an unchanged page alone, and only
pages with something unpublished are published, so a second ``seed_demo``
creates no page, revision or version.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wagtail.models import Page, Site

from cms.models import CatalogPage, HomePage
from cms.transfer import CREATED, UNCHANGED, ImportResult, TransferError
from lms.demo import constants as c
from lms.models import Position
from lms.services.policy_transfer import policy_import_file

POLICIES_DIR = Path(__file__).resolve().parent.parent / "data" / "policies"
CATALOGUE_TITLE = "服务措施"
CATALOGUE_SLUG = "measures"
CATALOGUE_INTRO = (
    "<p>总部出台的每一项服务措施，都先对相关岗位的全体员工进行培训；培训好后，"
    "再向社会推出。</p>"
)


class DemoPoliciesError(Exception):
    """A demo policy document was refused (the message lists its problems)."""


@dataclass
class PoliciesSeedResult:
    results: list[ImportResult] = field(default_factory=list)
    published: int = 0  # pages published by this run
    catalogue_created: bool = False

    def count(self, action: str) -> int:
        return sum(
            1
            for result in self.results
            for outcome in result.pages
            if outcome.kind == "policy" and outcome.action == action
        )

    def summary(self) -> str:
        return (
            f"Policies: {len(self.results)} ({self.count(CREATED)} created, "
            f"{len(self.results) - self.count(CREATED) - self.count(UNCHANGED)} "
            f"updated, {self.count(UNCHANGED)} unchanged; "
            f"{self.published} pages published)"
        )


def demo_policies_seed(
    *, trainer: Any = None, approver: Any = None
) -> PoliciesSeedResult:
    """Import every demo document (as ``trainer``) and publish what changed
    (as ``approver``)."""
    for code, name in c.POSITIONS.items():
        Position.objects.get_or_create(code=code, defaults={"name": name})
    catalogue, created = demo_catalogue_ensure(user=approver)
    seeded = PoliciesSeedResult(catalogue_created=created)
    for path in sorted(POLICIES_DIR.glob("*.json")):
        try:
            result = policy_import_file(path=path, catalogue=catalogue, user=trainer)
        except TransferError as error:
            raise DemoPoliciesError(
                f"The demo policy {path.name} was refused.\n{error.message()}"
            ) from error
        seeded.results.append(result)
        seeded.published += publish_imported(result, user=approver)
    return seeded


def demo_catalogue_ensure(*, user: Any = None) -> tuple[CatalogPage, bool]:
    """The live catalogue 服务措施 under the site's home page."""
    site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
    home = site.root_page.specific if site else HomePage.objects.first()
    if not isinstance(home, HomePage):
        raise DemoPoliciesError("The site has no home page: run `manage.py migrate`.")
    catalogue = (
        CatalogPage.objects.child_of(home).filter(slug=CATALOGUE_SLUG).first()
        or CatalogPage.objects.child_of(home).filter(title=CATALOGUE_TITLE).first()
    )
    created = catalogue is None
    if created:
        catalogue = CatalogPage(
            title=CATALOGUE_TITLE,
            slug=CATALOGUE_SLUG,
            intro=CATALOGUE_INTRO,
            live=False,
            owner=user,
        )
        home.add_child(instance=catalogue)
        catalogue.save_revision(user=user).publish(user=user)
    elif not catalogue.live:
        catalogue.get_latest_revision().publish(user=user)
    return catalogue, created


def publish_imported(result: ImportResult, *, user: Any = None) -> int:
    """Publish the pages with something unpublished: children first, so that
    the policy's publication finds its live modules and quiz."""
    ordered = [o for o in result.pages if o.kind != "policy"] + [
        o for o in result.pages if o.kind == "policy"
    ]
    published = 0
    for outcome in ordered:
        page = Page.objects.get(pk=outcome.page.pk).specific
        if page.live and not page.has_unpublished_changes:
            continue
        page.get_latest_revision().publish(user=user, skip_permission_checks=True)
        published += 1
    return published
