"""Moving courses between installations: a policy with its modules and quiz
as one ``rollout-policy/1`` JSON document (docs/policy-format.md), or a ZIP of
that document and the images and documents it refers to.

Pure ``cms``: the audience belongs to ``lms``, which adds it as a
:class:`~cms.transfer.sections.Section` (``lms.services.policy_transfer``).
"""

from cms.transfer.checks import catalogue_find
from cms.transfer.export import PolicyExport, policy_export
from cms.transfer.importer import (
    CREATED,
    UNCHANGED,
    UPDATED,
    ImportResult,
    PageOutcome,
    policy_import,
)
from cms.transfer.media import PolicySource, source_read
from cms.transfer.problems import Problem, TransferError
from cms.transfer.schema import FORMAT
from cms.transfer.sections import Section, SectionLoad

__all__ = [
    "CREATED",
    "FORMAT",
    "UNCHANGED",
    "UPDATED",
    "ImportResult",
    "PageOutcome",
    "PolicyExport",
    "PolicySource",
    "Problem",
    "Section",
    "SectionLoad",
    "TransferError",
    "catalogue_find",
    "policy_export",
    "policy_import",
    "source_read",
]
