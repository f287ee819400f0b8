"""Every page of both languages speaks one language.

The access matrix's world (``tests/test_access_matrix.py``) is visited by
every signed-in role, once in Chinese and once in English: every page that
role reaches with GET. The text a person reads of each page (text nodes, and
the attributes shown or read aloud: title, aria-label, placeholder, alt, a
button's value; in JSON answers, the HTML they carry) is cut into segments,
and a segment fails when it is

- on a Chinese page, an English interface string that a catalogue translates
  (the page did not translate it), or one of Wagtail's or Django's that no
  catalogue translates (the project's catalogue should supply it);
- on an English page, a Chinese translation of the project's catalogue.

A segment that is the world's own data (a page title, a unit's or person's
name, a group's stored name) is not an interface string. Strings that a
catalogue translates as themselves ("URL", "ID") and the languages' own
names in the language menu ("English", "简体中文") are the same in both.

Wagtail writes a few strings without its catalogue (the collection
permission table of a group, the slim header's "Actions", form fields with
no label, labels translated at import): those are Wagtail's to fix, not a
translation this project can supply, and :data:`WAGTAIL_UNTRANSLATED` names
them with where they appear. Elements marked ``hidden`` are not read.
"""

from __future__ import annotations

import json
import re
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

import django
import polib
import pytest
import wagtail
from django.conf import settings
from django.contrib.auth.models import Group
from django.utils import translation
from wagtail.models import Page

from lms.models import Employee, OrgUnit, Position
from tests import test_access_matrix as matrix

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
SHOWN = {"title", "aria-label", "placeholder", "alt"}
HIDDEN_CONTENT = {"script", "style", "template", "textarea"}
VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}

# Strings Wagtail 8.0 writes without its catalogue, and where (a path
# pattern; None: anywhere).
_ANYWHERE = None
WAGTAIL_UNTRANSLATED: dict[str, str | None] = {
    "Actions": _ANYWHERE,  # the slim header's aria-label
    "Search": _ANYWHERE,  # the header's and the dashboard's search buttons
    "Status": _ANYWHERE,  # workflow history detail
    # Form fields without a label, named by Django from the field's name.
    "Link text": _ANYWHERE,
    "Email address": _ANYWHERE,
    "Task type": _ANYWHERE,
    # wagtail/images/forms.py translates its labels once, at import.
    "Format": _ANYWHERE,
    "Alt text": _ANYWHERE,
    "Image is decorative": _ANYWHERE,
    # A revision or a page without a user ("None" beside the avatar).
    "None": r"^/admin/(pages/\d+/revisions/|reports/aging-pages/)",
    # The collection permissions of a group: Wagtail shows the permission
    # names stored in the database and their short verbs as written.
    **dict.fromkeys(
        [
            "Add",
            "Edit",
            "Delete",
            "Choose",
            "Add collections",
            "Edit collections",
            "Delete collections",
            "Add/edit images you own",
            "Edit any image",
            "Select images in choosers",
        ],
        r"^/admin/groups/",
    ),
}


def _wagtail_s(segment: str, path: str) -> bool:
    if segment not in WAGTAIL_UNTRANSLATED:
        return False
    where = WAGTAIL_UNTRANSLATED[segment]
    return where is _ANYWHERE or re.search(where, path) is not None


