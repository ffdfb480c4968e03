"""The audit viewer shows each action in words (Vietnamese first) with its code beside it,
and every action code the project writes has its words."""

import ast
import io
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from accounts import audit
from accounts.audit_labels import ACTION_LABELS, FAMILY_LABELS, action_label
from accounts.selectors import office_resolve

ROOT = Path(__file__).resolve().parents[2]
APPS = ["accounts", "core", "declarations", "ivan", "closure_sync", "central", "portal", "demo"]
WRITERS = {"record", "entry_build"}  # accounts.audit.record / entry_build, core.audit.record


def _codes(node):
    """The action codes an argument can be: a literal, either branch of ``a if c else b``;
    an f-string yields its literal prefix (its family)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value
    elif isinstance(node, ast.IfExp):
        yield from _codes(node.body)
        yield from _codes(node.orelse)
    elif isinstance(node, ast.JoinedStr) and isinstance(node.values[0], ast.Constant):
        yield node.values[0].value + "*"


def written_codes() -> dict[str, str]:
    found = {}
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call) or len(node.args) < 2:
                    continue
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if name not in WRITERS:
                    continue
                for code in _codes(node.args[1]):
                    if "." in code:
                        found[code] = str(path.relative_to(ROOT))
    return found


def test_every_action_code_written_has_words():
    codes = written_codes()
    assert "dossier.received" in codes and "login.succeeded" in codes  # the scan sees them
    missing = {
        code: where
        for code, where in codes.items()
        if not code.endswith("*") and code not in ACTION_LABELS
    }
    assert not missing, f"add these codes to accounts/audit_labels.py: {missing}"
    families = {c.partition(".")[0] for c in codes if c.endswith("*")}
    assert families <= set(FAMILY_LABELS)


def test_labels_are_vietnamese_first_and_unknown_codes_stay_readable():
    with translation.override("vi"):
        assert action_label("login.succeeded") == "Đăng nhập thành công"
        assert action_label("closure.someday_new") == "Bản ghi chốt sổ"
        assert action_label("nothing.known") == "nothing.known"
    with translation.override("en"):
        assert action_label("login.succeeded") == "Signed in"


@pytest.mark.django_db
def test_the_viewer_shows_words_with_the_code_as_secondary_text(people, client, applications):
    audit.record(people.hn_admin, "account.locked", "ai đó", office_resolve("0102"), {})
    audit.seal()
    client.force_login(people.hn_admin)
    body = client.get(reverse("accounts:audit"), HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    row = body.split('data-action="account.locked">')[1].split("</td>")[0]
    assert row.startswith("Khóa tài khoản") and "<code>account.locked</code>" in row
    assert '<option value="account.locked">Khóa tài khoản</option>' in body
    book = load_workbook(io.BytesIO(client.get(reverse("accounts:audit_export")).content))
    rows = list(book.active.iter_rows(values_only=True))
    locked = next(r for r in rows if r[3] == "account.locked")
    assert locked[4] == "Khóa tài khoản"
