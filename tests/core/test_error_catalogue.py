"""One refusal type, one catalogue: docs/errors.md is generated from it, every code raised is
in it, every code is used and translated, and messages render in the user's language."""

import re
from pathlib import Path

from django.utils import translation

from core.refusals import CATALOGUE, GROUPS, Refused, catalogue_markdown, err
from ivan.api.errors import message_for

ROOT = Path(__file__).resolve().parents[2]
APPS = ("accounts", "closure_sync", "core", "declarations", "ivan", "portal")
SOURCE = [
    p
    for app in APPS
    for p in (ROOT / app).rglob("*.py")
    if "migrations" not in p.parts and p.name != "refusals.py"
]
USE = re.compile(r"""(?:err|Refused|Problem|ApiProblem)\(\s*["']([A-Za-z0-9_.\-]+)["']""")
CODE = re.compile(r"[A-Z][A-Z0-9_]+|[a-z][a-z_]*\.[a-z_]+|ACC-[A-Z-]+")


def test_docs_errors_md_is_generated_from_the_catalogue():
    assert (ROOT / "docs" / "errors.md").read_text(encoding="utf-8") == catalogue_markdown()


def test_docs_list_every_code_once():
    text = catalogue_markdown()
    for code in CATALOGUE:
        assert text.count(f"| `{code}` |") == 1, code


def test_every_code_raised_in_the_code_is_catalogued():
    used = {code for p in SOURCE for code in USE.findall(p.read_text(encoding="utf-8"))}
    assert len(used) > 50, "the scan found too few error codes"
    assert used <= set(CATALOGUE), used - set(CATALOGUE)


def test_every_catalogued_code_is_used_somewhere():
    text = "\n".join(p.read_text(encoding="utf-8") for p in SOURCE)
    unused = {code for code in CATALOGUE if f'"{code}"' not in text}
    assert not unused, unused


def test_every_code_has_a_group_and_a_vietnamese_translation():
    for code, entry in CATALOGUE.items():
        assert CODE.fullmatch(code), code
        assert entry.group in GROUPS, code
        with translation.override("en"):
            en = str(entry.message)
        with translation.override("vi"):
            vi = str(entry.message)
        assert en and vi and vi != en, f"{code} has no Vietnamese translation"
        assert set(re.findall(r"\{\w+\}", vi)) == set(re.findall(r"\{\w+\}", en)), code


def test_a_refusal_renders_in_the_active_language():
    refusal = Refused("CERT_MST_MISMATCH", value="0101234567")
    with translation.override("vi"):
        assert str(refusal.message) == "Chứng thư số không mang MST của đơn vị (0101234567)."
        assert str(refusal) == "CERT_MST_MISMATCH: " + str(refusal.message)
    with translation.override("en"):
        assert str(refusal.message) == (
            "The certificate does not carry the employer's tax code (0101234567)."
        )
    assert refusal.errors[0].text("en").startswith("The certificate")


def test_a_refusal_carries_several_located_problems():
    refusal = Refused.many(
        [
            err("ROW_GENDER", form="D02-LT", row=3, field="GioiTinh", value="2"),
            err("ROW_BHXH_FORMAT", form="D02-LT", row=4, value="12"),
        ]
    )
    assert [p.code for p in refusal.errors] == ["ROW_GENDER", "ROW_BHXH_FORMAT"]
    assert refusal.errors[0].as_dict("vi") == {
        "code": "ROW_GENDER",
        "message": "Giới tính 2 không hợp lệ (1: nam, 0: nữ).",
        "location": {"form": "D02-LT", "row": 3, "field": "GioiTinh"},
    }


def test_the_ivan_api_takes_its_messages_from_the_catalogue():
    with translation.override("vi"):
        assert message_for("IVAN_THROTTLED") == "Gửi quá nhiều yêu cầu; vui lòng thử lại sau."
    with translation.override("en"):
        assert message_for("IVAN_THROTTLED") == "Too many requests; retry later."
    text = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    assert "| `IVAN_THROTTLED` | Gửi quá nhiều yêu cầu; vui lòng thử lại sau. |" in text
