"""Matching transfers to units: by the payer's account (learnt, or declared on 604), by
the unit code or tax code in the details (case and spaces ignored); two units pointed to
→ left unmatched, in the queue of both units' offices."""

from __future__ import annotations

import pytest

from declarations.payments.lines import Transfer
from declarations.payments.matching import matches_find, reference_words
from declarations.payments.models import (
    KnownAccount,
    MatchMethod,
    Payment,
    PaymentCandidate,
    PaymentStatus,
)
from declarations.payments.services import payment_import_confirm, payment_import_preview

from .conftest import NOV, csv_upload

pytestmark = pytest.mark.django_db


def transfer(details="", account="", line=2):
    return Transfer(line, f"U{line}", NOV, 1_000_000, account, "", details)


def one(details="", account=""):
    return matches_find([transfer(details, account)])[2]


@pytest.mark.parametrize(
    "details",
    [
        "BHXH TZH490L T11/2026 nop tien",
        "bhxh tzh490l t11/2026",
        "NOP BHXH DV TZH 490L THANG 11",
        "CTY A NOP BHXH,BHYT,BHTN.TZH490L.",
        "MST 0101300842 nop BHXH T11",
    ],
)
def test_unit_code_or_tax_code_in_the_details(world, details):
    found = one(details)
    assert (found.employer_id, found.method) == (world.unit_a.pk, MatchMethod.REFERENCE)


def test_a_branch_is_known_by_its_13_digit_tax_code(world):
    from tests.declarations.review_world import unit

    branch = unit("7501", unit_code="CN0001A", tax_code="0101300842001")
    found = one("MST 0101300842-001 chi nhanh nop BHXH")
    assert (found.employer_id, found.method) == (branch.pk, MatchMethod.REFERENCE)


def test_nothing_recognisable_matches_nothing(world):
    found = one("chuyen tien dong bao hiem thang 11/2026")
    assert found.employer_id is None and found.candidates == set()


def test_known_account_matches_and_spelling_does_not_matter(world):
    KnownAccount.objects.create(employer=world.unit_a2, account="001100123456")
    found = one("nop tien thang 11", account="001100123456")
    assert (found.employer_id, found.method) == (world.unit_a2.pk, MatchMethod.ACCOUNT)


def test_declared_account_of_the_unit_matches(world):
    world.unit_b.bank_account = "0021 0003 9999"
    world.unit_b.save()
    found = one("nop tien", account="002100039999")
    assert (found.employer_id, found.method) == (world.unit_b.pk, MatchMethod.ACCOUNT)


def test_two_unit_codes_are_ambiguous(world):
    found = one("BHXH TZH490L va HN1234B T11")
    assert found.employer_id is None
    assert found.candidates == {world.unit_a.pk, world.unit_b.pk}


def test_account_and_reference_pointing_to_different_units_are_ambiguous(world):
    KnownAccount.objects.create(employer=world.unit_b, account="777")
    found = one("BHXH TZH490L", account="777")
    assert found.employer_id is None
    assert found.candidates == {world.unit_a.pk, world.unit_b.pk}


def test_an_account_shared_by_units_is_settled_by_the_reference(world):
    # A service firm pays for several units from one account.
    KnownAccount.objects.create(employer=world.unit_a, account="555")
    KnownAccount.objects.create(employer=world.unit_b, account="555")
    assert one("nop tien", account="555").employer_id is None
    found = one("BHXH HN1234B", account="555")
    assert (found.employer_id, found.method) == (world.unit_b.pk, MatchMethod.REFERENCE)


def test_the_account_settles_several_codes_when_it_is_one_of_them(world):
    KnownAccount.objects.create(employer=world.unit_b, account="888")
    found = one("TZH490L HN1234B", account="888")
    assert (found.employer_id, found.method) == (world.unit_b.pk, MatchMethod.ACCOUNT)


def test_reference_words_glue_spaced_codes_and_branch_tax_codes():
    codes, taxes = reference_words("bhxh tzh 490l mst 0101300842 - 001")
    assert "TZH490L" in codes
    assert taxes == {"0101300842001"}


def test_ambiguous_transfer_is_stored_unmatched_with_its_candidates(world):
    upload = csv_upload([["UNC1", "05/11/2026", "1000000", "", "", "TZH490L HN1234B"]])
    imp = payment_import_preview(actor=world.officer_a, office=world.office_a, upload=upload)
    assert imp.lines[0]["candidates"] == ["HN1234B", "TZH490L"] and imp.lines[0]["unit"] == ""
    payment_import_confirm(actor=world.officer_a, imp=imp)
    payment = Payment.objects.get()
    assert payment.status == PaymentStatus.UNMATCHED and payment.employer is None
    assert set(PaymentCandidate.objects.values_list("employer__unit_code", flat=True)) == {
        "TZH490L",
        "HN1234B",
    }
