"""The procedures besides 600: 601 back-payment, 603/607/610 books and cards; their rules,
forms, time limits and what acceptance does."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine

from declarations.dossiers.models import ProcedureTimeLimit
from declarations.employers.pki.signing import sign_dossier
from declarations.employers.procedures import procedure_get
from declarations.intake.envelope import d01ts_build, envelope_build, tk1ts_build
from declarations.intake.pipeline import intake_submit
from declarations.intake.procedures.p601 import interest_of
from declarations.people.models import (
    CardStatus,
    ContributionAdjustment,
    DocumentEvent,
    EmploymentSpell,
    HealthCard,
    InsuranceBook,
    PersonIdentity,
)
from declarations.review.services import dossier_transition
from tests.declarations.conftest import worker

pytestmark = pytest.mark.django_db


@pytest.fixture
def decide():
    def run(dossier, to="accepted"):
        dossier_transition(actor=None, dossier=dossier, to="in_review")
        return dossier_transition(actor=None, dossier=dossier, to=to)

    return run


@pytest.fixture
def hired(signed, employer, decide):
    """Worker 1 hired (TM 10/2026) and accepted: person, spell, book and card exist."""
    dossier = intake_submit(data=signed([worker(1, TuThang="10/2026")]), channel="cli").dossier
    return decide(dossier)


@pytest.fixture
def file_tk1(employer, demo_pki):
    """``file_tk1(procedure, people)`` → the intake result of a signed TK1-TS-only dossier."""

    def run(procedure, people):
        unsigned = envelope_build(
            employer=employer,
            procedure=procedure_get(procedure),
            period="12/2026",
            files=[("TK1-TS", "TK1-TS.xml", "xml", tk1ts_build(people))],
        )
        data = sign_dossier(
            unsigned, key_pem=demo_pki.good.key_pem, cert_pem=demo_pki.good.cert_pem
        )
        return intake_submit(data=data, channel="cli")

    return run


def test_catalogue_names_forms_and_results_of_each_procedure():
    for code, form, required in [
        ("600", "D02-LT", True),
        ("600", "TK1-TS", False),
        ("600a", "D02-LT", True),
        ("601", "D02-LT", True),
        ("603", "TK1-TS", True),
        ("607", "TK1-TS", True),
        ("610", "TK1-TS", True),
    ]:
        procedure = procedure_get(code)
        assert procedure.form(form).required is required, (code, form)
        assert procedure.on_accept is not None and procedure.results, code
    assert procedure_get("600").form("D02-TS").code == "D02-LT"  # the older name


def test_every_procedure_has_a_time_limit():
    for code in ("600", "600a", "601", "603", "607", "610"):
        assert ProcedureTimeLimit.objects.filter(procedure_code=code, case="").exists(), code


# --- 601 truy đóng -------------------------------------------------------------------------


def test_interest_counts_each_day_at_the_rate_in_force():
    rates = [(date(2025, 7, 1), Decimal("0.03"))]
    # 10 days late at 0.03 %/day on 1,000,000 = 3,000; days before the first rate owe none.
    assert interest_of(1_000_000, date(2025, 7, 1), date(2025, 7, 11), rates) == 3_000
    assert interest_of(1_000_000, date(2025, 6, 21), date(2025, 7, 11), rates) == 3_000
    two = [(date(2025, 7, 1), Decimal("0.03")), (date(2025, 7, 6), Decimal("0.05"))]
    assert interest_of(1_000_000, date(2025, 7, 1), date(2025, 7, 11), two) == 1_500 + 2_500


def test_601_records_the_months_owed_with_interest(signed, employer, decide):
    rows = [worker(3, TuThang="01/2026", DenThang="02/2026", TienLuong="6000000")]
    result = intake_submit(data=signed(rows, procedure="601", period="12/2026"), channel="cli")
    assert result.ok, result.errors_as_dicts("en")
    with time_machine.travel(date(2026, 12, 20), tick=False):
        dossier = decide(result.dossier)
    (spell,) = EmploymentSpell.objects.filter(person__number="7900000003")
    assert (spell.from_month, spell.to_month) == (date(2026, 1, 1), date(2026, 2, 1))
    (owed,) = ContributionAdjustment.objects.filter(person__number="7900000003")
    assert owed.amount_due == 2 * 1_920_000  # 32 % of 6,000,000, two months
    # January is late from 01/02/2026 (322 days to 20/12/2026), February from 01/03 (294).
    assert owed.interest == round(1_920_000 * Decimal("0.0003") * (322 + 294))
    listed = dossier.notices.get(kind="accepted").data["people"][0]
    assert (listed["due"], listed["interest"]) == (owed.amount_due, owed.interest)


def test_601_refuses_months_not_in_the_past(signed, employer):
    rows = [worker(3, TuThang="11/2026", DenThang="12/2026")]
    result = intake_submit(data=signed(rows, procedure="601", period="12/2026"), channel="cli")
    assert [e.code for e in result.errors] == ["ROW_BACKPAY_MONTHS"]
    no_end = intake_submit(
        data=signed([worker(3, TuThang="01/2026")], procedure="601", period="12/2026"),
        channel="cli",
    )
    assert ("ROW_REQUIRED", "DenThang") in [(e.code, e.location.field) for e in no_end.errors]


# --- 603, 607, 610 books and cards -------------------------------------------------------


def test_607_reissues_the_book(hired, file_tk1, decide):
    result = file_tk1("607", [{"MasoBHXH": "7900000001", "LyDo": "MAT"}])
    assert result.ok, result.errors_as_dicts("en")
    assert result.dossier.deadline is not None
    decide(result.dossier)
    book = InsuranceBook.objects.get(person__number="7900000001")
    assert book.copies == 2
    assert DocumentEvent.objects.filter(book=book, kind="book_reissued").count() == 1


def test_607_from_another_province_takes_the_longer_time_limit(hired, file_tk1, employer):
    from accounts.selectors import office_resolve
    from tests.factories import EmployerFactory

    far = EmployerFactory(managing_office=office_resolve("3801"))
    person = hired.employer and EmploymentSpell.objects.get(person__number="7900000001").person
    EmploymentSpell.objects.create(
        person=person, employer=far, status="contributing", from_month=date(2018, 1, 1),
        to_month=date(2019, 12, 1), opened_plan="TM",
    )  # fmt: skip
    near = file_tk1("607", [{"MasoBHXH": "7900000001", "LyDo": "HONG"}])
    assert near.ok, near.errors_as_dicts("en")
    assert near.dossier.summary["time_case"] == "other-province"


def test_610_new_hospital_reissues_the_card_and_takes_three_days(hired, file_tk1, decide):
    old = HealthCard.objects.get(person__number="7900000001")
    result = file_tk1(
        "610",
        [
            {
                "MasoBHXH": "7900000001",
                "LyDo": "DOI_KCB",
                "MaTinhBenhVien": "79",
                "MaBenhVien": "024",
            }
        ],
    )
    assert result.ok, result.errors_as_dicts("en")
    assert result.dossier.summary["time_case"] == "data-changed"
    decide(result.dossier)
    old.refresh_from_db()
    new = HealthCard.objects.filter(person__number="7900000001").order_by("-id").first()
    assert old.status == CardStatus.REPLACED and new.status == CardStatus.ACTIVE
    assert (new.number, new.valid_from, new.hospital) == (old.number, old.valid_from, "79024")


def test_610_lost_card_is_same_day(hired, file_tk1):
    result = file_tk1("610", [{"MasoBHXH": "7900000001", "LyDo": "MAT"}])
    assert result.ok and result.dossier.summary["time_case"] == ""


def test_603_corrects_the_identity_as_a_new_version(hired, file_tk1, decide):
    before = PersonIdentity.objects.filter(person__number="7900000001").count()
    result = file_tk1(
        "603", [{"MasoBHXH": "7900000001", "LyDo": "DOI_TT", "HoTen": "Nguyễn Văn Một"}]
    )
    assert result.ok, result.errors_as_dicts("en")
    decide(result.dossier)
    identities = PersonIdentity.objects.filter(person__number="7900000001")
    assert identities.count() == before + 1
    assert identities.first().full_name == "Nguyễn Văn Một"
    assert identities.last().full_name == "Nguyễn Văn 1"  # the old version stays


@pytest.mark.parametrize(
    ("procedure", "person", "code"),
    [
        ("607", {"MasoBHXH": "7900000001", "LyDo": "DOI_KCB"}, "ROW_REASON_CODE"),
        ("607", {"MasoBHXH": "7999999999", "LyDo": "MAT"}, "ROW_PERSON_UNKNOWN"),
        ("607", {"MasoBHXH": "79", "LyDo": "MAT"}, "ROW_BHXH_FORMAT"),
        ("610", {"MasoBHXH": "7900000001", "LyDo": "DOI_KCB"}, "ROW_NOTHING_CHANGES"),
        ("603", {"MasoBHXH": "7900000001", "LyDo": "DOI_TT"}, "ROW_NOTHING_CHANGES"),
    ],
)
def test_book_and_card_rules(hired, file_tk1, procedure, person, code):
    assert code in [e.code for e in file_tk1(procedure, [person]).errors]


def test_a_person_of_another_unit_is_refused(hired, file_tk1, signed, decide):
    decide(
        intake_submit(
            data=signed([worker(1, PA="GH", TuThang="12/2026", TyleDong="")], procedure="600a"),
            channel="cli",
        ).dossier
    )
    result = file_tk1("610", [{"MasoBHXH": "7900000001", "LyDo": "MAT"}])
    assert [e.code for e in result.errors] == ["ROW_PERSON_NOT_IN_UNIT"]


# D01-TS (bảng kê thông tin): a row reaching back before the period rests on a document.
def test_a_back_dated_increase_needs_its_document_in_d01ts(signed, employer):
    late = worker(3, TuThang="08/2026", HoTen="Đỗ Văn Muộn", MasoBHXH="7900000333")
    refused = intake_submit(data=signed([worker(1), late]), channel="cli")
    assert [(e.code, e.location.row, e.location.field) for e in refused.errors] == [
        ("ROW_D01_REQUIRED", 2, "TuThang")
    ]
    assert "bảng kê thông tin D01-TS" in refused.errors[0].text("vi")
    other = d01ts_build([{"HoTen": "Người Khác", "MasoBHXH": "7900000999",
                          "LoaiVanBan": "Hợp đồng lao động", "SoHieuVanBan": "12/HĐLĐ"}])  # fmt: skip
    refused = intake_submit(
        data=signed([worker(1), late], extra_files=[("D01-TS", "D01-TS.xml", "xml", other)]),
        channel="cli",
    )
    assert [e.code for e in refused.errors] == ["ROW_D01_REQUIRED"]  # another person's document
    listed = d01ts_build(
        [
            {
                "MasoBHXH": "7900000333",
                "HoTen": "Đỗ Văn Muộn",
                "LoaiVanBan": "Hợp đồng lao động",
                "SoHieuVanBan": "15/2026/HĐLĐ",
                "NgayBanHanh": "01/08/2026",
                "CoQuanBanHanh": "Công ty",
                "TrichYeu": "Hợp đồng không xác định thời hạn",
            }
        ]
    )
    result = intake_submit(
        data=signed([worker(1), late], extra_files=[("D01-TS", "D01-TS.xml", "xml", listed)]),
        channel="cli",
    )
    assert result.ok, result.errors_as_dicts("en")
    assert sorted(f.form_code for f in result.dossier.files.all()) == ["D01-TS", "D02-LT"]


def test_a_d01ts_line_names_its_document_and_a_decrease_needs_none(signed, employer):
    blank = d01ts_build([{"MasoBHXH": "7900000001", "NgayBanHanh": "31/02/2026"}])
    refused = intake_submit(
        data=signed([worker(1)], extra_files=[("D01-TS", "D01-TS.xml", "xml", blank)]),
        channel="cli",
    )
    assert sorted((e.code, e.location.form, e.location.field) for e in refused.errors) == [
        ("ROW_DATE_FORMAT", "D01-TS", "NgayBanHanh"),
        ("ROW_REQUIRED", "D01-TS", "LoaiVanBan"),
        ("ROW_REQUIRED", "D01-TS", "SoHieuVanBan"),
    ]
    # A back-dated decrease (600a) is not an increase: no document asked for.
    gone = worker(1, PA="GH", TuThang="08/2026", TyleDong="")
    assert intake_submit(data=signed([gone], procedure="600a"), channel="cli").ok
