"""Accepting a 600 / 600a builds people, spells, books and cards; each plan code's effect."""

from __future__ import annotations

from datetime import date

import pytest

from accounts.models import AuditEntry
from declarations.intake.envelope import tk1ts_build
from declarations.intake.pipeline import intake_submit
from declarations.people.models import (
    CardStatus,
    ContributionAdjustment,
    EmploymentSpell,
    HealthCard,
    InsuranceBook,
    Person,
)
from declarations.people.plans import PLAN_CODES, Effect
from declarations.people.services import card_number, card_return_record
from declarations.review.services import dossier_transition
from tests.declarations.conftest import worker

pytestmark = pytest.mark.django_db


@pytest.fixture
def accept(signed):
    """``accept(rows, procedure=…, tk1=…)`` → the accepted dossier."""

    def run(rows, **kwargs):
        result = intake_submit(data=signed(rows, **kwargs), channel="cli")
        assert result.ok, result.errors_as_dicts("en")
        dossier = result.dossier
        dossier_transition(actor=None, dossier=dossier, to="in_review")
        return dossier_transition(actor=None, dossier=dossier, to="accepted")

    return run


def spells(number):
    return list(EmploymentSpell.objects.filter(person__number=number).order_by("from_month", "id"))


def card_of(number):
    return HealthCard.objects.filter(person__number=number).order_by("-id").first()


def test_every_official_plan_code_has_an_effect():
    codes = {code for _direction, code in PLAN_CODES}
    assert codes == {
        "TM", "TC", "TD", "ON", "AD", "DC", "TT", "TN", "CD",
        "GH", "GC", "GD", "KL", "TS", "OF", "SB", "TU", "GN",
    }  # fmt: skip
    assert all(isinstance(p.effect, Effect) for p in PLAN_CODES.values())


def test_tm_opens_a_spell_issues_the_book_and_the_card(accept, employer):
    dossier = accept([worker(1, TuThang="10/2026", DenThang="09/2027", MucHuong="4")])
    (spell,) = spells("7900000001")
    assert (spell.from_month, spell.to_month, spell.status) == (
        date(2026, 10, 1),
        None,
        "contributing",
    )
    assert (spell.salary, spell.job, spell.opened_plan, spell.opened_by) == (
        6_000_000,
        "Kế toán",
        "TM",
        dossier,
    )
    assert InsuranceBook.objects.get(person__number="7900000001").issued_by == dossier
    card = card_of("7900000001")
    province = card.province_code
    assert (
        card.number == f"DN4{province}7900000001" == card_number("DN", "4", province, "7900000001")
    )
    assert (card.valid_from, card.valid_to, card.status) == (
        date(2026, 10, 1),
        date(2027, 9, 30),
        CardStatus.ACTIVE,
    )
    people = dossier.notices.get(kind="accepted").data["people"]
    assert people[0]["book"] == "issued"
    assert people[0]["card"]["action"] == "issued"
    assert people[0]["card"]["number"] == card.number
    entry = AuditEntry.objects.filter(action="dossier.status_changed").order_by("-id").first()
    assert (entry.data["books_issued"], entry.data["cards_issued"]) == (1, 1)


def test_a_new_worker_without_a_number_needs_tk1_and_gets_one(accept, employer, signed):
    row = worker(5, MasoBHXH="", CMND="079095012345", HoTen="Lê Thị Mới", GioiTinh="0")
    refused = intake_submit(data=signed([row]), channel="cli")
    assert [e.code for e in refused.errors] == ["ROW_TK1_REQUIRED"]
    tk1 = tk1ts_build(
        [
            {
                "HoTen": "Lê Thị Mới",
                "NgaySinh": "26/04/1995",
                "GioiTinh": "0",
                "CMND": "079095012345",
                "QuocTich": "Việt Nam",
                "DanToc": "Kinh",
                "MaTinhBenhVien": "79",
                "MaBenhVien": "001",
                "household": [{"HoTen": "Lê Văn Cha", "QuanHe": "Cha", "NgaySinh": "1960"}],
            }
        ]
    )
    dossier = accept([row], tk1=tk1)
    person = Person.objects.get(created_by=dossier)
    assert len(person.number) == 10 and person.number.isdigit()
    identity = person.identities.first()
    assert (identity.full_name, identity.citizen_id, identity.ethnicity) == (
        "Lê Thị Mới",
        "079095012345",
        "Kinh",
    )
    assert [m.full_name for m in identity.household.all()] == ["Lê Văn Cha"]
    assert card_of(person.number).hospital == "79001"
    assert dossier.notices.get(kind="accepted").data["people"][0]["number"] == person.number


