"""Walk Wagtail's JSON of a StreamField along its block definitions.

Images and documents are stored in that JSON by id, which means nothing in
another installation. The export replaces each one by a file reference; the
import checks the JSON's structure, collects the references, and later puts
the ids of this installation back (``cms.transfer.media``). Rich text gets the
same treatment for its ``<embed embedtype="image">`` and
``<a linktype="document">`` tags, and is cleaned to the features its field
allows, as the editor would.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.html import escape
from django.utils.translation import gettext as _
from wagtail import blocks
from wagtail.admin.rich_text.converters.db_html import DbHTMLConverter
from wagtail.documents.models import AbstractDocument
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageBlock
from wagtail.images.models import AbstractImage
from wagtail.rich_text.rewriters import FIND_A_TAG, FIND_EMBED_TAG, extract_attrs

from cms.transfer.problems import Problem, join

IMAGE = "image"
DOCUMENT = "document"
BLOCK_KEY = re.compile(r'\sdata-block-key="[^"]*"')


def media_kind(block: blocks.Block) -> str | None:
    """``"image"`` or ``"document"`` for a chooser block of those models."""
    if isinstance(block, blocks.ChooserBlock):
        model = block.model_class
        if issubclass(model, AbstractImage):
            return IMAGE
        if issubclass(model, AbstractDocument):
            return DOCUMENT
    return None


class Visitor:
    """What to do with media references and rich text met on the way."""

    def chooser(self, kind: str, value: Any, path: str) -> Any:
        return value

    def rich_text(self, html: str, features: list[str] | None, path: str) -> Any:
        return html


@dataclass
class StreamWalker:
    visitor: Visitor
    problems: list[Problem] = field(default_factory=list)

    def stream(self, block: blocks.StreamBlock, raw: Any, path: str) -> Any:
        return self._walk(block, raw, path)

    def _problem(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message))

    def _walk(self, block: blocks.Block, raw: Any, path: str) -> Any:
        if isinstance(block, blocks.StreamBlock):
            return self._stream(block, raw, path)
        if isinstance(block, blocks.ListBlock):
            return self._list(block, raw, path)
        if isinstance(block, ImageBlock):
            return self._image(block, raw, path)
        if isinstance(block, blocks.StructBlock):
            return self._struct(block, raw, path)
        if kind := media_kind(block):
            return self.visitor.chooser(kind, raw, path)
        if isinstance(block, blocks.RichTextBlock):
            if not isinstance(raw, str):
                self._problem(path, _("expected rich text (HTML)"))
                return raw
            return self.visitor.rich_text(raw, block.features, path)
        return self._leaf(block, raw, path)

    def _stream(self, block: blocks.StreamBlock, raw: Any, path: str) -> Any:
        if not isinstance(raw, list):
            self._problem(path, _("expected a list of blocks"))
            return raw
        result = []
        for index, item in enumerate(raw):
            where = join(path, index)
            if not isinstance(item, dict) or "type" not in item or "value" not in item:
                self._problem(
                    where, _('a block is an object with a "type" and a "value"')
                )
                continue
            for key in sorted(set(item) - {"type", "value", "id"}):
                self._problem(join(where, key), _("unknown key"))
            child = block.child_blocks.get(item["type"])
            if child is None:
                self._problem(
                    join(where, "type"),
                    _("unknown block type %(type)r; expected one of: %(types)s")
                    % {
                        "type": item["type"],
                        "types": ", ".join(block.child_blocks),
                    },
                )
                continue
            value = self._walk(child, item["value"], join(where, "value"))
            result.append({"type": item["type"], "value": value, "id": _block_id(item)})
        return result

    def _list(self, block: blocks.ListBlock, raw: Any, path: str) -> Any:
        if not isinstance(raw, list):
            self._problem(path, _("expected a list"))
            return raw
        result = []
        for index, item in enumerate(raw):
            in_block_format = (
                isinstance(item, dict)
                and item.get("type") == "item"
                and "value" in item
            )
            value = item["value"] if in_block_format else item
            result.append(
                {
                    "type": "item",
                    "value": self._walk(block.child_block, value, join(path, index)),
                    "id": _block_id(item) if in_block_format else str(uuid.uuid4()),
                }
            )
        return result

    def _struct(self, block: blocks.StructBlock, raw: Any, path: str) -> Any:
        if not isinstance(raw, dict):
            self._problem(
                path,
                _("expected an object with the fields: %(fields)s")
                % {"fields": ", ".join(block.child_blocks)},
            )
            return raw
        result = {}
        for name, value in raw.items():
            child = block.child_blocks.get(name)
            if child is None:
                self._problem(
                    join(path, name),
                    _("unknown field; expected one of: %(fields)s")
                    % {"fields": ", ".join(block.child_blocks)},
                )
                continue
            result[name] = self._walk(child, value, join(path, name))
        return result

    def _image(self, block: ImageBlock, raw: Any, path: str) -> Any:
        # ImageBlock is stored as {"image": id, "decorative": bool, "alt_text": str}.
        if not isinstance(raw, dict) or "image" not in raw:
            self._problem(
                path,
                _('expected an object with "image", "alt_text" and "decorative"'),
            )
            return raw
        return self._struct(block, raw, path)

    def _leaf(self, block: blocks.Block, raw: Any, path: str) -> Any:
        if raw is None:
            return raw
        if isinstance(block, blocks.BooleanBlock):
            expected, ok = _("true or false"), isinstance(raw, bool)
        elif isinstance(block, blocks.IntegerBlock):
            expected = _("a whole number")
            ok = isinstance(raw, int) and not isinstance(raw, bool)
        elif isinstance(
            block,
            blocks.CharBlock
            | blocks.TextBlock
            | blocks.ChoiceBlock
            | blocks.URLBlock
            | EmbedBlock,
        ):
            expected, ok = _("text"), isinstance(raw, str)
        else:
            return raw
        if not ok:
            self._problem(path, _("expected %(what)s") % {"what": expected})
        return raw


def _block_id(item: dict[str, Any]) -> str:
    value = item.get("id")
    return value if isinstance(value, str) and value else str(uuid.uuid4())


# --- Rich text ------------------------------------------------------------------


def rich_text_rewrite(
    html: str,
    *,
    embed: Callable[[dict[str, str]], str | None],
    link: Callable[[dict[str, str]], str | None],
) -> str:
    """Rewrite the opening tags of image embeds and of document and page links.
    ``embed``/``link`` get a tag's attributes and return a new tag (``None``:
    keep it as it is)."""

    def on_embed(match: re.Match) -> str:
        attrs = extract_attrs(match.group(1))
        if attrs.get("embedtype") == IMAGE:
            replaced = embed(attrs)
            if replaced is not None:
                return replaced
        return match.group(0)

    def on_link(match: re.Match) -> str:
        attrs = extract_attrs(match.group(1))
        if attrs.get("linktype") in (DOCUMENT, "page"):
            replaced = link(attrs)
            if replaced is not None:
                return replaced
        return match.group(0)

    return FIND_A_TAG.sub(on_link, FIND_EMBED_TAG.sub(on_embed, html))


def tag(name: str, attrs: dict[str, Any], *, close: bool = False) -> str:
    """An opening tag in Wagtail's database format (attributes sorted)."""
    text = " ".join(
        f'{key}="{escape(str(value))}"'
        for key, value in sorted(attrs.items())
        if value is not None
    )
    text = f"<{name} {text}" if text else f"<{name}"
    return f"{text}/>" if close else f"{text}>"


