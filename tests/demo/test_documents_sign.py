"""The demo's notices are seeded before the agency's token exists (their documents issued
unsigned); ``demo_documents_sign``, run once the token is set up, signs them, keeping their
verification codes, and the verification page then calls them genuine."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from core import agency_signing
from declarations.dossiers.models import IssuedDocument
from declarations.dossiers.verification import GENUINE, verify_code, verify_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def hsm():
    from tests.agency_hsm import agency_hsm

    yield agency_hsm()
    agency_signing.agency_sessions_close()


def test_the_seeded_notices_are_signed_once_the_token_exists(
    settings, hsm, capsys, django_capture_on_commit_callbacks
):
    settings.AGENCY_SIGNING_PKCS11_MODULE = ""
    with django_capture_on_commit_callbacks(execute=True):  # the outbox delivers, in-process
        call_command("seed_demo")
    seeded = dict(IssuedDocument.objects.filter(notice__isnull=False).values_list("pk", "code"))
    assert seeded and not IssuedDocument.objects.filter(signed=True).exists()
    call_command("demo_documents_sign")
    assert "stay unsigned" in capsys.readouterr().out  # no token yet: nothing changes

    hsm.configure(settings)
    call_command("demo_documents_sign")
    assert f"Documents signed by the agency's token: {len(seeded)}" in capsys.readouterr().out
    documents = IssuedDocument.objects.filter(pk__in=seeded)
    assert all(d.signed and d.certificate_id for d in documents)
    assert dict(documents.values_list("pk", "code")) == seeded  # codes handed out still hold
    document = documents.first()
    assert verify_code(document.code).state == GENUINE
    assert verify_file(bytes(document.xml)).state == GENUINE
    assert verify_file(bytes(document.pdf)).state == GENUINE
    call_command("demo_documents_sign")  # again: nothing left to sign
    assert "Documents signed by the agency's token: 0" in capsys.readouterr().out