class _Reader(HTMLParser):
    """What a person reads of a page, as whitespace-normalised segments."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.segments: set[str] = set()
        self._hidden = 0  # inside <script>, <style>…
        self._unshown: list = []  # [tag, depth] of an element marked hidden

    def _add(self, text: str | None) -> None:
        text = " ".join((text or "").split())
        if text:
            self.segments.add(text)

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if self._unshown:
            if tag == self._unshown[0]:
                self._unshown[1] += 1
            return
        if "hidden" in values:
            if tag not in VOID:
                self._unshown = [tag, 1]
            return
        if tag in HIDDEN_CONTENT:
            self._hidden += 1
        for name, value in attrs:
            if name in SHOWN:
                self._add(value)
        if tag == "input" and values.get("type") in ("submit", "button"):
            self._add(values.get("value"))

    def handle_endtag(self, tag):
        if self._unshown:
            if tag == self._unshown[0]:
                self._unshown[1] -= 1
                if not self._unshown[1]:
                    self._unshown = []
            return
        if tag in HIDDEN_CONTENT and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not (self._hidden or self._unshown):
            self._add(data)


def segments(visit: matrix.Visit) -> set[str]:
    body = visit.body
    if body.lstrip().startswith(("{", "[")):
        try:
            data = json.loads(body)
        except ValueError:
            data = None
        if data is not None:
            texts: list[str] = []

            def walk(value):
                if isinstance(value, str):
                    texts.append(value)
                elif isinstance(value, dict):
                    for item in value.values():
                        walk(item)
                elif isinstance(value, list):
                    for item in value:
                        walk(item)

            walk(data)
            body = "\n".join(texts)
    reader = _Reader()
    reader.feed(body)
    return reader.segments


def _normalised(text: str) -> str:
    return " ".join(text.split())


def _plain(text: str) -> bool:
    """A string shown as written (no placeholder left to fill)."""
    return not re.search(r"%[(\w]|\{\w*\}", text)


@cache
def catalogues() -> tuple[dict[str, str], set[str], set[str]]:
    """The interface's translations (English → Chinese: the project's, then
    Wagtail's and Django's as the site translates them), the msgids of Wagtail
    and Django that no catalogue translates, and every msgid translated as
    itself."""
    ours: dict[str, str] = {}
    same: set[str] = set()
    for entry in polib.pofile(str(CATALOGUE)):
        msgid, msgstr = _normalised(entry.msgid), _normalised(entry.msgstr)
        if entry.obsolete or entry.msgid_plural or not _plain(msgid) or not msgstr:
            continue
        if msgid == msgstr:
            same.add(msgid)
        else:
            ours[msgid] = msgstr
    theirs: dict[str, bool] = {}  # msgid → translated by one of their catalogues
    for package in (wagtail, django):
        root = Path(package.__file__).parent
        # The English catalogues hold every msgid of the code; the Chinese
        # ones lack those added since they were last translated.
        for language in ("en", "zh_Hans"):
            for path in root.rglob(f"{language}/LC_MESSAGES/django.po"):
                for entry in polib.pofile(str(path)):
                    msgid = _normalised(entry.msgid)
                    if entry.obsolete or entry.msgid_plural or not _plain(msgid):
                        continue
                    if language == "en":
                        theirs.setdefault(msgid, False)
                        continue
                    if _normalised(entry.msgstr) == msgid:
                        same.add(msgid)
                    translated = bool(entry.msgstr.strip())
                    theirs[msgid] = theirs.get(msgid, False) or translated
    missing = {
        msgid
        for msgid, translated in theirs.items()
        if not translated and msgid not in ours and re.search(r"[A-Za-z]{2}", msgid)
    }
    with translation.override("zh-hans"):
        shown = {
            msgid: translation.gettext(msgid)
            for msgid, translated in theirs.items()
            if translated and msgid not in ours
        }
    ours |= {msgid: zh for msgid, zh in shown.items() if zh != msgid}
    return ours, missing, same


def data_values() -> set[str]:
    """The world's own data, shown as it is in both languages."""
    values = {name for _code, name in settings.LANGUAGES}
    values |= set(Page.objects.values_list("title", flat=True))
    values |= set(Group.objects.values_list("name", flat=True))
    values |= set(OrgUnit.objects.values_list("name", flat=True))
    values |= set(Employee.objects.values_list("name", flat=True))
    values |= set(Position.objects.values_list("name", flat=True))
    return {_normalised(v) for v in values if v}


def findings(world: matrix.World, language: str) -> list[str]:
    ours, missing, same = catalogues()
    chinese = {msgstr: msgid for msgid, msgstr in ours.items()}
    data = data_values()
    found: dict[str, set[str]] = {}
    for role in matrix.SIGNED_IN:
        for visit in matrix.visits(world, role, language=language, methods=("get",)):
            if visit.got != matrix.OK:
                continue
            for segment in segments(visit) - data - same:
                if _wagtail_s(segment, visit.path):
                    continue
                if language == "zh-hans":
                    if segment in ours:
                        problem = (
                            f"{segment!r} untranslated (catalogue: {ours[segment]!r})"
                        )
                    elif segment in missing:
                        problem = f"{segment!r}: no catalogue translates it"
                    else:
                        continue
                elif segment in chinese:
                    problem = f"{segment!r} in Chinese (msgid {chinese[segment]!r})"
                else:
                    continue
                found.setdefault(problem, set()).add(f"{role}: {visit.path}")
    return [
        f"{problem} on {len(where)} page(s), e.g. {sorted(where)[0]}"
        for problem, where in sorted(found.items())
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_page_speaks_one_language(language):
    world = matrix.build_world()
    with translation.override(language):
        problems = findings(world, language)
    assert not problems, "\n".join(problems)


def test_wagtail_s_scripts_have_every_string_in_chinese(client):
    """Wagtail's admin scripts read their strings from ``/admin/jsi18n/``:
    every msgid of Wagtail's English script catalogue is translated, by
    Wagtail's Chinese one or by the project's (``locale/…/djangojs.po``)."""
    root = Path(wagtail.__file__).parent / "admin" / "locale"
    english = polib.pofile(str(root / "en" / "LC_MESSAGES" / "djangojs.po"))
    translated = set()
    for path in (
        root / "zh_Hans" / "LC_MESSAGES" / "djangojs.po",
        ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "djangojs.po",
    ):
        for entry in polib.pofile(str(path)):
            if entry.msgstr or any(entry.msgstr_plural.values()):
                translated.add(entry.msgid)
    missing = sorted(e.msgid for e in english if e.msgid not in translated)
    assert missing == [], f"add to locale/zh_Hans/LC_MESSAGES/djangojs.po: {missing}"

    served = client.get("/admin/jsi18n/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert served.status_code == 200
    supplied = json.dumps("输入内容，或输入“/”插入区块")  # as the catalogue writes it
    assert supplied in served.content.decode()
