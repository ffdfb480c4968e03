"""The accounts catalogue: every message translated to Vietnamese, pages in both languages."""

import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

PO = (
    Path(__file__).resolve().parents[2] / "accounts" / "locale" / "vi" / "LC_MESSAGES" / "django.po"
)


def test_every_message_has_a_vietnamese_translation():
    text = PO.read_text(encoding="utf-8")
    assert "#, fuzzy" not in text
    entries = text.split("\n\n")[1:]
    empty = [
        e
        for e in entries
        if re.search(r'^msgstr(\[0\])? ""\n?$', e.strip(), re.M)
        and not re.search(r'^"', e.split("msgstr", 1)[1], re.M)
    ]
    assert empty == []


def test_compiled_catalogue_is_used():
    with translation.override("vi"):
        assert translation.gettext("Personnel decisions") == "Quyết định nhân sự"
        assert translation.gettext("Dormant accounts") == "Tài khoản không hoạt động"


@pytest.mark.django_db
def test_decision_page_in_both_languages(people, client):
    client.force_login(people.hn_admin)
    assert "Quyết định nhân sự" in client.get(reverse("accounts:decisions")).content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "Personnel decisions" in client.get(reverse("accounts:decisions")).content.decode()
