"""What is wrong with a policy document: problems located by their JSON path."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import ngettext
from wagtail.blocks.list_block import ListBlockValidationError
from wagtail.blocks.stream_block import StreamBlockValidationError
from wagtail.blocks.struct_block import StructBlockValidationError


@dataclass(frozen=True)
class Problem:
    """One reason to refuse a document. ``path`` is a JSON path such as
    ``modules[1].body[3].value.options`` (empty: the document as a whole)."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class TransferError(Exception):
    """A document was refused, or a policy cannot be exported; nothing changed."""

    def __init__(self, problems: Iterable[Problem], *, export: bool = False) -> None:
        self.problems = list(problems)
        self.export = export
        super().__init__(self.message())

    def message(self) -> str:
        count = len(self.problems)
        if self.export:
            head = ngettext(
                "The policy cannot be exported (%(count)d problem):",
                "The policy cannot be exported (%(count)d problems):",
                count,
            )
        else:
            head = ngettext(
                "The document was refused (%(count)d problem); nothing was changed:",
                "The document was refused (%(count)d problems); nothing was changed:",
                count,
            )
        lines = [head % {"count": count}]
        return "\n".join([*lines, *(f"  {problem}" for problem in self.problems)])


def join(path: str, key: str | int) -> str:
    """``join("modules", 1)`` is ``modules[1]``, ``join("quiz", "title")``
    ``quiz.title``."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def under(path: str, prefixes: Iterable[str]) -> bool:
    """Whether ``path`` is one of ``prefixes`` or lies inside one of them."""
    return any(
        path == prefix or path.startswith((f"{prefix}.", f"{prefix}["))
        for prefix in prefixes
    )


def block_problems(error: ValidationError, path: str) -> list[Problem]:
    """Flatten the nested errors of a StreamBlock's ``clean()`` into problems
    at the JSON path of each block (``[3].value.options[0].text``)."""
    if isinstance(error, StreamBlockValidationError):
        children = [
            (join(join(path, index), "value"), child)
            for index, child in error.block_errors.items()
        ]
    elif isinstance(error, StructBlockValidationError):
        children = [
            (join(path, name), child) for name, child in error.block_errors.items()
        ]
    elif isinstance(error, ListBlockValidationError):
        children = [
            (join(path, index), child) for index, child in error.block_errors.items()
        ]
    else:
        return [Problem(path, message) for message in error.messages]
    problems = [
        Problem(path, message)
        for item in error.non_block_errors.as_data()
        for message in item.messages
    ]
    for child_path, child in children:
        problems += block_problems(child, child_path)
    return problems


def field_problems(error: ValidationError, path: str) -> list[Problem]:
    """A model ValidationError (by field, or not) as problems under ``path``."""
    if hasattr(error, "error_dict"):
        return [
            Problem(join(path, name) if name != "__all__" else path, message)
            for name, errors in error.error_dict.items()
            for item in errors
            for message in item.messages
        ]
    return [Problem(path, message) for message in error.messages]
