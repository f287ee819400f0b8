"""Checking a policy document before anything is written.

:func:`plan_document` runs every check that reads and writes nothing, and
collects the problems with their JSON paths into an :class:`ImportPlan`;
:func:`plan_streams_clean` (inside the import's transaction, once the files
exist) puts this installation's ids in place of the file references and runs
every block's own ``clean()``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from wagtail import blocks
from wagtail.models import Page

from cms.models import CatalogPage, ModulePage, PolicyPage, QuizPage
from cms.transfer.media import MediaPlan, PolicySource, media_plan
from cms.transfer.problems import Problem, TransferError, block_problems, join, under
from cms.transfer.references import ImportVisitor, references_resolve
from cms.transfer.schema import (
    FORMAT,
    MODULE_FIELDS,
    POLICY_FIELDS,
    QUIZ_FIELDS,
    ModuleSchema,
    PolicySchema,
    QuizSchema,
    fields_clean,
    schema_check,
)
from cms.transfer.sections import Section, SectionLoad
from cms.transfer.streams import StreamWalker, stream_state, without_ids


@dataclass
class PagePlan:
    kind: str  # "module" or "quiz"
    path: str  # "modules[1]" or "quiz"
    stream_name: str  # "body" or "questions"
    fields: dict[str, Any]
    raw: Any
    existing: Page | None = None
    value: Any = None  # the cleaned StreamValue

    @property
    def stream_block(self) -> blocks.StreamBlock:
        model = ModulePage if self.kind == "module" else QuizPage
        return model._meta.get_field(self.stream_name).stream_block

    def state(self, page: Page | None = None) -> dict[str, Any]:
        """What this plan (or ``page``) holds, comparable across the two."""
        names = MODULE_FIELDS if self.kind == "module" else QUIZ_FIELDS
        if page is None:
            values = {name: self.fields[name] for name in names}
            stream = self.value
        else:
            values = {name: getattr(page, name) for name in names}
            stream = getattr(page, self.stream_name)
        return without_ids(
            {**values, "stream": stream_state(self.stream_block, stream)}
        )


@dataclass
class ImportPlan:
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    fields: dict[str, Any] = field(default_factory=dict)
    body: Any = None
    modules: list[PagePlan] = field(default_factory=list)
    quiz: PagePlan | None = None
    sections: list[tuple[Section, SectionLoad]] = field(default_factory=list)
    catalogue: CatalogPage | None = None
    existing: PolicyPage | None = None
    media: MediaPlan = field(default_factory=MediaPlan)
    bad_paths: list[str] = field(default_factory=list)

    def policy_state(self, page: PolicyPage | None = None) -> dict[str, Any]:
        if page is None:
            state = dict(self.fields)
            for _section, load in self.sections:
                state.update(load.state)
        else:
            state = {name: getattr(page, name) for name in POLICY_FIELDS}
            for section, _load in self.sections:
                state.update(section.dump(page))
        return without_ids(state)


def catalogue_find(slug: str | None = None) -> CatalogPage:
    """The catalogue of that slug, or else the first one; refused if none."""
    pages = CatalogPage.objects.order_by("path")
    page = pages.filter(slug=slug).first() if slug else pages.first()
    if page is None:
        message = (
            _("there is no catalogue with the slug %(slug)r") % {"slug": slug}
            if slug
            else _("there is no catalogue page: create one under the home page first")
        )
        raise TransferError([Problem("", message)])
    return page


def plan_document(
    source: PolicySource,
    *,
    catalogue: CatalogPage | None,
    sections: Sequence[Section],
) -> ImportPlan:
    """Every check that reads and writes nothing.

    The problems are collected in the order of the document: the policy's own
    fields, its modules, its quiz, the other apps' sections; then the rules
    across the parts, the pages already here, and the files.
    """
    document = _document_check(source.document)
    plan = ImportPlan()
    visitor = ImportVisitor(plan.problems)
    walker = StreamWalker(visitor, plan.problems)
    owned = {key for section in sections for key in section.keys}
    _plan_policy(plan, document, visitor, owned=owned)
    _plan_modules(plan, document, walker)
    _plan_quiz(plan, document, walker)
    _plan_sections(plan, document, sections)
    _check_together(plan)
    _check_tree(plan, catalogue=catalogue)
    _plan_media(plan, visitor, source)
    return plan


def _document_check(document: Any) -> dict[str, Any]:
    """The document itself, refused unless it is a policy document of
    :data:`FORMAT`."""
    if not isinstance(document, dict):
        raise TransferError(
            [Problem("", _("expected a JSON object (a policy document)"))]
        )
    if document.get("format") != FORMAT:
        found = document.get("format")
        raise TransferError(
            [
                Problem(
                    "format",
                    _("expected %(expected)r, found %(found)s")
                    % {
                        "expected": FORMAT,
                        "found": repr(found) if found is not None else _("nothing"),
                    },
                )
            ]
        )
    return document


def _plan_policy(
    plan: ImportPlan,
    document: dict[str, Any],
    visitor: ImportVisitor,
    *,
    owned: set[str],
) -> None:
    """The policy's own fields: the top-level keys no section owns."""
    top = {
        key: value
        for key, value in document.items()
        if key not in owned and key not in ("modules", "quiz")
    }
    part = schema_check(PolicySchema, top, "", plan.problems)
    if part is None:
        return
    plan.fields = fields_clean(
        model=PolicyPage,
        part=part,
        names=POLICY_FIELDS,
        path="",
        problems=plan.problems,
        defaults={"slug": part.code.lower()},
    )
    plan.body = visitor.rich_text(
        part.body,
        PolicyPage._meta.get_field("body").features,
        "body",
    )


