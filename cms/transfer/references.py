"""File references on their way in: checked and collected while the document
is walked (:class:`ImportVisitor`), replaced by this installation's ids once the
files are found or added (:func:`references_resolve`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from cms.transfer.media import MediaRef, reference_parse
from cms.transfer.problems import Problem, under
from cms.transfer.streams import (
    DOCUMENT,
    IMAGE,
    Visitor,
    rich_text_clean,
    rich_text_rewrite,
    tag,
)


@dataclass(frozen=True)
class Pending:
    """A file reference waiting for the id of its image or document here."""

    key: tuple[str, str]


@dataclass
class PendingHTML:
    """Rich text whose file references wait for their ids."""

    html: str
    features: list[str] | None
    path: str


class ImportVisitor(Visitor):
    """Checks the file references of the document and collects them; leaves
    placeholders where their ids will go."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        self.refs: list[MediaRef] = []
        self.bad_paths: list[str] = []

    def _ref(
        self, kind: str, value: Any, path: str, *, rich_text: bool = False
    ) -> MediaRef | None:
        ref = reference_parse(kind, value, path, self.problems, rich_text=rich_text)
        if ref is None:
            self.bad_paths.append(path)
        else:
            self.refs.append(ref)
        return ref

    def chooser(self, kind: str, value: Any, path: str) -> Any:
        if value is None:
            return None
        ref = self._ref(kind, value, path)
        return Pending((kind, ref.file)) if ref else None

    def rich_text(self, html: str, features: list[str] | None, path: str) -> Any:
        def reference(kind: str, attrs: dict[str, str]) -> None:
            if "file" not in attrs:
                self.bad_paths.append(path)
                self.problems.append(
                    Problem(
                        path,
                        _(
                            "rich text refers to %(kind)s %(id)s by id: use "
                            'file="%(folder)s/name" (ids differ between '
                            "installations)"
                        )
                        % {
                            "kind": _("image") if kind == IMAGE else _("document"),
                            "id": attrs.get("id", "?"),
                            "folder": "images" if kind == IMAGE else "documents",
                        },
                    )
                )
                return
            value = {
                key: attrs[key] for key in ("file", "title", "sha1") if key in attrs
            }
            self._ref(kind, value, path, rich_text=True)

        def embed(attrs: dict[str, str]) -> None:
            reference(IMAGE, attrs)

        def link(attrs: dict[str, str]) -> None:
            if attrs.get("linktype") == DOCUMENT:
                reference(DOCUMENT, attrs)
            else:
                self.bad_paths.append(path)
                self.problems.append(
                    Problem(
                        path,
                        _(
                            "rich text links to page %(id)s by id, which means "
                            'nothing in another installation: use <a href="...">'
                        )
                        % {"id": attrs.get("id", "?")},
                    )
                )

        rich_text_rewrite(html, embed=embed, link=link)
        return PendingHTML(html, features, path)


def references_resolve(
    value: Any,
    objects: dict[tuple[str, str], Any],
    *,
    problems: list[Problem],
    bad_paths: list[str],
) -> Any:
    """Put this installation's ids in place of the file references."""
    if isinstance(value, Pending):
        obj = objects.get(value.key)
        return obj.pk if obj is not None else None
    if isinstance(value, PendingHTML):
        return _resolve_html(value, objects, problems=problems, bad_paths=bad_paths)
    if isinstance(value, list):
        return [
            references_resolve(item, objects, problems=problems, bad_paths=bad_paths)
            for item in value
        ]
    if isinstance(value, dict):
        return {
            key: references_resolve(
                item, objects, problems=problems, bad_paths=bad_paths
            )
            for key, item in value.items()
        }
    return value


def _resolve_html(
    pending: PendingHTML,
    objects: dict[tuple[str, str], Any],
    *,
    problems: list[Problem],
    bad_paths: list[str],
) -> str:
    def pk(kind: str, attrs: dict[str, str]) -> Any:
        obj = objects.get((kind, attrs.get("file", "")))
        return obj.pk if obj is not None else None

    def embed(attrs: dict[str, str]) -> str | None:
        if "file" not in attrs:
            return None
        return tag(
            "embed",
            {
                "embedtype": IMAGE,
                "format": attrs.get("format"),
                "alt": attrs.get("alt"),
                "id": pk(IMAGE, attrs),
            },
            close=True,
        )

    def link(attrs: dict[str, str]) -> str | None:
        if attrs.get("linktype") != DOCUMENT or "file" not in attrs:
            return None
        return tag("a", {"linktype": DOCUMENT, "id": pk(DOCUMENT, attrs)})

    html = rich_text_rewrite(pending.html, embed=embed, link=link)
    cleaned, removals = rich_text_clean(html, pending.features, pending.path)
    if not under(pending.path, bad_paths):
        problems += removals
    return cleaned