def rich_text_clean(
    html: str, features: list[str] | None, path: str
) -> tuple[str, list[Problem]]:
    """Clean rich text to its field's features, as the editor would; every
    element that had to go is a problem (a document is refused rather than
    silently changed)."""
    problems = _unsafe_links(html, path)
    cleaned, removals = DbHTMLConverter(features=features).clean(html)
    problems += [
        Problem(
            path,
            _("rich text: %(tag)s is not allowed here (%(detail)s)")
            % {"tag": f"<{removal.tag}>", "detail": removal.detail or ""},
        )
        for removal in removals
    ]
    return cleaned, problems


# Where a plain link may point: the web, mail, a phone, or this site.
_SAFE_LINK = re.compile(r"(https?:|mailto:|tel:|/(?!/)|#)", re.IGNORECASE)


def _unsafe_links(html: str, path: str) -> list[Problem]:
    """A link the editor would drop without a word (``javascript:``,
    ``data:``, ``vbscript:``...) refuses the document instead."""
    problems = []
    for match in FIND_A_TAG.finditer(html):
        href = extract_attrs(match.group(1)).get("href")
        # Browsers ignore control characters and spaces inside a scheme.
        if href is not None and not _SAFE_LINK.match(re.sub(r"[\x00-\x20]", "", href)):
            problems.append(
                Problem(
                    path,
                    _(
                        "rich text: the link “%(href)s” is not allowed (only "
                        "http, https, mailto and tel addresses, or an address on "
                        "this site)"
                    )
                    % {"href": href[:80]},
                )
            )
    return problems


def without_ids(value: Any) -> Any:
    """StreamField JSON without its block ids and editor block keys: what
    compares two contents."""
    if isinstance(value, list):
        return [without_ids(item) for item in value]
    if isinstance(value, dict):
        return {
            key: without_ids(item)
            for key, item in value.items()
            if not (key == "id" and "type" in value and "value" in value)
        }
    if isinstance(value, str) and "data-block-key" in value:
        return BLOCK_KEY.sub("", value)
    return value


def stream_state(stream_block: blocks.StreamBlock, value: Any) -> list[Any]:
    """The JSON of a StreamValue with every child converted (not the lazy raw
    data), without ids: equal for equal contents."""
    return without_ids(
        [
            {"type": child.block_type, "value": child.block.get_prep_value(child.value)}
            for child in stream_block.normalize(value)
        ]
    )