def test_the_same_citizen_id_finds_the_registered_person(accept, employer):
    tk1 = tk1ts_build([{"HoTen": "Phạm Văn Lại", "NgaySinh": "26/04/1995", "CMND": "079095099999"}])
    row = worker(7, MasoBHXH="", CMND="079095099999", HoTen="Phạm Văn Lại")
    first = accept([row], tk1=tk1)
    number = Person.objects.get(created_by=first).number
    accept([{**row, "MasoBHXH": number, "PA": "GH", "TyleDong": ""}], procedure="600a")
    accept([{**row, "TuThang": "12/2026"}], tk1=tk1)
    assert Person.objects.filter(identities__citizen_id="079095099999").distinct().count() == 1
    assert [s.opened_plan for s in spells(number)] == ["TM", "TM"]


def test_gh_closes_the_spell_and_asks_for_the_still_valid_card(accept, employer):
    accept([worker(1, TuThang="10/2026")])
    dossier = accept([worker(1, PA="GH", TuThang="12/2026", TyleDong="")], procedure="600a")
    (spell,) = spells("7900000001")
    assert (spell.to_month, spell.closed_plan, spell.closed_by) == (
        date(2026, 11, 1),
        "GH",
        dossier,
    )
    card = card_of("7900000001")
    assert (card.status, card.covered_to, card.return_asked_by) == (
        CardStatus.TO_RETURN,
        date(2026, 11, 30),
        dossier,
    )
    assert dossier.notices.get(kind="accepted").data["people"][0]["card"]["action"] == "to_return"


def test_a_card_already_expired_is_not_asked_back(accept, employer):
    accept([worker(1, TuThang="01/2026", DenThang="03/2026")], period="01/2026")
    accept([worker(1, PA="GH", TuThang="06/2026", TyleDong="")], procedure="600a")
    assert card_of("7900000001").status == CardStatus.ENDED


@pytest.mark.parametrize(("plan", "status", "card"), [
    ("TS", "maternity", CardStatus.ACTIVE),
    ("OF", "sick", CardStatus.ACTIVE),
    ("KL", "unpaid", CardStatus.TO_RETURN),
])  # fmt: skip
def test_pauses_keep_the_terms_and_the_card_only_when_the_fund_pays(
    accept, employer, plan, status, card
):
    accept([worker(1, TuThang="10/2026")])
    accept([worker(1, PA=plan, TuThang="12/2026", TyleDong="")], procedure="600a")
    before, paused = spells("7900000001")
    assert (before.to_month, before.closed_plan) == (date(2026, 11, 1), plan)
    assert (paused.status, paused.from_month, paused.to_month) == (status, date(2026, 12, 1), None)
    assert paused.salary == before.salary == 6_000_000
    assert card_of("7900000001").status == card


def test_on_after_unpaid_leave_reopens_and_issues_a_new_card(accept, employer):
    accept([worker(1, TuThang="10/2026")])
    accept([worker(1, PA="KL", TuThang="11/2026", TyleDong="")], procedure="600a")
    old = card_of("7900000001")
    accept([worker(1, PA="ON", TuThang="02/2027")])
    first, paused, back = spells("7900000001")
    assert (paused.status, paused.to_month) == ("unpaid", date(2027, 1, 1))
    assert (back.status, back.from_month, back.opened_plan) == (
        "contributing",
        date(2027, 2, 1),
        "ON",
    )
    new = card_of("7900000001")
    assert new.pk != old.pk and new.valid_from == date(2027, 2, 1) and new.status == "active"


