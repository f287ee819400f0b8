"""Parts of a policy document that belong to another app.

``cms`` knows pages and blocks only. What links a policy to the organisation
(its audience of positions and units, its per-position thresholds) lives in
``lms``, which passes a :class:`Section` to the export and the import: the
section writes its keys of the document, checks them, and puts them on the
policy page (as inline children, saved with the page's revision).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from cms.transfer.problems import Problem

if TYPE_CHECKING:
    from cms.models import PolicyPage


@dataclass
class SectionLoad:
    """A section of an incoming document, checked.

    ``state`` equals ``Section.dump()`` of a policy that holds the same data
    (the import compares them to tell an unchanged policy); ``apply`` puts the
    data on a policy page in memory, before its revision is saved.
    """

    state: dict[str, Any] = field(default_factory=dict)
    apply: Callable[[PolicyPage], None] = lambda page: None
    problems: list[Problem] = field(default_factory=list)


class Section(Protocol):
    keys: tuple[str, ...]

    def dump(self, policy: PolicyPage) -> dict[str, Any]:
        """The section's keys of the document, for ``policy`` (a page or the
        page of a revision)."""
        ...

    def load(self, data: dict[str, Any]) -> SectionLoad:
        """Check the section's keys of a document (``data`` holds those present)."""
        ...
