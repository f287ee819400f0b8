"""English and Simplified Chinese catalogues stay complete."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def test_every_chinese_entry_is_translated_and_not_fuzzy():
    catalogue = polib.pofile(str(CATALOGUE))
    missing = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    assert missing == [], f"untranslated: {missing[:20]}"
    assert fuzzy == [], f"fuzzy: {fuzzy[:20]}"


def test_placeholders_survive_translation():
    catalogue = polib.pofile(str(CATALOGUE))
    pattern = re.compile(r"%\(\w+\)[sd]|\{\w*\}")
    for entry in catalogue.translated_entries():
        if entry.msgid_plural:
            continue
        assert sorted(pattern.findall(entry.msgid)) == sorted(
            pattern.findall(entry.msgstr)
        ), entry.msgid


@pytest.mark.skipif(not shutil.which("xgettext"), reason="GNU gettext not installed")
def test_catalogue_holds_every_string_of_the_code(tmp_path):
    """Extract the strings again into a copy and find nothing new."""
    copy = tmp_path / "project"
    shutil.copytree(
        ROOT,
        copy,
        ignore=shutil.ignore_patterns(
            ".venv", "var", "media", "staticfiles", ".git", "*.mo", "__pycache__"
        ),
    )
    before = {e.msgid for e in polib.pofile(str(CATALOGUE))}
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "-l",
            "zh_Hans",
            "--ignore=tests",
            "--ignore=bench",
        ],
        cwd=copy,
        env={"DJANGO_VAR_DIR": str(tmp_path / "var"), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    after = polib.pofile(str(copy / "locale" / "zh_Hans" / "LC_MESSAGES/django.po"))
    new = sorted({e.msgid for e in after if not e.obsolete} - before)
    assert new == [], f"run `make messages` and translate: {new[:20]}"


@pytest.mark.django_db
def test_wagtail_admin_follows_the_browser_language(client):
    UserFactory(username="hq.admin", is_superuser=True, is_staff=True)
    client.login(username="hq.admin", password="s3cret-pass")
    response = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert response.status_code == 200
    assert 'lang="zh-hans"' in response.content.decode()


@pytest.mark.django_db
def test_the_admin_sign_in_page_names_the_product(client):
    page = client.get("/admin/login/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert "登录服务措施培训平台" in page
    assert "Wagtail" not in page.split("<body", 1)[1].split("<script", 1)[0]
    english = client.get("/admin/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Sign in to Rollout Academy" in english
