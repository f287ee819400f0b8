"""Synthetic HR files for the benchmarks: an org tree and a staff list.

Deterministic for a given seed, written as streams (a 500,000-row staff file
never sits in memory). The shape follows DESIGN.md: one headquarters, 31
provinces, about 340 cities and the rest counties.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from pathlib import Path

PROVINCES = (
    "北京市 天津市 河北省 山西省 内蒙古自治区 辽宁省 吉林省 黑龙江省 上海市 江苏省 "
    "浙江省 安徽省 福建省 江西省 山东省 河南省 湖北省 湖南省 广东省 广西壮族自治区 "
    "海南省 重庆市 四川省 贵州省 云南省 西藏自治区 陕西省 甘肃省 青海省 "
    "宁夏回族自治区 新疆维吾尔自治区"
).split()
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国玉兰志强红梅海燕"
POSITIONS = (
    ("counter", 40),
    ("billing", 15),
    ("maintenance", 20),
    ("key_account", 8),
    ("complaints", 10),
    ("management", 7),
)


@dataclass(frozen=True)
class Tree:
    codes: list[str]  # every unit, parents first
    counties: list[str]
    cities: list[str]


def write_org(path: Path, *, units: int = 3500, seed: int = 1) -> Tree:
    """Write ``code,name,parent_code,level`` for ``units`` units (HQ first)."""
    rng = random.Random(seed)
    provinces = len(PROVINCES)
    if units < 4 * provinces:
        raise ValueError(f"a tree needs at least {4 * provinces} units")
    cities_total = max(provinces, round(units * 340 / 3500))
    counties_total = units - 1 - provinces - cities_total
    rows = [("HQ", "集团总部", "", "hq")]
    province_codes = []
    for p, name in enumerate(PROVINCES, start=1):
        code = f"P{p:02d}"
        province_codes.append(code)
        rows.append((code, name, "HQ", "province"))
    city_codes = []
    for c in range(cities_total):
        parent = province_codes[c % provinces]
        code = f"{parent}C{c // provinces + 1:02d}"
        city_codes.append(code)
        rows.append((code, f"第{c + 1}市", parent, "city"))
    county_codes = []
    for k in range(counties_total):
        parent = (
            city_codes[rng.randrange(len(city_codes))]
            if k >= len(city_codes)
            else city_codes[k]
        )
        code = f"{parent}X{k + 1:05d}"
        county_codes.append(code)
        rows.append((code, f"第{k + 1}区", parent, "county"))
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(("code", "name", "parent_code", "level"))
        writer.writerows(rows)
    return Tree(
        codes=[row[0] for row in rows], counties=county_codes, cities=city_codes
    )


def write_staff(
    path: Path,
    tree: Tree,
    *,
    staff: int,
    seed: int = 2,
    transfer_share: float = 0.0,
    transfer_seed: int = 3,
) -> int:
    """Write ``staff`` rows of ``employee_no,name,unit_code,position,email``.

    With ``transfer_share``, that share of the employees (chosen with
    ``transfer_seed``) is in another county than in the file of the same
    ``seed`` without transfers. Returns the number of transferred rows.
    """
    rng = random.Random(seed)
    moves = random.Random(transfer_seed)
    codes, weights = zip(*POSITIONS, strict=True)
    units = tree.counties * 9 + tree.cities  # nine in ten staff sit in counties
    transferred = 0
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(("employee_no", "name", "unit_code", "position", "email"))
        for n in range(1, staff + 1):
            number = f"E{n:07d}"
            name = (
                rng.choice(SURNAMES)
                + rng.choice(GIVEN)
                + (rng.choice(GIVEN) if rng.random() < 0.6 else "")
            )
            unit = units[rng.randrange(len(units))]
            position = rng.choices(codes, weights)[0]
            email = f"{number.lower()}@staff.example.cn" if rng.random() < 0.7 else ""
            if transfer_share and moves.random() < transfer_share:
                other = tree.counties[moves.randrange(len(tree.counties))]
                if other != unit:
                    unit = other
                    transferred += 1
            writer.writerow((number, name, unit, position, email))
    return transferred