def _plan_modules(
    plan: ImportPlan, document: dict[str, Any], walker: StreamWalker
) -> None:
    """``modules``: a non-empty list, each module checked on its own."""
    problems = plan.problems
    modules = document.get("modules")
    if "modules" not in document:
        problems.append(Problem("modules", _("Field required")))
        return
    if not isinstance(modules, list):
        problems.append(Problem("modules", _("expected a list of modules")))
        return
    if not modules:
        problems.append(Problem("modules", _("a policy needs at least one module")))
        return
    for index, data in enumerate(modules):
        path = join("modules", index)
        module = schema_check(ModuleSchema, data, path, problems)
        if module is None:
            continue
        plan.modules.append(
            PagePlan(
                kind="module",
                path=path,
                stream_name="body",
                fields=fields_clean(
                    model=ModulePage,
                    part=module,
                    names=MODULE_FIELDS,
                    path=path,
                    problems=problems,
                    defaults={"slug": f"module-{index + 1}"},
                ),
                raw=walker.stream(
                    ModulePage._meta.get_field("body").stream_block,
                    module.body,
                    join(path, "body"),
                ),
            )
        )


def _plan_quiz(
    plan: ImportPlan, document: dict[str, Any], walker: StreamWalker
) -> None:
    """``quiz``: required, with its question pool."""
    if "quiz" not in document:
        plan.problems.append(Problem("quiz", _("Field required")))
        return
    quiz = schema_check(QuizSchema, document["quiz"], "quiz", plan.problems)
    if quiz is None:
        return
    plan.quiz = PagePlan(
        kind="quiz",
        path="quiz",
        stream_name="questions",
        fields=fields_clean(
            model=QuizPage,
            part=quiz,
            names=QUIZ_FIELDS,
            path="quiz",
            problems=plan.problems,
            defaults={"slug": "quiz"},
        ),
        raw=walker.stream(
            QuizPage._meta.get_field("questions").stream_block,
            quiz.questions,
            "quiz.questions",
        ),
    )


def _plan_sections(
    plan: ImportPlan, document: dict[str, Any], sections: Sequence[Section]
) -> None:
    """Other apps' sections, each given the keys it owns that are present."""
    for section in sections:
        load = section.load(
            {key: document[key] for key in section.keys if key in document}
        )
        plan.problems += load.problems
        plan.sections.append((section, load))


def _plan_media(plan: ImportPlan, visitor: ImportVisitor, source: PolicySource) -> None:
    """The files the document refers to: found here, to create, or missing
    (their paths are ``bad_paths``, whose block errors are not repeated)."""
    plan.media = media_plan(visitor.refs, source, plan.problems)
    plan.bad_paths = visitor.bad_paths + [
        ref.path
        for ref in visitor.refs
        if (ref.kind, ref.file) not in plan.media.existing
        and (ref.kind, ref.file) not in plan.media.to_create
    ]


def _check_together(plan: ImportPlan) -> None:
    """Rules across the parts of the document."""
    seen: dict[str, str] = {}
    for module in plan.modules:
        slug = module.fields.get("slug")
        if slug in seen:
            plan.problems.append(
                Problem(
                    join(module.path, "slug"),
                    _("%(slug)r is also the slug of %(other)s")
                    % {"slug": slug, "other": seen[slug]},
                )
            )
        elif slug:
            seen[slug] = module.path
    if plan.quiz is not None:
        slug = plan.quiz.fields.get("slug")
        if slug in seen:
            plan.problems.append(
                Problem(
                    "quiz.slug",
                    _("%(slug)r is also the slug of %(other)s")
                    % {"slug": slug, "other": seen[slug]},
                )
            )
        draw = plan.fields.get("questions_per_attempt")
        pool = plan.quiz.raw
        if draw and isinstance(pool, list) and len(pool) < draw:
            plan.problems.append(
                Problem(
                    "quiz.questions",
                    _(
                        "the policy draws %(draw)d questions per attempt but the "
                        "pool has only %(pool)d"
                    )
                    % {"draw": draw, "pool": len(pool)},
                )
            )


def _describe(page: Page) -> str:
    model = page.specific_class or Page
    return f'{model._meta.verbose_name} "{page.title}"'


