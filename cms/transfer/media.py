"""Images and documents of a policy document: file references, the ZIP, and
finding or creating them in this installation.

A reference is ``{"file": "images/desk.jpg", "title": ..., "alt": ...,
"sha1": ...}`` (``alt`` for images only). ``sha1`` is the SHA-1 of the file's
bytes, the checksum Wagtail keeps in ``file_hash``.
"""

from __future__ import annotations

import hashlib
import io
import json
import posixpath
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.validators import FileExtensionValidator
from django.db import models
from django.utils.translation import gettext as _
from wagtail.documents import get_document_model
from wagtail.documents.fields import WagtailDocumentField
from wagtail.images import get_image_model
from wagtail.images.fields import WagtailImageField
from wagtail.utils.file import hash_filelike

from cms.transfer.problems import Problem, TransferError, join
from cms.transfer.schema import ARCHIVE_DOCUMENT
from cms.transfer.streams import DOCUMENT, IMAGE

FOLDERS = {IMAGE: "images", DOCUMENT: "documents"}
REFERENCE_KEYS = {
    IMAGE: {"file", "title", "alt", "sha1"},
    DOCUMENT: {"file", "title", "sha1"},
}
SHA1 = re.compile(r"^[0-9a-f]{40}$")
# No member of a ZIP is read when it claims to be bigger than this.
MAX_MEMBER_BYTES = 200 * 1024 * 1024


def media_model(kind: str) -> type[models.Model]:
    return get_image_model() if kind == IMAGE else get_document_model()


def file_sha1(obj: Any) -> str:
    """The checksum of an image's or document's file, without writing it back."""
    if obj.file_hash:
        return obj.file_hash
    with obj.file.open("rb") as handle:
        return hash_filelike(handle)


# --- Export ------------------------------------------------------------------------


@dataclass
class MediaFile:
    """An image or document a document refers to, and its path in the ZIP."""

    kind: str
    path: str
    obj: Any


@dataclass
class ExportMedia:
    """Names each image and document once, by its file name."""

    files: dict[tuple[str, int], MediaFile] = field(default_factory=dict)

    def reference(self, kind: str, obj: Any) -> dict[str, Any]:
        key = (kind, obj.pk)
        if key not in self.files:
            taken = {media.path for media in self.files.values()}
            name = posixpath.basename(obj.file.name)
            path = f"{FOLDERS[kind]}/{name}"
            if path in taken:  # two files of one name from different folders
                path = f"{FOLDERS[kind]}/{obj.pk}-{name}"
            self.files[key] = MediaFile(kind=kind, path=path, obj=obj)
        reference: dict[str, Any] = {
            "file": self.files[key].path,
            "title": obj.title,
        }
        if kind == IMAGE:
            reference["alt"] = getattr(obj, "description", "") or ""
        reference["sha1"] = file_sha1(obj)
        return reference


