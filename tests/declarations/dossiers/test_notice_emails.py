"""A notice's e-mail carries its verification code and public link, whichever of the e-mail
and the document's outbox rows is sent first; the issued documents have a read-only admin."""

from __future__ import annotations

from datetime import date

import pytest
from django.core import mail
from django.urls import reverse

from core.outbox.handlers import send_email
from core.outbox.models import OutboxMessage
from declarations.dossiers.agency_documents import verification_url
from declarations.dossiers.models import DossierStatus, IssuedDocument
from declarations.dossiers.notices import document_from_outbox
from declarations.intake.pipeline import intake_submit
from tests.declarations.conftest import worker

SITE = "https://dichvucong.example.vn"


@pytest.fixture(autouse=True)
def site(settings):
    settings.SITE_URL = SITE
    settings.AGENCY_SIGNING_PKCS11_MODULE = ""  # unsigned documents: the code is the same


def test_the_receipt_email_carries_the_verification_code_and_link(receive):
    result = receive()
    document = IssuedDocument.objects.get(notice=result.receipt)
    (sent,) = [m for m in mail.outbox if result.dossier.transaction_code in m.subject]
    assert f"Mã xác thực của thông báo: {document.code_display}" in sent.body
    assert f"{SITE}/xac-thuc/{document.code}/" in sent.body
    assert verification_url(document.code) in sent.body


def test_an_email_sent_before_the_document_issues_it_and_waits_for_nothing(signed):
    """Rows written, nothing delivered (the test's transaction): the e-mail goes first."""
    result = intake_submit(data=signed([worker(1)]), channel="cli")
    assert not IssuedDocument.objects.exists()
    send_email(OutboxMessage.objects.get(key=f"receipt-{result.dossier.transaction_code}"))
    document = IssuedDocument.objects.get(notice=result.receipt)
    assert document.code_display in mail.outbox[-1].body
    # The document's own row then finds it issued: one document, the code the e-mail gave.
    document_from_outbox(OutboxMessage.objects.get(key=f"document-notice-{result.receipt.number}"))
    assert IssuedDocument.objects.get(notice=result.receipt).code == document.code


def test_a_result_notice_email_carries_its_code(receive, django_capture_on_commit_callbacks):
    from declarations.review.services import dossier_transition
    from tests.factories import UserFactory, grant

    result = receive()
    officer = UserFactory()
    grant(officer, "receiving_officer", result.dossier.office, valid_from=date(2015, 1, 1))
    with django_capture_on_commit_callbacks(execute=True):
        dossier = dossier_transition(
            actor=officer, dossier=result.dossier, to=DossierStatus.IN_REVIEW
        )
        dossier = dossier_transition(actor=officer, dossier=dossier, to=DossierStatus.ACCEPTED)
    notice = dossier.notices.get(kind="accepted")
    message = OutboxMessage.objects.get(key=f"notice-{notice.number}")
    assert message.state == "sent"
    document = IssuedDocument.objects.get(notice=notice, kind="accepted")
    (sent,) = [m for m in mail.outbox if m.extra_headers["Message-ID"].startswith("<notice-")]
    assert document.code_display in sent.body and verification_url(document.code) in sent.body


def test_a_sandbox_receipt_asks_for_no_code(signed):
    from declarations.dossiers.notices import notice_email_add

    result = intake_submit(data=signed([worker(1)]), channel="cli")
    assert notice_email_add(result.receipt)
    result.receipt.dossier.sandbox = True
    assert notice_email_add(result.receipt) == {}


# --- admin -------------------------------------------------------------------------------------
def test_the_admin_lists_documents_and_finds_one_by_its_printed_code(receive, admin_client):
    result = receive()
    document = IssuedDocument.objects.get(notice=result.receipt)
    url = reverse("admin:dossiers_issueddocument_changelist")
    page = admin_client.get(url, {"q": document.code_display.lower()})
    assert page.status_code == 200
    assert document.code in page.content.decode()
    assert page.context["cl"].result_count == 1
    miss = admin_client.get(url, {"q": "0000-0000-0000"})
    assert miss.context["cl"].result_count == 0
    shown = admin_client.get(reverse("admin:dossiers_issueddocument_change", args=[document.pk]))
    assert shown.status_code == 200 and b'name="_save"' not in shown.content


def test_the_admin_cannot_add_change_or_delete_a_document(receive, admin_client):
    result = receive()
    document = IssuedDocument.objects.get(notice=result.receipt)
    assert admin_client.get(reverse("admin:dossiers_issueddocument_add")).status_code == 403
    delete = reverse("admin:dossiers_issueddocument_delete", args=[document.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    change = reverse("admin:dossiers_issueddocument_change", args=[document.pk])
    admin_client.post(change, {"number": "changed"})
    assert IssuedDocument.objects.get(pk=document.pk).number == document.number
