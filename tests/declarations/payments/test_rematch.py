"""A match by hand teaches the payer's account: the unmatched transfers already stored from
that account are matched with it, in the same action, each audited; those naming another
unit stay in the queue."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import AuditEntry
from declarations.payments.models import MatchMethod, Payment, PaymentStatus
from declarations.payments.selectors import queue_for
from declarations.payments.services import (
    payment_import_confirm,
    payment_import_preview,
    payment_match,
)

from .conftest import csv_upload

pytestmark = pytest.mark.django_db

ACCOUNT = "0099887766"
ROWS = [
    # three transfers from one unknown account, naming no unit: all wait in the queue
    ["UNC-1", "03/11/2026", "1000000", ACCOUNT, "NGUYEN VAN X", "chuyen tien T9"],
    ["UNC-2", "05/11/2026", "1100000", ACCOUNT, "NGUYEN VAN X", "chuyen tien T10"],
    ["UNC-3", "07/11/2026", "1200000", ACCOUNT, "NGUYEN VAN X", "chuyen tien T11"],
    # same account, but its details name another unit (conflicting evidence): stays queued
    ["UNC-4", "06/11/2026", "900000", ACCOUNT, "NGUYEN VAN X", "BHXH TZH490L HN1234B"],
    # another account: untouched
    ["UNC-5", "06/11/2026", "800000", "0123123123", "TRAN VAN Y", "chuyen tien"],
]


@pytest.fixture
def stored(world):
    imp = payment_import_preview(
        actor=world.officer_a, office=world.office_a, upload=csv_upload(ROWS)
    )
    return payment_import_confirm(actor=world.officer_a, imp=imp)


def status_of(unc):
    p = Payment.objects.get(unc_number=unc)
    return p.status, p.employer_id


def test_the_transfers_waiting_from_the_learnt_account_are_matched_with_it(world, stored):
    assert {p.unc_number for p in queue_for(world.officer_a)} >= {"UNC-1", "UNC-2", "UNC-3"}
    done = payment_match(
        actor=world.officer_a,
        payment=Payment.objects.get(unc_number="UNC-3"),
        unit_code="DV0012A",
    )
    assert done.payment.unc_number == "UNC-3"
    assert [p.unc_number for p in done.rematched] == ["UNC-1", "UNC-2"]
    for unc in ("UNC-1", "UNC-2"):
        p = Payment.objects.get(unc_number=unc)
        assert (p.status, p.employer) == (PaymentStatus.MATCHED, world.unit_a2)
        assert (p.match_method, p.matched_by) == (MatchMethod.ACCOUNT, world.officer_a)
    assert status_of("UNC-4")[0] == PaymentStatus.UNMATCHED
    assert status_of("UNC-5")[0] == PaymentStatus.UNMATCHED
    entries = AuditEntry.objects.filter(action="payment.rematched").order_by("id")
    assert [e.data["unc"] for e in entries] == ["UNC-1", "UNC-2"]
    assert {e.data["after"] for e in entries} == {"UNC-3"}
    assert {e.office_id for e in entries} == {world.office_a.pk}
    assert AuditEntry.objects.filter(action="payment.matched").count() == 1
    left = {p.unc_number for p in queue_for(world.officer_a)}
    assert not left & {"UNC-1", "UNC-2", "UNC-3"}


@pytest.mark.parametrize(
    ("unc", "more", "rematched"),
    [
        ("UNC-1", "Đã đối chiếu cùng lúc 2 giao dịch khác từ cùng tài khoản.", 2),
        ("UNC-5", None, 0),  # an account with nothing else waiting: nothing more said
    ],
)
def test_the_success_message_says_how_many_were_matched_with_it(
    client, world, stored, unc, more, rematched
):
    payment = Payment.objects.get(unc_number=unc)
    client.force_login(world.officer_a)
    answer = client.post(
        reverse("district:payment_match", args=[payment.pk]),
        {"unit_code": "DV0012A"},
        follow=True,
    )
    text = answer.content.decode()
    assert f"Đã đối chiếu giao dịch {unc} với đơn vị DV0012A." in text
    assert (more in text) if more else ("cùng tài khoản" not in text)
    assert AuditEntry.objects.filter(action="payment.rematched").count() == rematched
