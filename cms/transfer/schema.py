"""The shape of a ``rollout-policy/1`` document (docs/policy-format.md).

Types and names are checked here with pydantic; ranges and choices by the page
models' own field validators (:func:`fields_clean`); blocks by the StreamBlocks'
own ``clean()`` (``cms.transfer.streams``).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from pydantic import BaseModel, ConfigDict, StrictInt, StrictStr
from pydantic import ValidationError as SchemaError

from cms.models import ModulePage, PolicyPage, QuizPage
from cms.transfer.problems import Problem, join

FORMAT = "rollout-policy/1"
ARCHIVE_DOCUMENT = "policy.json"

# The policy's own fields, in the order of the document.
POLICY_FIELDS: tuple[str, ...] = (
    "code",
    "title",
    "slug",
    "summary",
    "body",
    "days_allowed",
    "pass_mark",
    "max_attempts",
    "attempt_wait_minutes",
    "time_limit_minutes",
    "questions_per_attempt",
    "review_answers",
    "certificate_validity_months",
    "threshold_overall",
    "threshold_unit",
    "threshold_level",
    "exemption_cap_percent",
    "new_hire_grace_days",
    "launch_target_date",
    "launch_not_before",
)
MODULE_FIELDS: tuple[str, ...] = ("title", "slug", "intro", "minutes")
QUIZ_FIELDS: tuple[str, ...] = ("title", "slug", "intro")
# Written by the export, ignored by the import.
INFORMATIONAL = ("exported_at", "version")


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PolicySchema(_Part):
    """The top level of the document without ``modules``, ``quiz`` and the
    sections other apps add (the audience)."""

    format: StrictStr
    exported_at: StrictStr | None = None
    version: StrictInt | None = None
    code: StrictStr
    title: StrictStr
    slug: StrictStr | None = None
    summary: StrictStr
    body: StrictStr = ""
    days_allowed: StrictInt | None = None
    pass_mark: StrictInt | None = None
    max_attempts: StrictInt | None = None
    attempt_wait_minutes: StrictInt | None = None
    time_limit_minutes: StrictInt | None = None
    questions_per_attempt: StrictInt | None = None
    review_answers: StrictStr | None = None
    certificate_validity_months: StrictInt | None = None
    threshold_overall: StrictInt | None = None
    threshold_unit: StrictInt | None = None
    threshold_level: StrictStr | None = None
    exemption_cap_percent: StrictInt | None = None
    new_hire_grace_days: StrictInt | None = None
    launch_target_date: datetime.date | None = None
    launch_not_before: datetime.date | None = None


class ModuleSchema(_Part):
    title: StrictStr
    slug: StrictStr | None = None
    intro: StrictStr = ""
    minutes: StrictInt | None = None
    body: list[Any]


class QuizSchema(_Part):
    title: StrictStr
    slug: StrictStr | None = None
    intro: StrictStr = ""
    questions: list[Any]


def schema_check(
    schema: type[_Part], data: Any, path: str, problems: list[Problem]
) -> _Part | None:
    """Validate ``data`` against ``schema``; add its problems under ``path``."""
    try:
        return schema.model_validate(data)
    except SchemaError as error:
        for item in error.errors():
            where = path
            for key in item["loc"]:
                where = join(where, key)
            problems.append(Problem(where, item["msg"]))
        return None


def fields_clean(
    *,
    model: type[models.Model],
    part: _Part,
    names: tuple[str, ...],
    path: str,
    problems: list[Problem],
    defaults: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The values of ``names`` run through the model fields' own validation
    (ranges, choices, lengths, patterns). A field the document leaves out takes
    ``defaults[name]`` or else the model's default."""
    given = part.model_fields_set
    values = {}
    for name in names:
        field = model._meta.get_field(name)
        if name in given:
            value = getattr(part, name)
        elif defaults and name in defaults:
            value = defaults[name]
        else:
            value = field.get_default()
        try:
            values[name] = field.clean(value, None)
        except ValidationError as error:
            problems += [Problem(join(path, name), m) for m in error.messages]
    return values


PAGE_MODELS = {"policy": PolicyPage, "module": ModulePage, "quiz": QuizPage}
