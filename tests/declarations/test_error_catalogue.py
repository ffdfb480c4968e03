"""docs/errors.md is generated from the catalogue, and the catalogue matches the code."""

import re
from pathlib import Path

from core.refusals import CATALOGUE, catalogue_markdown

ROOT = Path(__file__).resolve().parents[2]
SOURCE = [
    p
    for p in (ROOT / "declarations").rglob("*.py")
    if p.name != "errors.py" and "migrations" not in p.parts
]
USE = re.compile(r"""(?:err|IntakeError)\(\s*["']([A-Z0-9_]+)["']""")
ANY_CODE = re.compile(r"""["']([A-Z][A-Z0-9]+_[A-Z0-9_]+)["']""")


def test_docs_errors_md_is_generated_from_the_catalogue():
    assert (ROOT / "docs" / "errors.md").read_text(encoding="utf-8") == catalogue_markdown()


def test_every_code_raised_in_the_code_is_catalogued():
    used = {code for p in SOURCE for code in USE.findall(p.read_text(encoding="utf-8"))}
    assert used, "the scan found no error codes"
    assert used <= set(CATALOGUE), used - set(CATALOGUE)


def test_every_catalogued_code_is_used_somewhere():
    text = "\n".join(p.read_text(encoding="utf-8") for p in SOURCE)
    unused = {code for code in CATALOGUE if f'"{code}"' not in text}
    assert not unused, unused


def test_every_code_has_both_languages_and_a_group():
    for code, spec in CATALOGUE.items():
        assert spec.vi and spec.en and spec.group, code
        assert re.fullmatch(r"[A-Z0-9_]+", code)


def test_the_ivan_api_codes_are_in_the_catalogue():
    from ivan.api.errors import MESSAGES

    text = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    for code, (vi, en) in MESSAGES.items():
        assert f"| `{code}` | {vi} | {en} |" in text
