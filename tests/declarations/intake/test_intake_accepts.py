"""A correctly signed dossier is received: dossier, files, receipt, audit entry, e-mail."""

import hashlib

from django.core import mail
from django.utils import timezone

from accounts.models import AuditEntry
from core.outbox.handlers import email_body
from core.outbox.models import OutboxMessage
from declarations.dossiers.models import Dossier, DossierStatus, Notice
from declarations.intake.pipeline import intake_submit
from tests.declarations.conftest import worker


def test_signed_dossier_is_received_with_receipt_audit_and_email(
    signed, employer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # the relay's kick: sent now
        result = intake_submit(data=signed(), channel="cli")
    assert result.ok, result.errors_as_dicts()
    dossier = result.dossier
    assert dossier.status == DossierStatus.RECEIVED
    assert dossier.procedure_code == "600"
    assert dossier.worker_count == 2
    assert dossier.certificate.employer == employer
    assert dossier.files.get().form_code == "D02-LT"
    assert result.receipt.kind == "receipt"
    assert result.receipt.number.endswith(dossier.transaction_code)
    assert AuditEntry.objects.filter(action="dossier.received", target_id=str(dossier.pk)).exists()
    message = OutboxMessage.objects.get(key=f"receipt-{dossier.transaction_code}")
    assert message.payload["to"] == [employer.contact_email]
    # Rendered when sent, from the receipt's values as issued.
    body = email_body(message.payload)
    local = timezone.localtime(dossier.received_at)
    for text in (
        dossier.transaction_code,
        result.receipt.number,
        f"{employer.name} ({employer.unit_code})",
        f"Thời điểm tiếp nhận: {local:%d/%m/%Y %H:%M}",
        "Số lao động báo tăng: 2",
        "Kỳ kê khai: 10/2026",
    ):
        assert text in body, (text, body)
    assert "giấy" not in body  # not a trial dossier
    sent = [m for m in mail.outbox if dossier.transaction_code in m.subject]
    assert [m.body for m in sent] == [body]


def test_transaction_codes_are_unique(signed):
    codes = {
        intake_submit(data=signed([worker(n)]), channel="cli").dossier.transaction_code
        for n in range(1, 4)
    }
    assert len(codes) == 3


def test_the_same_bytes_twice_return_the_first_receipt(signed):
    data = signed()
    first = intake_submit(data=data, channel="cli")
    again = intake_submit(data=data, channel="cli")
    assert again.duplicate and again.dossier == first.dossier
    assert Dossier.objects.count() == 1


def test_sandbox_checks_everything_and_writes_nothing(signed):
    result = intake_submit(data=signed(), channel="cli", sandbox=True)
    assert result.ok and result.sandbox and result.dossier is None
    assert result.summary["workers"] == 2
    assert not Dossier.objects.exists() and not Notice.objects.exists()


def test_decrease_dossier_600a(signed):
    rows = [worker(1, PA="GH", TienLuong="", TyleDong="", TuThang="10/2026")]
    result = intake_submit(data=signed(rows, procedure="600a"), channel="cli")
    assert result.ok, result.errors_as_dicts()
    assert result.dossier.procedure_code == "600a"


def test_utf8_bom_is_accepted(signed):
    result = intake_submit(data=b"\xef\xbb\xbf" + signed(), channel="cli")
    assert result.ok, result.errors_as_dicts()


def test_no_email_is_sent_before_commit_and_relay(signed):
    intake_submit(data=signed(), channel="cli")
    assert OutboxMessage.objects.filter(kind="email").count() == 1
    assert len(mail.outbox) <= 1


def test_forms_and_attachments_are_kept_once_in_the_signed_envelope(signed):
    pdf = b"%PDF-1.4 hop dong lao dong"
    result = intake_submit(
        data=signed(extra_files=[("PDF", "hop-dong.pdf", "pdf", pdf)]), channel="cli"
    )
    assert result.ok, result.errors_as_dicts()
    form, attachment = result.dossier.files.all()
    assert form.kind == "xml" and form.data().startswith(b"<?xml")
    assert hashlib.sha256(form.data()).hexdigest() == form.sha256
    assert bytes(form.content) == b"" and bytes(attachment.content) == b""
    assert attachment.kind == "pdf"
    assert attachment.data() == pdf and attachment.size == len(pdf)


def test_large_envelope_and_form_are_stored_whole(signed):
    rows = [worker(n) for n in range(1, 701)]
    data = signed(rows, extra_files=[("PDF", "scan.pdf", "pdf", b"%PDF" + b"7" * 300_000)])
    result = intake_submit(data=data, channel="cli")
    assert result.ok, result.errors_as_dicts()[:3]
    dossier = Dossier.objects.get(pk=result.dossier.pk)
    assert bytes(dossier.envelope) == data and len(data) > 256 * 1024
    form, attachment = dossier.files.all()
    assert form.size > 256 * 1024 and len(form.data()) == form.size
    assert attachment.data().startswith(b"%PDF7")


def test_the_same_bytes_stored_meanwhile_answer_as_a_repeat(signed, monkeypatch):
    """Two uploads of the same bytes at the same moment: both pass the early duplicate
    lookup; the database keeps one dossier and the second gets the first's receipt."""
    from declarations.intake import pipeline

    data = signed([worker(1)])
    first = intake_submit(data=data, channel="cli")
    lookup = pipeline._employer_lookup

    def not_seen_yet(**kwargs):  # as the second request saw it, before the first committed
        employer = lookup(**kwargs)
        employer.earlier_dossier_id = None
        return employer

    monkeypatch.setattr(pipeline, "_employer_lookup", not_seen_yet)
    again = intake_submit(data=data, channel="cli")
    assert again.ok and again.duplicate
    assert again.dossier == first.dossier and again.receipt == first.receipt
    assert Dossier.objects.filter(content_sha256=first.dossier.content_sha256).count() == 1