def _check_tree(plan: ImportPlan, *, catalogue: CatalogPage | None) -> None:
    """Where the pages go, and which existing pages they update."""
    code = plan.fields.get("code")
    if not code:
        return
    plan.existing = PolicyPage.objects.filter(code=code).first()
    if plan.existing is None:
        _check_new_policy(plan, catalogue=catalogue)
    else:
        _check_policy_update(plan, catalogue=catalogue)
        _check_children(plan)


def _check_new_policy(plan: ImportPlan, *, catalogue: CatalogPage | None) -> None:
    """A new policy goes under ``catalogue`` (else the first one), with a slug
    no page there has."""
    slug = plan.fields.get("slug")
    if catalogue is None:
        try:
            catalogue = catalogue_find()
        except TransferError as error:
            plan.problems += error.problems
            return
    plan.catalogue = catalogue
    clash = catalogue.get_children().filter(slug=slug).first() if slug else None
    if clash is not None:
        plan.problems.append(
            Problem(
                "slug",
                _(
                    "%(slug)r is already the slug of %(page)s under the "
                    "catalogue: choose another slug"
                )
                % {"slug": slug, "page": _describe(clash)},
            )
        )


def _check_policy_update(plan: ImportPlan, *, catalogue: CatalogPage | None) -> None:
    """An existing policy is updated where it is, and keeps a slug of its own."""
    existing = plan.existing
    code, slug = plan.fields.get("code"), plan.fields.get("slug")
    parent = existing.get_parent()
    plan.catalogue = parent.specific
    if catalogue is not None and parent.pk != catalogue.pk:
        plan.warnings.append(
            _("%(code)s is under %(parent)s, not %(catalogue)s: it is updated there")
            % {"code": code, "parent": parent.title, "catalogue": catalogue.title}
        )
    if slug and slug != existing.slug:
        clash = parent.get_children().filter(slug=slug).exclude(pk=existing.pk).first()
        if clash is not None:
            plan.problems.append(
                Problem(
                    "slug",
                    _("%(slug)r is already the slug of %(page)s under the catalogue")
                    % {"slug": slug, "page": _describe(clash)},
                )
            )


def _check_children(plan: ImportPlan) -> None:
    """Which of the existing policy's pages each module and the quiz update
    (by slug; the quiz is the policy's quiz), and what stays as it is."""
    children = list(plan.existing.get_children().specific())
    by_slug = {child.slug: child for child in children}
    for module in plan.modules:
        found = by_slug.get(module.fields.get("slug"))
        if isinstance(found, ModulePage):
            module.existing = found
        elif found is not None:
            plan.problems.append(
                Problem(
                    join(module.path, "slug"),
                    _("%(slug)r is the slug of %(page)s of this policy")
                    % {"slug": found.slug, "page": _describe(found)},
                )
            )
    if plan.quiz is not None:
        plan.quiz.existing = next(
            (child for child in children if isinstance(child, QuizPage)), None
        )
        found = by_slug.get(plan.quiz.fields.get("slug"))
        if found is not None and not isinstance(found, QuizPage):
            plan.problems.append(
                Problem(
                    "quiz.slug",
                    _("%(slug)r is the slug of %(page)s of this policy")
                    % {"slug": found.slug, "page": _describe(found)},
                )
            )
    listed = {module.fields.get("slug") for module in plan.modules}
    for child in children:
        if isinstance(child, ModulePage) and child.slug not in listed:
            plan.warnings.append(
                _(
                    'module "%(title)s" (%(slug)s) is not in the document: it is '
                    "left as it is"
                )
                % {"title": child.title, "slug": child.slug}
            )
    here = [c.slug for c in children if isinstance(c, ModulePage) and c.slug in listed]
    there = [m.fields.get("slug") for m in plan.modules if m.existing is not None]
    if here != there:
        plan.warnings.append(
            _(
                "the modules are in another order here (%(order)s): reorder "
                "them in the admin"
            )
            % {"order": ", ".join(here)}
        )


def plan_streams_clean(plan: ImportPlan, objects: dict[tuple[str, str], Any]) -> None:
    if plan.body is not None:
        plan.fields["body"] = references_resolve(
            plan.body, objects, problems=plan.problems, bad_paths=plan.bad_paths
        )
    for page in [*plan.modules, *([plan.quiz] if plan.quiz else [])]:
        path = join(page.path, page.stream_name)
        structural = [
            problem
            for problem in plan.problems
            if under(problem.path, [path]) and not under(problem.path, plan.bad_paths)
        ]
        raw = references_resolve(
            page.raw, objects, problems=plan.problems, bad_paths=plan.bad_paths
        )
        if structural or not isinstance(raw, list):
            # Blocks were skipped: the indexes of their errors would be wrong.
            continue
        block = page.stream_block
        try:
            value = block.to_python(raw)
            page.value = block.clean(value)
        except ValidationError as error:
            plan.problems += [
                problem
                for problem in block_problems(error, path)
                if not under(problem.path, plan.bad_paths)
            ]
        except (TypeError, ValueError, KeyError, AttributeError) as error:
            plan.problems.append(
                Problem(
                    path, _("the blocks cannot be read: %(error)s") % {"error": error}
                )
            )
