"""The queue of unmatched transfers and their match by hand (audited, the payer's account
learnt), each officer within their offices; the pages refused to those without the role;
the list by unit and month; ``payments_for`` for the monthly statement."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from accounts.models import AuditEntry
from core.refusals import Refused
from declarations.payments.models import (
    KnownAccount,
    MatchMethod,
    Payment,
    PaymentImport,
    PaymentStatus,
)
from declarations.payments.selectors import payments_for, queue_for
from declarations.payments.services import (
    payment_import_confirm,
    payment_import_preview,
    payment_match,
)

from .conftest import NOV, csv_upload

pytestmark = pytest.mark.django_db

ROWS = [
    # pointed to by its details at a unit of office A
    ["UNC-A", "05/11/2026", "3398400", "0011001234", "CONG TY A", "BHXH TZH490L T11/2026"],
    # two units, one in each office: both offices see it
    ["UNC-AB", "06/11/2026", "200000", "", "", "TZH490L HN1234B"],
    # no unit at all: waits at the importing office (A)
    ["UNC-X", "07/11/2026", "1500000", "0099887766", "NGUYEN VAN X", "chuyen tien"],
]


@pytest.fixture
def stored(world):
    imp = payment_import_preview(
        actor=world.officer_a, office=world.office_a, upload=csv_upload(ROWS)
    )
    return payment_import_confirm(actor=world.officer_a, imp=imp)


def uncs(qs):
    return sorted(qs.values_list("unc_number", flat=True))


def test_each_officer_sees_the_transfers_of_their_offices(world, stored):
    assert uncs(queue_for(world.officer_a)) == ["UNC-AB", "UNC-X"]
    # Office B did not import the statement: the unassigned transfer is not theirs.
    assert uncs(queue_for(world.officer_b)) == ["UNC-AB"]
    assert uncs(queue_for(world.employer_a)) == []


def test_manual_match_is_audited_and_the_account_learnt(world, stored):
    payment = Payment.objects.get(unc_number="UNC-X")
    payment_match(actor=world.officer_a, payment=payment, unit_code=" dv0012a ")
    payment.refresh_from_db()
    assert payment.employer == world.unit_a2 and payment.status == PaymentStatus.MATCHED
    assert (payment.match_method, payment.matched_by) == (MatchMethod.MANUAL, world.officer_a)
    (entry,) = AuditEntry.objects.filter(action="payment.matched")
    assert entry.actor_id == world.officer_a.pk and entry.office_id == world.office_a.pk
    assert entry.data["unit"] == "DV0012A" and entry.data["account_learned"] is True
    assert KnownAccount.objects.filter(employer=world.unit_a2, account="0099887766").exists()
    assert "UNC-X" not in uncs(queue_for(world.officer_a))

    # The next transfer from that account matches by itself.
    later = payment_import_preview(
        actor=world.officer_a,
        office=world.office_a,
        upload=csv_upload(
            [["UNC-Y", "08/11/2026", "1500000", "0099887766", "NGUYEN VAN X", "chuyen tien T12"]]
        ),
    )
    payment_import_confirm(actor=world.officer_a, imp=later)
    auto = Payment.objects.get(unc_number="UNC-Y")
    assert (auto.employer, auto.match_method) == (world.unit_a2, MatchMethod.ACCOUNT)


def test_match_to_a_unit_of_another_office_is_refused(world, stored):
    payment = Payment.objects.get(unc_number="UNC-AB")
    with pytest.raises(Refused) as refused:
        payment_match(actor=world.officer_a, payment=payment, unit_code="HN1234B")
    assert refused.value.code == "payments.unit_unknown"
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.UNMATCHED
    assert not AuditEntry.objects.filter(action="payment.matched").exists()


def test_a_matched_transfer_cannot_be_matched_again(world, stored):
    payment = Payment.objects.get(unc_number="UNC-AB")
    payment_match(actor=world.officer_b, payment=payment, unit_code="HN1234B")
    with pytest.raises(Refused) as refused:
        payment_match(actor=world.officer_a, payment=payment, unit_code="TZH490L")
    assert refused.value.code == "payments.already_matched"
    assert refused.value.params == {"unit": "HN1234B"}


def test_match_page_refuses_another_offices_transfer(client, world, stored):
    unassigned = Payment.objects.get(unc_number="UNC-X")
    client.force_login(world.officer_b)
    answer = client.post(
        reverse("district:payment_match", args=[unassigned.pk]), {"unit_code": "HN1234B"}
    )
    assert answer.status_code == 404
    unassigned.refresh_from_db()
    assert unassigned.status == PaymentStatus.UNMATCHED
    # …nor does office B see office A's statement.
    imp = PaymentImport.objects.get()
    assert client.get(reverse("district:payments_import_detail", args=[imp.pk])).status_code == 404


def test_match_page_matches_within_the_office(client, world, stored):
    payment = Payment.objects.get(unc_number="UNC-X")
    client.force_login(world.officer_a)
    queue = client.get(reverse("district:payments_queue"))
    assert queue.status_code == 200 and 'data-unc="UNC-X"' in queue.content.decode()
    answer = client.post(
        reverse("district:payment_match", args=[payment.pk]), {"unit_code": "TZH490L"}, follow=True
    )
    assert "Đã đối chiếu giao dịch UNC-X với đơn vị TZH490L." in answer.content.decode()
    payment.refresh_from_db()
    assert payment.employer == world.unit_a


@pytest.mark.parametrize(
    "name",
    ["payments_import", "payments_queue", "payments"],
)
def test_pages_refused_to_employer_users_and_other_staff(client, world, name):
    from tests.declarations.review_world import staff

    client.force_login(world.employer_a)
    assert client.get(reverse(f"district:{name}")).status_code == 403
    client.force_login(staff("7501", role="receiving_officer"))
    assert client.get(reverse(f"district:{name}")).status_code == 403


def test_employer_user_cannot_post_a_statement_or_match(client, world, stored):
    client.force_login(world.employer_a)
    answer = client.post(
        reverse("district:payments_import"),
        {"office": world.office_a.pk, "file": csv_upload(ROWS)},
    )
    assert answer.status_code == 403
    payment = Payment.objects.get(unc_number="UNC-X")
    answer = client.post(
        reverse("district:payment_match", args=[payment.pk]), {"unit_code": "TZH490L"}
    )
    assert answer.status_code == 403
    assert PaymentImport.objects.count() == 1


def test_import_pages_upload_preview_and_confirm(client, world):
    client.force_login(world.officer_a)
    answer = client.post(
        reverse("district:payments_import"),
        {"office": world.office_a.pk, "file": csv_upload(ROWS)},
    )
    imp = PaymentImport.objects.get()
    assert answer.status_code == 302 and answer.url == reverse(
        "district:payments_import_detail", args=[imp.pk]
    )
    html = client.get(answer.url).content.decode()
    assert "3.398.400\u00a0đ" in html and "05/11/2026" in html and "TZH490L" in html
    assert not Payment.objects.exists()
    client.post(reverse("district:payments_import_confirm", args=[imp.pk]))
    assert Payment.objects.count() == 3


def test_office_of_another_import_is_refused(client, world):
    client.force_login(world.officer_a)
    answer = client.post(
        reverse("district:payments_import"),
        {"office": world.office_b.pk, "file": csv_upload(ROWS)},
    )
    assert answer.status_code == 200  # not a choice offered: the form says so
    assert not PaymentImport.objects.exists()


def test_list_by_unit_and_month_within_the_office(client, world, stored):
    Payment.objects.create(
        employer=world.unit_a,
        unc_number="OCT",
        paid_on=date(2026, 10, 30),
        amount=5,
        status=PaymentStatus.MATCHED,
    )
    client.force_login(world.officer_a)
    page = client.get(reverse("district:payments"), {"unit_code": "tzh490l", "month": "11/2026"})
    html = page.content.decode()
    assert 'data-unc="UNC-A"' in html and 'data-unc="OCT"' not in html
    assert "3.398.400\u00a0đ" in html
    client.force_login(world.officer_b)
    html = client.get(reverse("district:payments"), {"unit_code": "TZH490L"}).content.decode()
    assert 'data-unc="UNC-A"' not in html


def test_payments_for_gives_the_matched_transfers_of_the_month_in_date_order(world, stored):
    for unc, day, status in [
        ("LATE", date(2026, 11, 30), PaymentStatus.MATCHED),
        ("EARLY", date(2026, 11, 1), PaymentStatus.MATCHED),
        ("DEC", date(2026, 12, 1), PaymentStatus.MATCHED),
        ("OPEN", date(2026, 11, 2), PaymentStatus.UNMATCHED),
    ]:
        Payment.objects.create(
            employer=world.unit_a, unc_number=unc, paid_on=day, amount=1, status=status
        )
    got = [p.unc_number for p in payments_for(world.unit_a, NOV)]
    assert got == ["EARLY", "UNC-A", "LATE"]
    assert [p.unc_number for p in payments_for(world.unit_a, date(2026, 11, 17))] == got
    assert payments_for(world.unit_b, NOV) == []


def test_demo_statement_is_seeded_once_and_its_unmatched_transfer_queued(world):
    from declarations.payments.demo_data import payments_demo_seed

    assert payments_demo_seed(unit_code="TZH490L", officer=world.officer_a.username) == 2
    assert payments_demo_seed(unit_code="TZH490L", officer=world.officer_a.username) == 0
    assert Payment.objects.filter(employer=world.unit_a, status=PaymentStatus.MATCHED).exists()
    assert queue_for(world.officer_a).count() == 1
