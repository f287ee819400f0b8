"""Import a ``rollout-policy/1`` document as draft revisions, for review.

Everything is checked before anything is kept: the document's shape, the page
fields' validators, every block's own ``clean()``, the files it refers to, the
sections of other apps (the audience) and the page tree. Then, in one
transaction, the policy is created or updated (matched by code), its modules
(matched by slug) and its quiz, each as a new draft revision; nothing is
published. A refused document changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from wagtail.models import Page, Revision

from cms.models import CatalogPage, ModulePage, PolicyPage, QuizPage
from cms.transfer.checks import ImportPlan, PagePlan, plan_document, plan_streams_clean
from cms.transfer.media import PolicySource, media_create, media_discard
from cms.transfer.problems import TransferError, field_problems
from cms.transfer.sections import Section

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"


@dataclass
class PageOutcome:
    kind: str  # "policy", "module" or "quiz"
    page: Page
    action: str  # CREATED, UPDATED or UNCHANGED
    revision: Revision | None = None


@dataclass
class ImportResult:
    policy: PolicyPage
    pages: list[PageOutcome]
    media_created: list[str] = field(default_factory=list)
    media_found: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    dry_run: bool = False

    @property
    def changed(self) -> bool:
        return any(outcome.action != UNCHANGED for outcome in self.pages)

    def summary_lines(self) -> list[str]:
        actions = {
            CREATED: _("created as a draft"),
            UPDATED: _("updated: new draft revision"),
            UNCHANGED: _("unchanged"),
        }
        kinds = {"policy": _("policy"), "module": _("module"), "quiz": _("quiz")}
        lines = []
        if self.dry_run:
            lines.append(_("Dry run: nothing was changed. The import would give:"))
        for outcome in self.pages:
            page = outcome.page
            indent = "" if outcome.kind == "policy" else "  "
            name = page.code if isinstance(page, PolicyPage) else page.slug
            lines.append(
                f"{indent}{kinds[outcome.kind]} {name} {page.title}: "
                f"{actions[outcome.action]}"
            )
        if self.media_created or self.media_found:
            lines.append(
                _("Files: %(created)d added to the library, %(found)d already here")
                % {"created": len(self.media_created), "found": len(self.media_found)}
            )
        lines += [_("Warning: %(text)s") % {"text": text} for text in self.warnings]
        if self.changed and not self.dry_run:
            lines.append(
                _(
                    "Nothing was published: review the drafts in the admin and "
                    "publish the modules and the quiz, then the policy."
                )
            )
        return lines


# --- Writing ----------------------------------------------------------------------


class _DryRun(Exception):
    """Not an error: rolls the transaction of a dry run back."""

    def __init__(self, result: ImportResult) -> None:
        self.result = result


def _save_revision(page: Page, *, user: Any, path: str, created: bool) -> Revision:
    try:
        return page.save_revision(
            user=user, log_action="wagtail.create" if created else True
        )
    except ValidationError as error:
        raise TransferError(field_problems(error, path)) from error


def _add_child(parent: Page, page: Page) -> None:
    parent.refresh_from_db()  # treebeard needs the parent's current child count
    parent.add_child(instance=page)


def _write_page(plan_page: PagePlan, *, parent: Page, user: Any) -> PageOutcome:
    if plan_page.existing is None:
        model = ModulePage if plan_page.kind == "module" else QuizPage
        page = model(
            **plan_page.fields,
            **{plan_page.stream_name: plan_page.value},
            live=False,
            owner=user,
        )
        _add_child(parent, page)
        revision = _save_revision(page, user=user, path=plan_page.path, created=True)
        return PageOutcome(plan_page.kind, page, CREATED, revision)
    draft = plan_page.existing.get_latest_revision_as_object()
    if plan_page.state(draft) == plan_page.state():
        return PageOutcome(plan_page.kind, plan_page.existing, UNCHANGED)
    for name, value in plan_page.fields.items():
        setattr(draft, name, value)
    setattr(draft, plan_page.stream_name, plan_page.value)
    revision = _save_revision(draft, user=user, path=plan_page.path, created=False)
    return PageOutcome(plan_page.kind, draft, UPDATED, revision)


def _write(plan: ImportPlan, *, user: Any) -> ImportResult:
    outcomes = []
    if plan.existing is None:
        policy = PolicyPage(**plan.fields, live=False, owner=user)
        for _section, load in plan.sections:
            load.apply(policy)
        assert plan.catalogue is not None
        _add_child(plan.catalogue, policy)
        revision = _save_revision(policy, user=user, path="", created=True)
        outcomes.append(PageOutcome("policy", policy, CREATED, revision))
    else:
        policy = plan.existing
        draft = policy.get_latest_revision_as_object()
        if plan.policy_state(draft) == plan.policy_state():
            outcomes.append(PageOutcome("policy", policy, UNCHANGED))
        else:
            for name, value in plan.fields.items():
                setattr(draft, name, value)
            for _section, load in plan.sections:
                load.apply(draft)
            revision = _save_revision(draft, user=user, path="", created=False)
            outcomes.append(PageOutcome("policy", draft, UPDATED, revision))
    for plan_page in [*plan.modules, *([plan.quiz] if plan.quiz else [])]:
        outcomes.append(_write_page(plan_page, parent=policy, user=user))
    return ImportResult(policy=policy, pages=outcomes, warnings=plan.warnings)


def policy_import(
    *,
    source: PolicySource,
    catalogue: CatalogPage | None = None,
    user: Any = None,
    sections: Sequence[Section] = (),
    dry_run: bool = False,
) -> ImportResult:
    """Create or update the policy of ``source`` (and its modules and quiz) as
    draft revisions by ``user``. A new policy goes under ``catalogue`` (default:
    the first catalogue). Raises :class:`TransferError` listing every problem
    of a refused document; then nothing has changed."""
    plan = plan_document(source, catalogue=catalogue, sections=sections)
    created: list[Any] = []
    try:
        with transaction.atomic():
            objects = media_create(plan.media, user=user)
            created = [objects[key] for key in plan.media.to_create]
            plan_streams_clean(plan, objects)
            if plan.problems:
                raise TransferError(plan.problems)
            result = _write(plan, user=user)
            result.media_created = [
                ref.file for ref, _data in plan.media.to_create.values()
            ]
            result.media_found = [file for _kind, file in plan.media.existing]
            if dry_run:
                result.dry_run = True
                raise _DryRun(result)
    except _DryRun as done:
        media_discard(created)
        return done.result
    except BaseException:
        media_discard(created)
        raise
    return result
