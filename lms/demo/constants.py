"""The fixed facts of the demo: sizes, positions, the shared password."""

from __future__ import annotations

from pathlib import Path

DIVISIONS_CSV = Path(__file__).resolve().parent.parent / "data" / "cn_divisions.csv"

# It is a demo: every demo account shares this password (docs/demo-data.md).
DEMO_PASSWORD = "rollout-demo-2026"
EMAIL_DOMAIN = "demo.rollout.invalid"  # RFC 2606: never delivered

DEFAULT_STAFF = 3_000
DEFAULT_SEED = 2026
# From this many staff on, the whole tree is loaded even without --full-tree.
FULL_TREE_STAFF = 50_000
# The quick tree: every province, its first cities, their first counties.
CITIES_PER_PROVINCE = 3
COUNTIES_PER_CITY = 4

# Position code -> name (the import creates a position it does not know with
# the name of the staff file's ``position_name`` column).
POSITIONS: dict[str, str] = {
    "counter": "营业厅柜面",
    "billing": "计费账务",
    "maintenance": "网络维护",
    "key_account": "大客户经理",
    "complaints": "投诉处理",
    "management": "管理人员",
}

# Share of the staff by level of their unit: counties carry most of them.
LEVEL_SHARES: dict[str, float] = {
    "hq": 0.005,
    "province": 0.045,
    "city": 0.15,
    "county": 0.80,
}

# Share of each position by level: counters and field maintenance in the
# counties, back office (billing, complaints) and managers higher up.
POSITION_SHARES: dict[str, dict[str, float]] = {
    "hq": {
        "counter": 0,
        "billing": 15,
        "maintenance": 10,
        "key_account": 20,
        "complaints": 15,
        "management": 40,
    },
    "province": {
        "counter": 0,
        "billing": 25,
        "maintenance": 20,
        "key_account": 15,
        "complaints": 15,
        "management": 25,
    },
    "city": {
        "counter": 15,
        "billing": 20,
        "maintenance": 25,
        "key_account": 12,
        "complaints": 13,
        "management": 15,
    },
    "county": {
        "counter": 40,
        "billing": 8,
        "maintenance": 28,
        "key_account": 7,
        "complaints": 9,
        "management": 8,
    },
}
EMAIL_SHARE = 0.6  # staff with an email address in the HR file

# The people behind the demo accounts (lms/demo/accounts.py).
DEMO_EMPLOYEE_NO = "D0000001"
DEMO_EMPLOYEE_UNIT = "440106"  # 天河区, 广州市, 广东省
DEMO_EMPLOYEE_POSITION = "counter"
DEMO_MANAGER_NO = "D0000002"
DEMO_MANAGER_UNIT = "440100"  # 广州市: the manager sits in, and sees, the city
DEMO_MANAGER_POSITION = "management"
DEMO_LAUNCH_SCOPE = "440000"  # 广东省


def employee_no(index: int) -> str:
    """The demo employee number of the ``index``-th staff member (from 1)."""
    return f"D{index:07d}"
