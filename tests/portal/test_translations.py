"""Every catalogue is fully translated into Vietnamese and its compiled .mo is current."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = sorted(
    p for p in ROOT.glob("**/locale/vi/LC_MESSAGES/django.po") if ".venv" not in p.parts
)


def untranslated(po: Path) -> list[str]:
    text = po.read_text(encoding="utf-8")
    missing = []
    for block in text.split("\n\n")[1:]:
        if "#, fuzzy" in block:
            missing.append(block)
            continue
        msgstr = re.search(r'^msgstr ((?:".*"\n?)+)', block + "\n", re.M)
        if msgstr and not "".join(re.findall(r'"(.*)"', msgstr.group(1))):
            missing.append(block)
    return missing


def test_there_is_a_vietnamese_catalogue():
    assert CATALOGUES


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_catalogue_is_fully_translated(po):
    assert untranslated(po) == []


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_compiled_catalogue_matches_its_source(po, tmp_path):
    if not shutil.which("msgfmt"):
        pytest.skip("gettext not installed")
    fresh = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check-format", "-o", str(fresh), str(po)], check=True)
    assert fresh.read_bytes() == po.with_suffix(".mo").read_bytes(), "run compilemessages"