def test_on_after_maternity_keeps_the_card(accept, employer):
    accept([worker(1, TuThang="10/2026")])
    accept([worker(1, PA="TS", TuThang="11/2026", TyleDong="")], procedure="600a")
    card = card_of("7900000001")
    accept([worker(1, PA="ON", TuThang="05/2027")])
    assert card_of("7900000001").pk == card.pk
    assert card_of("7900000001").status == "active"


@pytest.mark.parametrize("plan", ["DC", "CD", "TN"])
def test_changes_close_and_reopen_with_the_new_terms(accept, employer, plan):
    accept([worker(1, TuThang="10/2026")])
    accept([worker(1, PA=plan, TuThang="01/2027", TienLuong="9000000", ChucVu="Trưởng phòng")])
    old, new = spells("7900000001")
    assert (old.to_month, old.salary) == (date(2026, 12, 1), 6_000_000)
    assert (new.from_month, new.salary, new.job, new.to_month) == (
        date(2027, 1, 1),
        9_000_000,
        "Trưởng phòng",
        None,
    )
    assert HealthCard.objects.filter(person__number="7900000001").count() == 1


def test_dc_as_a_decrease_in_600a_is_a_salary_cut(accept, employer):
    accept([worker(1, TuThang="10/2026", TienLuong="9000000")])
    accept([worker(1, PA="DC", TuThang="01/2027", TienLuong="7000000")], procedure="600a")
    assert [s.salary for s in spells("7900000001")] == [9_000_000, 7_000_000]


@pytest.mark.parametrize("plan", ["TC", "TD"])
def test_transfer_in_replaces_the_card_of_the_previous_unit(accept, employer, plan):
    from tests.factories import EmployerFactory

    other = EmployerFactory(managing_office=employer.managing_office)
    person = Person.objects.create(number="7900000001")
    spell = EmploymentSpell.objects.create(
        person=person,
        employer=other,
        status="contributing",
        from_month=date(2020, 1, 1),
        opened_plan="TM",
    )
    previous = HealthCard.objects.create(
        person=person, employer=other, number="DN4797900000001", object_code="DN",
        benefit_level="4", province_code="79", valid_from=date(2020, 1, 1), hospital="79010",
    )  # fmt: skip
    accept([worker(1, PA=plan, TuThang="10/2026")])
    previous.refresh_from_db()
    assert previous.status == CardStatus.REPLACED
    new = card_of("7900000001")
    assert new.employer == employer and new.hospital == "79010"
    spell.refresh_from_db()
    assert spell.to_month is None  # the other unit's decrease closes its own spell
    # A person the registry did not know gets their book here.
    assert InsuranceBook.objects.get(person=person).employer == employer


@pytest.mark.parametrize(("plan", "procedure"), [
    ("AD", "600"), ("TT", "600"), ("SB", "600a"), ("TU", "600a"), ("GN", "600a"),
])  # fmt: skip
def test_adjustments_record_amounts_without_new_terms(accept, employer, plan, procedure):
    accept([worker(1, TuThang="10/2026")])
    # An increase-side adjustment declares the salary of those months and is checked as such.
    rate = "32" if procedure == "600" else ""
    row = worker(1, PA=plan, TuThang="10/2026", DenThang="11/2026", TienLuong="6500000")
    accept([{**row, "TyleDong": rate}], procedure=procedure)
    (adjustment,) = ContributionAdjustment.objects.filter(person__number="7900000001")
    assert (adjustment.plan, adjustment.from_month, adjustment.to_month, adjustment.salary) == (
        plan,
        date(2026, 10, 1),
        date(2026, 11, 1),
        6_500_000,
    )
    assert len(spells("7900000001")) == 1


def test_600_takes_both_codings_of_the_same_filing(accept, employer):
    """The catalogue's 600 files the decrease too; 600a is the I-VAN software's split."""
    accept([worker(1, TuThang="10/2026"), worker(2, TuThang="10/2026")])
    accept([worker(1, PA="GH", TuThang="12/2026", TyleDong=""), worker(3, TuThang="12/2026")])
    assert spells("7900000001")[0].to_month == date(2026, 11, 1)
    assert spells("7900000003")[0].to_month is None


