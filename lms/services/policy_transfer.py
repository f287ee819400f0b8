"""Policies between installations: the ``cms`` export and import of a policy's
pages (``cms.transfer``), plus the part that belongs to ``lms``: the audience
(positions and units, by code) and the per-position thresholds.

``python manage.py export_policy`` and ``import_policy`` call these; so does
``seed_demo`` for the demo measures. The document format is described in
docs/policy-format.md.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from pydantic import BaseModel, ConfigDict, StrictInt, StrictStr

from cms.models import CatalogPage, PolicyPage
from cms.transfer import (
    ImportResult,
    PolicyExport,
    PolicySource,
    Problem,
    SectionLoad,
    TransferError,
    catalogue_find,
    policy_export,
    policy_import,
    source_read,
)
from cms.transfer.problems import join
from cms.transfer.schema import schema_check
from lms.models import (
    AudiencePosition,
    AudienceUnit,
    OrgUnit,
    Position,
    PositionThreshold,
)


class _AudienceSchema(BaseModel):
    model_config = ConfigDict(extra="forbid")

    positions: list[StrictStr] = []
    units: list[StrictStr] = []


class _ThresholdSchema(BaseModel):
    model_config = ConfigDict(extra="forbid")

    position: StrictStr
    threshold: StrictInt


class AudienceSection:
    """``audience`` ({positions: [codes], units: [codes]}; empty lists: every
    position, the whole group) and ``position_thresholds`` ([{position,
    threshold}]) of a policy document."""

    keys = ("audience", "position_thresholds")

    def dump(self, policy: PolicyPage) -> dict[str, Any]:
        positions = list(policy.audience_positions.all())
        units = list(policy.audience_units.all())
        thresholds = list(policy.position_thresholds.all())
        position_codes = dict(
            Position.objects.filter(
                pk__in={row.position_id for row in [*positions, *thresholds]}
            ).values_list("pk", "code")
        )
        unit_codes = dict(
            OrgUnit.objects.filter(pk__in={row.unit_id for row in units}).values_list(
                "pk", "code"
            )
        )
        return {
            "audience": {
                "positions": [position_codes[row.position_id] for row in positions],
                "units": [unit_codes[row.unit_id] for row in units],
            },
            "position_thresholds": [
                {
                    "position": position_codes[row.position_id],
                    "threshold": row.threshold,
                }
                for row in thresholds
            ],
        }

    def load(self, data: dict[str, Any]) -> SectionLoad:
        problems: list[Problem] = []
        parsed = _audience_parse(data, problems)
        if parsed is None or problems:
            return SectionLoad(problems=problems)
        audience = _Audience.resolve(*parsed)
        problems += audience.problems()
        if problems:
            return SectionLoad(problems=problems)
        return SectionLoad(state=audience.state(), apply=audience.apply)


def _audience_parse(
    data: dict[str, Any], problems: list[Problem]
) -> tuple[_AudienceSchema, list[_ThresholdSchema]] | None:
    """The section's shape: ``audience`` (required) and the thresholds, each
    checked against its schema; None when there is no audience to go on."""
    if "audience" not in data:
        problems.append(
            Problem(
                "audience",
                _(
                    'Field required: {"positions": [], "units": []} is every '
                    "position in the whole group"
                ),
            )
        )
        return None
    audience = schema_check(_AudienceSchema, data["audience"], "audience", problems)
    thresholds_raw = data.get("position_thresholds", [])
    thresholds: list[_ThresholdSchema] = []
    if not isinstance(thresholds_raw, list):
        problems.append(Problem("position_thresholds", _("expected a list")))
    else:
        for index, item in enumerate(thresholds_raw):
            checked = schema_check(
                _ThresholdSchema, item, join("position_thresholds", index), problems
            )
            if checked is not None:
                thresholds.append(checked)
    if audience is None:
        return None
    return audience, thresholds


@dataclass
class _Audience:
    """A well-formed section with the positions and units its codes name
    (those known here)."""

    audience: _AudienceSchema
    thresholds: list[_ThresholdSchema]
    positions: dict[str, Position]
    units: dict[str, OrgUnit]

    @classmethod
    def resolve(
        cls, audience: _AudienceSchema, thresholds: list[_ThresholdSchema]
    ) -> _Audience:
        wanted = {*audience.positions, *(t.position for t in thresholds)}
        return cls(
            audience=audience,
            thresholds=thresholds,
            positions={p.code: p for p in Position.objects.filter(code__in=wanted)},
            units={u.code: u for u in OrgUnit.objects.filter(code__in=audience.units)},
        )

    def problems(self) -> list[Problem]:
        """Unknown or repeated codes, and thresholds out of range."""
        problems: list[Problem] = []
        for key, codes, known, noun in (
            ("positions", self.audience.positions, self.positions, _("position")),
            ("units", self.audience.units, self.units, _("unit")),
        ):
            path = join("audience", key)
            for index, code in enumerate(codes):
                if code not in known:
                    problems.append(
                        Problem(
                            join(path, index),
                            _("unknown %(what)s code %(code)r")
                            % {"what": noun, "code": code},
                        )
                    )
            problems += _duplicates(codes, path)
        threshold_field = PositionThreshold._meta.get_field("threshold")
        for index, item in enumerate(self.thresholds):
            path = join("position_thresholds", index)
            if item.position not in self.positions:
                problems.append(
                    Problem(
                        join(path, "position"),
                        _("unknown %(what)s code %(code)r")
                        % {"what": _("position"), "code": item.position},
                    )
                )
            try:
                threshold_field.clean(item.threshold, None)
            except ValidationError as error:
                problems += [
                    Problem(join(path, "threshold"), message)
                    for message in error.messages
                ]
        problems += _duplicates(
            [t.position for t in self.thresholds], "position_thresholds", key="position"
        )
        return problems

    def state(self) -> dict[str, Any]:
        """What ``AudienceSection.dump`` gives for a policy holding this."""
        return {
            "audience": {
                "positions": self.audience.positions,
                "units": self.audience.units,
            },
            "position_thresholds": [
                {"position": t.position, "threshold": t.threshold}
                for t in self.thresholds
            ],
        }

    def apply(self, policy: PolicyPage) -> None:
        """Put the rows on ``policy`` in memory, in the document's order,
        reusing the rows it has for the same position or unit."""
        kept_positions = {
            row.position_id: row for row in policy.audience_positions.all()
        }
        kept_units = {row.unit_id: row for row in policy.audience_units.all()}
        kept_thresholds = {
            row.position_id: row for row in policy.position_thresholds.all()
        }
        rows_positions = []
        for order, code in enumerate(self.audience.positions):
            position = self.positions[code]
            row = kept_positions.get(position.pk) or AudiencePosition(position=position)
            row.sort_order = order
            rows_positions.append(row)
        rows_units = []
        for order, code in enumerate(self.audience.units):
            unit = self.units[code]
            row = kept_units.get(unit.pk) or AudienceUnit(unit=unit)
            row.sort_order = order
            rows_units.append(row)
        rows_thresholds = []
        for order, item in enumerate(self.thresholds):
            position = self.positions[item.position]
            row = kept_thresholds.get(position.pk) or PositionThreshold(
                position=position
            )
            row.threshold = item.threshold
            row.sort_order = order
            rows_thresholds.append(row)
        policy.audience_positions = rows_positions
        policy.audience_units = rows_units
        policy.position_thresholds = rows_thresholds


def _duplicates(codes: list[str], path: str, *, key: str = "") -> list[Problem]:
    counts = Counter(codes)
    problems = []
    for index, code in enumerate(codes):
        if counts[code] > 1 and codes.index(code) != index:
            where = join(join(path, index), key) if key else join(path, index)
            problems.append(
                Problem(where, _("%(code)r is listed twice") % {"code": code})
            )
    return problems


SECTIONS = (AudienceSection(),)


def policy_export_by_code(*, code: str, latest: bool = False) -> PolicyExport:
    """The document of policy ``code``: live, or its latest revisions."""
    policy = PolicyPage.objects.filter(code=code).first()
    if policy is None:
        raise TransferError(
            [
                Problem(
                    "", _("there is no policy with the code %(code)r") % {"code": code}
                )
            ],
            export=True,
        )
    return policy_export(policy=policy, latest=latest, sections=SECTIONS)


def policy_import_source(
    *,
    source: PolicySource,
    catalogue: CatalogPage | None = None,
    user: Any = None,
    dry_run: bool = False,
) -> ImportResult:
    """Import a read document (with its audience) as draft revisions."""
    return policy_import(
        source=source,
        catalogue=catalogue,
        user=user,
        sections=SECTIONS,
        dry_run=dry_run,
    )


def policy_import_file(
    *,
    path: Path,
    catalogue_slug: str | None = None,
    catalogue: CatalogPage | None = None,
    user: Any = None,
    dry_run: bool = False,
) -> ImportResult:
    """Import a ``.json`` document or a ``.zip`` (document and files)."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise TransferError(
            [
                Problem(
                    "",
                    _("cannot read %(path)s: %(error)s")
                    % {"path": path, "error": error.strerror},
                )
            ]
        ) from error
    source = source_read(data, name=path.name)
    if catalogue is None and catalogue_slug:
        catalogue = catalogue_find(catalogue_slug)
    return policy_import_source(
        source=source, catalogue=catalogue, user=user, dry_run=dry_run
    )
