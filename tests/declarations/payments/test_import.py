"""Importing the collection account's statement: CSV, .xlsx and camt.053; a preview that
stores nothing; refused lines that leave nothing stored; the same statement twice stores
nothing new; one audit entry per stored import."""

from __future__ import annotations

from datetime import date

import pytest

from accounts.models import AuditEntry
from core.refusals import Refused
from declarations.payments.models import ImportState, Payment, PaymentStatus
from declarations.payments.services import payment_import_confirm, payment_import_preview

from .conftest import camt_entry, camt_upload, csv_upload, xlsx_upload

pytestmark = pytest.mark.django_db

ROWS = [
    [
        "UNC0001",
        "05/11/2026",
        "3.398.400",
        "0011 0012 3456",
        "CONG TY TNHH THU A",
        "BHXH TZH490L T11/2026 nop tien",
    ],
    ["UNC0002", "06/11/2026", "1500000", "9999888877", "NGUYEN VAN X", "chuyen tien"],
]


def preview(world, upload):
    return payment_import_preview(actor=world.officer_a, office=world.office_a, upload=upload)


def test_csv_preview_stores_nothing_then_confirm_stores_and_audits_once(world):
    imp = preview(world, csv_upload(ROWS))
    assert imp.state == ImportState.PREVIEWED and imp.problems == []
    assert (imp.line_count, imp.new_count, imp.matched_count) == (2, 2, 1)
    assert imp.total_amount == 3_398_400 + 1_500_000
    assert [line["unit"] for line in imp.lines] == ["TZH490L", ""]
    assert not Payment.objects.exists()  # the preview stores no transfer

    payment_import_confirm(actor=world.officer_a, imp=imp)
    first, second = Payment.objects.order_by("unc_number")
    assert (first.unc_number, first.paid_on, first.amount) == (
        "UNC0001",
        date(2026, 11, 5),
        3_398_400,
    )
    assert first.employer == world.unit_a and first.status == PaymentStatus.MATCHED
    assert first.payer_account == "001100123456" and first.payer_name == "CONG TY TNHH THU A"
    assert first.description == "BHXH TZH490L T11/2026 nop tien"
    assert second.employer is None and second.status == PaymentStatus.UNMATCHED
    (entry,) = AuditEntry.objects.filter(action="payment.import_stored")
    assert entry.actor_id == world.officer_a.pk and entry.office_id == world.office_a.pk
    assert (entry.data["new"], entry.data["matched"], entry.data["unmatched"]) == (2, 1, 1)


def test_csv_with_commas_english_headers_and_title_lines(world):
    header = ["Reference", "Date", "Amount", "Payer account", "Payer name", "Details"]
    upload = csv_upload(
        [["FT26310", "2026-11-07", "2000000 đ", "", "X", "BHXH DV0012A"]],
        header=header,
        delimiter=",",
    )
    imp = preview(world, upload)
    assert imp.state == ImportState.PREVIEWED, imp.problems
    assert imp.lines[0]["amount"] == 2_000_000 and imp.lines[0]["unit"] == "DV0012A"


def test_xlsx_with_typed_cells_and_bank_title_lines(world):
    rows = [
        ["UNC7", date(2026, 11, 9), 3398400, 1234567890, "CTY A", "nop BHXH thang 11 TZH490L"],
        ["UNC8", "10/11/2026", 100000.0, None, None, "khong ro"],
    ]
    upload = xlsx_upload(rows, titles=["NGÂN HÀNG TMCP", "Sao kê tài khoản 1234567890123"])
    imp = preview(world, upload)
    assert imp.state == ImportState.PREVIEWED, imp.problems
    payment_import_confirm(actor=world.officer_a, imp=imp)
    unc7 = Payment.objects.get(unc_number="UNC7")
    assert (unc7.paid_on, unc7.amount, unc7.payer_account) == (
        date(2026, 11, 9),
        3_398_400,
        "1234567890",
    )
    assert unc7.employer == world.unit_a
    assert Payment.objects.get(unc_number="UNC8").amount == 100_000


def test_camt053_only_credits_with_reference_debtor_and_remittance(world):
    upload = camt_upload(
        [
            camt_entry(
                amount="3398400.00",
                booked="2026-11-12",
                e2e="E2E-001",
                svcr="FT1",
                iban="VN12ABCD0011001234",
                name="CONG TY TNHH THU A",
                ustrd="BHXH TZH490L T11/2026",
            ),
            camt_entry(
                amount="500000",
                booked="2026-11-12",
                kind="DBIT",
                e2e="E2E-FEE",
                name="PHI",
                ustrd="phi dich vu",
            ),
            camt_entry(
                amount="750000",
                booked="2026-11-13",
                svcr="FT-SVC-2",
                other="0091000123",
                name="NGUYEN VAN Y",
                ustrd="chuyen khoan",
            ),
        ]
    )
    imp = preview(world, upload)
    assert imp.state == ImportState.PREVIEWED, imp.problems
    assert [line["unc"] for line in imp.lines] == ["E2E-001", "FT-SVC-2"]  # debit left out
    payment_import_confirm(actor=world.officer_a, imp=imp)
    first = Payment.objects.get(unc_number="E2E-001")
    assert (first.paid_on, first.amount, first.payer_account) == (
        date(2026, 11, 12),
        3_398_400,
        "VN12ABCD0011001234",
    )
    assert first.employer == world.unit_a and first.payer_name == "CONG TY TNHH THU A"
    assert first.description == "BHXH TZH490L T11/2026"
    # No end-to-end id: the bank's own reference is the UNC number.
    second = Payment.objects.get(unc_number="FT-SVC-2")
    assert (second.payer_account, second.status) == ("0091000123", PaymentStatus.UNMATCHED)


