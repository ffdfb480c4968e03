"""The dossier state machine, MST validation, and the language of messages."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import AuditEntry
from core.refusals import Refused
from declarations.dossiers.models import DossierStatus
from declarations.employers.models.employers import validate_mst
from declarations.intake.pipeline import intake_submit
from declarations.review.services import dossier_transition
from tests.declarations.conftest import worker
from tests.factories import employer_user


def test_status_changes_follow_the_map_and_are_audited(signed):
    dossier = intake_submit(data=signed(), channel="cli").dossier
    dossier = dossier_transition(actor=None, dossier=dossier, to=DossierStatus.IN_REVIEW)
    dossier = dossier_transition(
        actor=None,
        dossier=dossier,
        to=DossierStatus.SUPPLEMENT_REQUESTED,
        note="Thiếu TK1-TS",
        reasons=["BS01"],  # a supplement request names its coded reasons
    )
    dossier = dossier_transition(actor=None, dossier=dossier, to=DossierStatus.SUPPLEMENTED)
    assert AuditEntry.objects.filter(action="dossier.status_changed").count() == 3
    with pytest.raises(Refused):
        dossier_transition(actor=None, dossier=dossier, to=DossierStatus.ACCEPTED)


@pytest.mark.parametrize("value", ["0101300842", "0101300842001"])
def test_valid_tax_codes(value):
    validate_mst(value)


@pytest.mark.parametrize("value", ["0101300843", "12345", "0101300842000"])
def test_invalid_tax_codes(value):
    with pytest.raises(ValidationError):
        validate_mst(value)


def test_errors_in_english_when_the_user_chose_english(client, signed, employer):
    user = employer_user(employer)
    client.force_login(user)
    client.post(reverse("set_language"), {"language": "en"})
    data = signed([worker(1, MasoBHXH="12")])
    page = client.post(reverse("declarations:upload"), {"file": io.BytesIO(data)}).content.decode()
    assert "must be exactly 10 digits" in page
    client.post(reverse("set_language"), {"language": "vi"})
    page = client.post(reverse("declarations:upload"), {"file": io.BytesIO(data)}).content.decode()
    assert "phải gồm đúng 10 chữ số" in page


def test_every_message_of_the_app_is_translated_to_vietnamese():
    po = Path(__file__).resolve().parents[3] / "declarations/locale/vi/LC_MESSAGES/django.po"
    text = po.read_text(encoding="utf-8")
    entries = text.split("\n\n")[1:]
    untranslated = [e for e in entries if 'msgstr ""' in e and '\n"' not in e.split("msgstr")[-1]]
    assert not untranslated, untranslated[:3]
    assert "#, fuzzy" not in text
    assert po.with_suffix(".mo").stat().st_mtime >= 0