def test_a_rejected_dossier_builds_nothing(signed, employer):
    result = intake_submit(data=signed([worker(1)]), channel="cli")
    dossier_transition(actor=None, dossier=result.dossier, to="in_review")
    dossier_transition(
        actor=None, dossier=result.dossier, to="rejected", reasons=["TC01"], note="Sai"
    )
    assert not Person.objects.exists()


def test_card_return_is_recorded_once_with_an_audit_entry(accept, employer, django_user_model):
    accept([worker(1, TuThang="10/2026")])
    accept([worker(1, PA="GH", TuThang="12/2026", TyleDong="")], procedure="600a")
    card = card_of("7900000001")
    card_return_record(actor=None, card=card)
    card.refresh_from_db()
    assert card.status == CardStatus.RETURNED and card.returned_at is not None
    assert AuditEntry.objects.filter(action="card.returned", target_id=str(card.pk)).count() == 1
    from core.refusals import Refused

    with pytest.raises(Refused):
        card_return_record(actor=None, card=card)


def test_per_row_decision_accepts_some_rows_and_returns_others(signed, employer, client):
    from django.urls import reverse

    from tests.declarations.review_world import staff

    dossier = intake_submit(data=signed([worker(1), worker(2), worker(3)]), channel="cli").dossier
    officer = staff(employer.managing_office.code)
    client.force_login(officer)
    client.post(reverse("district:review_transition", args=[dossier.pk]), {"to": "in_review"})
    page = client.get(reverse("district:review_dossier", args=[dossier.pk])).content.decode()
    assert 'data-testid="returned-rows"' in page and 'data-testid="content"' in page
    client.post(
        reverse("district:review_transition", args=[dossier.pk]),
        {"to": "accepted", "returned_rows": "2 TC02"},
    )
    dossier.refresh_from_db()
    assert dossier.status == "accepted"
    assert set(Person.objects.values_list("number", flat=True)) == {"7900000001", "7900000003"}
    notice = dossier.notices.get(kind="accepted")
    assert notice.data["returned"] == [{"stt": 2, "reason": "TC02"}]
    html = client.get(reverse("declarations:notice", args=[notice.pk])).content.decode()
    assert "STT 2: TC02" in html


def test_per_row_decision_refusals(signed, employer):
    from core.refusals import Refused
    from declarations.dossiers.reasons import returned_rows_parse

    with pytest.raises(Refused) as bad:
        returned_rows_parse("hai TC02")
    assert bad.value.code == "REVIEW_ROWS_FORMAT"
    with pytest.raises(Refused) as unknown:
        returned_rows_parse("2 BS01")  # a supplement reason, not a rejection
    assert unknown.value.code == "REVIEW_REASON_UNKNOWN"
    dossier = intake_submit(data=signed([worker(1)]), channel="cli").dossier
    dossier_transition(actor=None, dossier=dossier, to="in_review")
    with pytest.raises(Refused) as everything:
        dossier_transition(actor=None, dossier=dossier, to="accepted", returned={1: "TC02"})
    assert everything.value.code == "REVIEW_ROWS_ALL"
    assert not Person.objects.exists()


def test_a_held_result_lists_its_people_when_released(signed, employer):
    """A trial-credential dossier: the people are built at acceptance, the notice listing them
    comes when the paper set arrives."""
    from declarations.review.services import paper_set_record

    dossier = intake_submit(data=signed([worker(1)]), channel="cli").dossier
    dossier.paper_required = dossier.result_held = True
    dossier.save(update_fields=["paper_required", "result_held"])
    dossier_transition(actor=None, dossier=dossier, to="in_review")
    dossier_transition(actor=None, dossier=dossier, to="accepted")
    assert Person.objects.filter(number="7900000001").exists()
    assert not dossier.notices.filter(kind="accepted").exists()
    paper_set_record(actor=None, dossier=dossier)
    released = dossier.notices.get(kind="accepted")
    assert released.data["people"][0]["card"]["number"] == card_of("7900000001").number


def test_the_dossier_keeps_the_decision_and_the_notice_the_people(accept, employer):
    dossier = accept([worker(1)])
    assert "people" not in dossier.decision
    assert len(dossier.notices.get(kind="accepted").data["people"]) == 1