def test_camt053_with_a_doctype_is_refused_by_the_hardened_parser(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    evil = (
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<Document><BkToCstmrStmt>&x;</BkToCstmrStmt></Document>"
    )
    imp = preview(world, SimpleUploadedFile("evil.xml", evil))
    assert imp.state == ImportState.REFUSED
    assert imp.problems[0]["code"] == "XML_ENTITY_EXTERNAL"


def test_camt_other_message_and_other_currency_refused(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    imp = preview(
        world, SimpleUploadedFile("pain.xml", b"<Document><CstmrCdtTrfInitn/></Document>")
    )
    assert imp.problems[0]["code"] == "payments.not_camt"
    imp = preview(
        world, camt_upload([camt_entry(amount="10.00", booked="2026-11-12", svcr="FT9", ccy="USD")])
    )
    assert [p["code"] for p in imp.problems] == ["payments.currency"]


def test_refused_lines_are_listed_and_nothing_is_stored(world, client):
    rows = [
        ROWS[0],
        ["UNC0003", "31/02/2026", "1000000", "", "", ""],
        ["UNC0004", "07/11/2026", "12,5", "", "", ""],
        ["", "07/11/2026", "-300000", "", "", ""],
        ["UNC0001", "05/11/2026", "1000", "", "", "the same UNC twice on one day"],
    ]
    imp = preview(world, csv_upload(rows))
    assert imp.state == ImportState.REFUSED
    found = [(p["line"], p["code"]) for p in imp.problems]
    assert found == [
        (3, "payments.date"),
        (4, "payments.amount"),
        (5, "payments.required"),
        (5, "payments.amount"),
        (6, "payments.duplicate"),
    ]
    with pytest.raises(Refused) as refused:
        payment_import_confirm(actor=world.officer_a, imp=imp)
    assert refused.value.code == "payments.not_pending"
    assert not Payment.objects.exists()
    assert not AuditEntry.objects.filter(action="payment.import_stored").exists()
    # The preview page shows each refused line in Vietnamese.
    client.force_login(world.officer_a)
    html = client.get(f"/quan-ly/thu-tien/sao-ke/{imp.pk}/").content.decode()
    assert "không phải ngày dạng dd/mm/yyyy" in html and 'data-line="6"' in html


def test_missing_columns_and_wrong_format_refuse_the_file(world):
    imp = preview(world, csv_upload([["x", "05/11/2026"]], header=["Số UNC", "Ngày"]))
    assert [p["code"] for p in imp.problems] == ["payments.header"]
    assert "Số tiền" in imp.problems[0]["params"]["columns"]
    from django.core.files.uploadedfile import SimpleUploadedFile

    imp = preview(world, SimpleUploadedFile("sao-ke.pdf", b"%PDF-1.7"))
    assert [p["code"] for p in imp.problems] == ["payments.format"]


def test_the_same_statement_twice_stores_nothing_new(world):
    payment_import_confirm(actor=world.officer_a, imp=preview(world, csv_upload(ROWS)))
    again = preview(world, csv_upload(ROWS))
    assert (again.new_count, again.already_count) == (0, 2)
    with pytest.raises(Refused) as refused:
        payment_import_confirm(actor=world.officer_a, imp=again)
    assert refused.value.code == "payments.nothing_new"
    assert Payment.objects.count() == 2
    assert AuditEntry.objects.filter(action="payment.import_stored").count() == 1
    # A later statement overlapping the first stores only its new line.
    overlap = preview(world, csv_upload([*ROWS, ["UNC0009", "08/11/2026", "10000", "", "", ""]]))
    payment_import_confirm(actor=world.officer_a, imp=overlap)
    assert Payment.objects.count() == 3


def test_confirming_twice_stores_once(world):
    imp = preview(world, csv_upload(ROWS))
    payment_import_confirm(actor=world.officer_a, imp=imp)
    with pytest.raises(Refused) as refused:
        payment_import_confirm(actor=world.officer_a, imp=imp)
    assert refused.value.code == "payments.not_pending"
    assert Payment.objects.count() == 2
