"""The documentation says what is there: every environment variable the
settings read is in the README's configuration table."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_setting_from_the_environment_is_in_the_readme():
    settings = (ROOT / "config" / "settings.py").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    read = set(
        re.findall(
            r"""(?:environ\.get|env_bool|env_list|environ\[)\(?\s*["']([A-Z][A-Z0-9_]+)["']""",
            settings,
        )
    )
    read.add("DATABASE_URL")
    assert len(read) > 15
    table = set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)` \|", readme, flags=re.MULTILINE))
    assert read <= table, sorted(read - table)