def archive_write(
    stream: IO[bytes], *, document: dict[str, Any], media: Iterable[MediaFile]
) -> None:
    """A ZIP with ``policy.json`` and every referenced file."""
    with zipfile.ZipFile(stream, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(ARCHIVE_DOCUMENT, document_dumps(document))
        for item in media:
            with item.obj.file.open("rb") as handle:
                archive.writestr(item.path, handle.read())


def document_dumps(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


# --- Reading a document or a ZIP ---------------------------------------------------


@dataclass
class PolicySource:
    """A parsed document, and the ZIP it came in (if it did)."""

    document: Any
    archive: zipfile.ZipFile | None = None
    name: str = ""

    def has_file(self, path: str) -> bool:
        if self.archive is None:
            return False
        try:
            self.archive.getinfo(path)
        except KeyError:
            return False
        return True


def source_read(data: bytes, *, name: str = "") -> PolicySource:
    """Parse a JSON document, or a ZIP holding ``policy.json`` and its files."""
    looks_zipped = data[:4] == b"PK\x03\x04" or name.lower().endswith(".zip")
    if looks_zipped:
        archive = _zip_open(data)
        return PolicySource(document=_zip_document(archive), archive=archive, name=name)
    return PolicySource(document=_json_loads(data, ""), name=name)


def _zip_open(data: bytes) -> zipfile.ZipFile:
    # Members are checked (CRC) as they are read: only policy.json and the
    # files it refers to are ever decompressed.
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as error:
        raise TransferError(
            [Problem("", _("not a readable ZIP file: %(error)s") % {"error": error})]
        ) from error


def _zip_document(archive: zipfile.ZipFile) -> Any:
    try:
        info = archive.getinfo(ARCHIVE_DOCUMENT)
    except KeyError:
        raise TransferError(
            [
                Problem(
                    "",
                    _("the ZIP file has no %(name)s") % {"name": ARCHIVE_DOCUMENT},
                )
            ]
        ) from None
    if info.file_size > MAX_MEMBER_BYTES:
        raise TransferError([Problem(ARCHIVE_DOCUMENT, _("the file is too big"))])
    try:
        data = archive.read(info)
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as error:
        raise TransferError(
            [
                Problem(
                    ARCHIVE_DOCUMENT,
                    _("cannot read it from the ZIP: %(error)s") % {"error": error},
                )
            ]
        ) from error
    return _json_loads(data, ARCHIVE_DOCUMENT)


def _json_loads(data: bytes, where: str) -> Any:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise TransferError(
            [Problem(where, _("not UTF-8 text: %(error)s") % {"error": error})]
        ) from error
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise TransferError(
            [
                Problem(
                    where,
                    _("not JSON: %(error)s (line %(line)d, column %(column)d)")
                    % {"error": error.msg, "line": error.lineno, "column": error.colno},
                )
            ]
        ) from error


# --- Import --------------------------------------------------------------------------


@dataclass
class MediaRef:
    kind: str
    file: str
    title: str
    alt: str
    sha1: str | None
    path: str  # where the document refers to it
    file_path: str  # where to say what is wrong with the file
    paths: list[str] = field(default_factory=list)  # the file's other references

    @property
    def name(self) -> str:
        return PurePosixPath(self.file).name


def reference_parse(
    kind: str,
    value: Any,
    path: str,
    problems: list[Problem],
    *,
    rich_text: bool = False,
) -> MediaRef | None:
    """Check one file reference of the document (``rich_text``: the attributes
    of a tag in the rich text at ``path``)."""
    folder = FOLDERS[kind]
    if isinstance(value, int) and not isinstance(value, bool):
        problems.append(
            Problem(
                path,
                _(
                    'expected a file reference such as {"file": "%(folder)s/name"}, '
                    "not an id: ids differ between installations"
                )
                % {"folder": folder},
            )
        )
        return None
    if not isinstance(value, dict) or not isinstance(value.get("file"), str):
        problems.append(
            Problem(
                path,
                _('expected a file reference such as {"file": "%(folder)s/name"}')
                % {"folder": folder},
            )
        )
        return None
    before = len(problems)
    for key in sorted(set(value) - REFERENCE_KEYS[kind]):
        problems.append(Problem(join(path, key), _("unknown key")))
    file = value["file"]
    parts = file.split("/")
    if len(parts) != 2 or parts[0] != folder or parts[1] in ("", ".", ".."):
        problems.append(
            Problem(
                join(path, "file"),
                _("expected a path such as %(example)s")
                % {"example": f"{folder}/name.ext"},
            )
        )
    for key in ("title", "alt"):
        if key in value and not isinstance(value[key], str):
            problems.append(Problem(join(path, key), _("expected text")))
    sha1 = value.get("sha1")
    if sha1 is not None and not (isinstance(sha1, str) and SHA1.match(sha1)):
        problems.append(
            Problem(join(path, "sha1"), _("expected 40 lowercase hexadecimal digits"))
        )
    if len(problems) > before:
        return None
    return MediaRef(
        kind=kind,
        file=file,
        title=value.get("title") or "",
        alt=value.get("alt") or "",
        sha1=sha1,
        path=path,
        file_path=path if rich_text else join(path, "file"),
    )


@dataclass
class MediaPlan:
    """For each referenced file: the existing object it is, or the bytes of the
    one to create."""

    existing: dict[tuple[str, str], Any] = field(default_factory=dict)
    to_create: dict[tuple[str, str], tuple[MediaRef, bytes]] = field(
        default_factory=dict
    )


def media_plan(
    refs: Iterable[MediaRef], source: PolicySource, problems: list[Problem]
) -> MediaPlan:
    """Find every referenced file here or in the ZIP, writing nothing."""
    plan = MediaPlan()
    merged: dict[tuple[str, str], MediaRef] = {}
    for ref in refs:  # one file, several references: each may tell a part
        first = merged.setdefault((ref.kind, ref.file), ref)
        if first is not ref:
            first.paths.append(ref.file_path)
        first.title = first.title or ref.title
        first.alt = first.alt or ref.alt
        first.sha1 = first.sha1 or ref.sha1
    for key, ref in merged.items():
        if source.has_file(ref.file):
            data = _member_read(source, ref, problems)
            if data is None:
                continue
            sha1 = hashlib.sha1(data).hexdigest()  # Wagtail's checksum
            if ref.sha1 and ref.sha1 != sha1:
                problems.append(
                    Problem(
                        ref.file_path,
                        _("%(file)s in the ZIP does not match its sha1 checksum")
                        % {"file": ref.file},
                    )
                )
                continue
            found = _existing(ref.kind, ref.name, sha1)
            if found is not None:
                plan.existing[key] = found
            elif _valid_upload(ref, data, problems):
                plan.to_create[key] = (ref, data)
            continue
        found = _existing(ref.kind, ref.name, ref.sha1)
        if found is not None:
            plan.existing[key] = found
            continue
        if ref.sha1 and _existing(ref.kind, ref.name, None) is not None:
            message = _(
                "%(file)s is not in the ZIP, and the %(kind)s of that name here has "
                "other contents (checksum): export the policy with --with-media"
            )
        else:
            message = _(
                "%(file)s is neither in the ZIP nor in this installation's "
                "%(kind)s library: export the policy with --with-media"
            )
        kind = _("image") if ref.kind == IMAGE else _("document")
        for path in [ref.file_path, *ref.paths]:
            problems.append(Problem(path, message % {"file": ref.file, "kind": kind}))
    return plan


def media_create(plan: MediaPlan, *, user: Any = None) -> dict[tuple[str, str], Any]:
    """Create the files the plan needs; return every reference's object."""
    objects = dict(plan.existing)
    for key, (ref, data) in plan.to_create.items():
        if ref.kind == IMAGE:
            obj = get_image_model()(
                title=(ref.title or PurePosixPath(ref.name).stem)[:255],
                description=ref.alt[:255],
                file=ImageFile(io.BytesIO(data), name=ref.name),
                uploaded_by_user=user,
            )
        else:
            obj = get_document_model()(
                title=(ref.title or PurePosixPath(ref.name).stem)[:255],
                file=ContentFile(data, name=ref.name),
                uploaded_by_user=user,
            )
        obj.file_size = len(data)
        obj.file_hash = hashlib.sha1(data).hexdigest()
        obj.save()
        objects[key] = obj
    return objects


def media_discard(objects: Iterable[Any]) -> None:
    """Delete the stored files of objects whose rows were rolled back."""
    for obj in objects:
        if obj.file:
            obj.file.storage.delete(obj.file.name)


def _member_read(
    source: PolicySource, ref: MediaRef, problems: list[Problem]
) -> bytes | None:
    assert source.archive is not None
    info = source.archive.getinfo(ref.file)
    if info.file_size > MAX_MEMBER_BYTES:
        problems.append(Problem(ref.file_path, _("the file is too big")))
        return None
    try:
        return source.archive.read(info)
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as error:
        problems.append(
            Problem(
                ref.file_path,
                _("cannot read %(file)s from the ZIP: %(error)s")
                % {"file": ref.file, "error": error},
            )
        )
        return None


def _valid_upload(ref: MediaRef, data: bytes, problems: list[Problem]) -> bool:
    """The checks of the admin's upload forms: type, size, image format."""
    upload = SimpleUploadedFile(ref.name, data)
    try:
        if ref.kind == IMAGE:
            WagtailImageField().clean(upload)
        else:
            WagtailDocumentField().clean(upload)
            extensions = getattr(settings, "WAGTAILDOCS_EXTENSIONS", None)
            if extensions:
                FileExtensionValidator(extensions)(upload)
    except ValidationError as error:
        problems += [
            Problem(ref.file_path, f"{ref.file}: {message}")
            for message in error.messages
        ]
        return False
    return True


def _existing(kind: str, name: str, sha1: str | None) -> Any:
    """An image or document of this installation with this file name and, when
    given, checksum; with a checksum, another name with the same bytes also
    does."""
    model = media_model(kind)
    named = [
        obj
        for obj in model.objects.filter(file__endswith=name).order_by("pk")
        if posixpath.basename(obj.file.name) == name
    ]
    if sha1 is None:
        return named[0] if named else None
    for obj in named:
        if _sha1_or_none(obj) == sha1:
            return obj
    return model.objects.filter(file_hash=sha1).order_by("pk").first()


def _sha1_or_none(obj: Any) -> str | None:
    try:
        return file_sha1(obj)
    except OSError:  # the row is there, its file is not
        return None
