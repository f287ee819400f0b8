"""The demo organisation and staff, as the CSV files the HR import reads.

Nothing here touches the database: it reads ``lms/data/cn_divisions.csv``,
picks the units, generates the staff and writes the two files in the import
formats (``code,name,parent_code,level`` and
``employee_no,name,unit_code,position,position_name,email``).
"""

from __future__ import annotations

import csv
import random
from collections import defaultdict
from dataclasses import astuple, dataclass, fields
from itertools import accumulate
from pathlib import Path

from lms.demo import constants as c
from lms.demo.names import NameGenerator

# County-level entries named 市辖区 ("city districts") are statistical
# placeholders of the code list, not offices: they are kept in the full tree
# (it is the real list) but get no staff and stay out of the quick tree.
PLACEHOLDER_NAME = "市辖区"


@dataclass(frozen=True)
class Division:
    """One row of the organisation file."""

    code: str
    name: str
    parent_code: str
    level: str

    @property
    def is_placeholder(self) -> bool:
        return self.level == "county" and self.name == PLACEHOLDER_NAME


@dataclass(frozen=True)
class StaffRow:
    """One row of the staff file."""

    employee_no: str
    name: str
    unit_code: str
    position: str
    position_name: str
    email: str


def divisions_load(path: Path = c.DIVISIONS_CSV) -> list[Division]:
    """Every row of the organisation file, parents before children."""
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            Division(
                code=row["code"],
                name=row["name"],
                parent_code=row["parent_code"],
                level=row["level"],
            )
            for row in csv.DictReader(handle)
        ]


def divisions_quick(
    divisions: list[Division],
    *,
    cities_per_province: int = c.CITIES_PER_PROVINCE,
    counties_per_city: int = c.COUNTIES_PER_CITY,
    keep: tuple[str, ...] = (c.DEMO_EMPLOYEE_UNIT, c.DEMO_MANAGER_UNIT),
) -> list[Division]:
    """The quick tree: HQ, every province, its first cities (by code) and
    their first counties (placeholders left out), plus the units in ``keep``
    and their ancestors. Parents stay before children."""
    children: dict[str, list[Division]] = defaultdict(list)
    by_code = {division.code: division for division in divisions}
    for division in divisions:
        children[division.parent_code].append(division)

    chosen: set[str] = set()
    for hq in children[""]:
        chosen.add(hq.code)
        for province in children[hq.code]:
            chosen.add(province.code)
            for city in children[province.code][:cities_per_province]:
                chosen.add(city.code)
                counties = [d for d in children[city.code] if not d.is_placeholder]
                chosen.update(d.code for d in counties[:counties_per_city])
    for code in keep:
        while code in by_code and code not in chosen:
            chosen.add(code)
            code = by_code[code].parent_code
    return [division for division in divisions if division.code in chosen]


def divisions_write(divisions: list[Division], path: Path) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["code", "name", "parent_code", "level"])
        writer.writerows(astuple(division) for division in divisions)
    return path


def staff_generate(*, units: list[Division], count: int, seed: int) -> list[StaffRow]:
    """``count`` staff spread over ``units``, the same for the same seed.

    The first two are the people behind the demo accounts: the demo employee
    (a counter clerk in 天河区) and the demo manager (management, 广州市). The
    rest go to a level by ``LEVEL_SHARES``, to a unit of that level with a
    per-unit weight (some offices are bigger than others) and to a position
    by the level's ``POSITION_SHARES``. A smaller ``count`` with the same seed
    and tree gives the first rows of a larger one.
    """
    rng = random.Random(seed)
    names = NameGenerator(rng)
    codes = {unit.code for unit in units}

    by_level: dict[str, list[str]] = defaultdict(list)
    weights: dict[str, list[float]] = defaultdict(list)
    for unit in units:
        weight = 0.0 if unit.is_placeholder else rng.lognormvariate(0, 0.6)
        by_level[unit.level].append(unit.code)
        weights[unit.level].append(weight)
    levels = [level for level in c.LEVEL_SHARES if by_level.get(level)]
    level_cum = list(accumulate(c.LEVEL_SHARES[level] for level in levels))
    unit_cum = {level: list(accumulate(weights[level])) for level in levels}
    positions = list(c.POSITIONS)
    position_cum = {
        level: list(accumulate(c.POSITION_SHARES[level][p] for p in positions))
        for level in levels
    }

    fixed = [
        (c.DEMO_EMPLOYEE_UNIT, c.DEMO_EMPLOYEE_POSITION),
        (c.DEMO_MANAGER_UNIT, c.DEMO_MANAGER_POSITION),
    ]
    rows: list[StaffRow] = []
    for index in range(1, count + 1):
        if index <= len(fixed) and fixed[index - 1][0] in codes:
            unit_code, position = fixed[index - 1]
        else:
            level = rng.choices(levels, cum_weights=level_cum)[0]
            unit_code = rng.choices(by_level[level], cum_weights=unit_cum[level])[0]
            position = rng.choices(positions, cum_weights=position_cum[level])[0]
        number = c.employee_no(index)
        has_email = rng.random() < c.EMAIL_SHARE
        rows.append(
            StaffRow(
                employee_no=number,
                name=names.name(),
                unit_code=unit_code,
                position=position,
                position_name=c.POSITIONS[position],
                email=f"{number.lower()}@{c.EMAIL_DOMAIN}" if has_email else "",
            )
        )
    return rows


def staff_write(rows: list[StaffRow], path: Path) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([field.name for field in fields(StaffRow)])
        writer.writerows(astuple(row) for row in rows)
    return path
