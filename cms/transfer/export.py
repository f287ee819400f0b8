"""Export a policy with its modules and quiz as a ``rollout-policy/1`` document."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO, Any

from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import Page

from cms.models import ModulePage, PolicyPage, QuizPage
from cms.transfer.media import (
    ExportMedia,
    MediaFile,
    archive_write,
    document_dumps,
    media_model,
)
from cms.transfer.problems import Problem, TransferError, join
from cms.transfer.schema import FORMAT, MODULE_FIELDS, POLICY_FIELDS, QUIZ_FIELDS
from cms.transfer.sections import Section
from cms.transfer.streams import (
    DOCUMENT,
    IMAGE,
    StreamWalker,
    Visitor,
    rich_text_rewrite,
    tag,
)


@dataclass
class PolicyExport:
    document: dict[str, Any]
    media: list[MediaFile]

    def json(self) -> str:
        return document_dumps(self.document)

    def write_zip(self, stream: IO[bytes]) -> None:
        archive_write(stream, document=self.document, media=self.media)

    @property
    def question_count(self) -> int:
        return len(self.document["quiz"]["questions"])


class _ExportVisitor(Visitor):
    """Ids of images and documents become file references; links to pages in
    rich text become plain links to their address."""

    def __init__(self, problems: list[Problem]) -> None:
        self.media = ExportMedia()
        self.problems = problems

    def _reference(self, kind: str, pk: Any, path: str) -> dict[str, Any] | None:
        obj = media_model(kind).objects.filter(pk=pk).first()
        if obj is None:
            self.problems.append(
                Problem(
                    path,
                    _("%(kind)s %(id)s no longer exists")
                    % {
                        "kind": _("image") if kind == IMAGE else _("document"),
                        "id": pk,
                    },
                )
            )
            return None
        try:
            return self.media.reference(kind, obj)
        except OSError:
            self.problems.append(
                Problem(
                    path,
                    _("the file of %(title)s is missing from the storage")
                    % {"title": obj.title},
                )
            )
            return None

    def chooser(self, kind: str, value: Any, path: str) -> Any:
        if value is None or value == "":
            return None
        return self._reference(kind, value, path)

    def rich_text(self, html: str, features: list[str] | None, path: str) -> str:
        def embed(attrs: dict[str, str]) -> str | None:
            reference = self._reference(IMAGE, attrs.get("id"), path)
            if reference is None:
                return ""
            return tag(
                "embed",
                {
                    "embedtype": IMAGE,
                    "format": attrs.get("format"),
                    "alt": attrs.get("alt"),
                    "file": reference["file"],
                    "title": reference["title"],
                    "sha1": reference["sha1"],
                },
                close=True,
            )

        def link(attrs: dict[str, str]) -> str | None:
            if attrs.get("linktype") == DOCUMENT:
                reference = self._reference(DOCUMENT, attrs.get("id"), path)
                if reference is None:
                    return "<a>"
                return tag("a", {"linktype": DOCUMENT, **reference})
            page = Page.objects.filter(pk=attrs.get("id")).first()
            url = page.specific.get_url() if page is not None else None
            return tag("a", {"href": url})

        return rich_text_rewrite(html, embed=embed, link=link)


def policy_export(
    *, policy: PolicyPage, latest: bool = False, sections: Sequence[Section] = ()
) -> PolicyExport:
    """The live policy (``latest``: its latest revision, and its children's)
    as a document, with the images and documents it refers to."""
    if latest:
        page = policy.get_latest_revision_as_object()
        children = [
            child.get_latest_revision_as_object()
            for child in policy.get_children().specific()
        ]
    else:
        if not policy.live:
            raise TransferError(
                [
                    Problem(
                        "",
                        _("%(code)s is not live: export its latest draft with --latest")
                        % {"code": policy.code},
                    )
                ],
                export=True,
            )
        page = policy
        children = list(policy.get_children().live().specific())
    modules = [child for child in children if isinstance(child, ModulePage)]
    quiz = next((child for child in children if isinstance(child, QuizPage)), None)
    problems: list[Problem] = []
    if not modules:
        problems.append(Problem("modules", _("the policy has no module to export")))
    if quiz is None:
        problems.append(Problem("quiz", _("the policy has no quiz to export")))
    if problems:
        raise TransferError(problems, export=True)

    visitor = _ExportVisitor(problems)
    walker = StreamWalker(visitor, problems)
    document: dict[str, Any] = {
        "format": FORMAT,
        "exported_at": timezone.now().isoformat(timespec="seconds"),
    }
    for name in POLICY_FIELDS:
        document[name] = _json(getattr(page, name))
    document["body"] = visitor.rich_text(page.body, None, "body")
    document["version"] = policy.version
    for section in sections:
        document.update(section.dump(page))
    document["modules"] = [
        {
            **{name: getattr(module, name) for name in MODULE_FIELDS},
            "body": walker.stream(
                module.body.stream_block,
                module.body.get_prep_value(),
                join(join("modules", index), "body"),
            ),
        }
        for index, module in enumerate(modules)
    ]
    document["quiz"] = {
        **{name: getattr(quiz, name) for name in QUIZ_FIELDS},
        "questions": walker.stream(
            quiz.questions.stream_block,
            quiz.questions.get_prep_value(),
            "quiz.questions",
        ),
    }
    if problems:
        raise TransferError(problems, export=True)
    return PolicyExport(document=document, media=list(visitor.media.files.values()))


def _json(value: Any) -> Any:
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value
