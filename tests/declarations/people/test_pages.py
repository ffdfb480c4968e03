"""The people pages: a person's timeline (staff), a unit's workforce, cards to return, PDFs;
each scoped to who asks."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import AuditEntry
from declarations.intake.pipeline import intake_submit
from declarations.people.models import CardStatus, HealthCard
from declarations.review.services import dossier_transition
from tests.declarations.conftest import worker
from tests.declarations.review_world import staff, unit
from tests.factories import employer_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def accepted(signed, employer):
    def run(rows, **kwargs):
        dossier = intake_submit(data=signed(rows, **kwargs), channel="cli").dossier
        dossier_transition(actor=None, dossier=dossier, to="in_review")
        return dossier_transition(actor=None, dossier=dossier, to="accepted")

    accepted_once = run([worker(1, TuThang="10/2026"), worker(2, TuThang="10/2026")])
    accepted_once.run = run
    return accepted_once


def office_code(employer):
    return employer.managing_office.code


def test_staff_of_the_office_see_the_timeline(client, accepted, employer):
    officer = staff(office_code(employer))
    client.force_login(officer)
    page = client.get(reverse("district:person", args=["7900000001"]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Nguyễn Văn 1" in html and "10/2026" in html and accepted.transaction_code in html
    assert HealthCard.objects.get(person__number="7900000001").number in html
    (entry,) = AuditEntry.objects.filter(action="person.viewed")
    assert (entry.actor_id, entry.data["number"]) == (officer.pk, "7900000001")
    assert entry.office_id == employer.managing_office_id


def test_timeline_refused_outside_the_office_and_to_employers(client, accepted, employer):
    other_office = "3801" if not office_code(employer).startswith("38") else "0101"
    client.force_login(staff(other_office))
    assert client.get(reverse("district:person", args=["7900000001"])).status_code == 404
    client.force_login(employer_user(employer))
    assert client.get(reverse("district:person", args=["7900000001"])).status_code == 403
    assert not AuditEntry.objects.filter(action="person.viewed").exists()  # nothing shown


def test_search_finds_only_what_the_office_may_see(client, accepted, employer):
    client.force_login(staff(office_code(employer)))
    found = client.get(reverse("district:people"), {"so": "7900000001"})
    assert found.status_code == 302 and found.url.endswith("/7900000001/")
    missing = client.get(reverse("district:people"), {"so": "7999999999"})
    assert missing.status_code == 200


def test_workforce_of_the_unit_and_nobody_else(client, accepted, employer):
    client.force_login(employer_user(employer))
    page = client.get(reverse("declarations:workforce"))
    assert page.status_code == 200
    assert [
        r for r in ("7900000001", "7900000002") if f'data-number="{r}"' in page.content.decode()
    ] == [
        "7900000001",
        "7900000002",
    ]
    stranger = unit(office_code(employer))
    client.force_login(employer_user(stranger))
    page = client.get(reverse("declarations:workforce"))
    assert "7900000001" not in page.content.decode()
    # …nor through a unit code: that is for staff within their offices.
    asked = client.get(reverse("declarations:workforce"), {"don-vi": employer.unit_code})
    assert asked.status_code == 404


def test_staff_open_a_unit_workforce_within_their_offices(client, accepted, employer):
    client.force_login(staff(office_code(employer)))
    page = client.get(reverse("declarations:workforce"), {"don-vi": employer.unit_code})
    assert page.status_code == 200 and "7900000001" in page.content.decode()


def test_decreased_worker_leaves_the_workforce_and_the_card_is_listed(client, accepted, employer):
    accepted.run([worker(1, PA="GH", TuThang="12/2026", TyleDong="")], procedure="600a")
    client.force_login(employer_user(employer))
    html = client.get(reverse("declarations:workforce")).content.decode()
    assert 'data-number="7900000001"' not in html and 'data-number="7900000002"' in html
    assert 'data-testid="to-return"' in html


def test_the_cards_to_return_are_paged_never_cut(client, accepted, employer):
    from datetime import date

    from declarations.people.models import Person

    people = Person.objects.bulk_create(Person(number=f"795{n:07d}") for n in range(1, 56))
    HealthCard.objects.bulk_create(
        HealthCard(
            person=p, employer=employer, number=f"DN479{p.number}", object_code="DN",
            benefit_level="4", province_code="79", valid_from=date(2026, 1, 1),
            covered_to=date(2026, 11, 30), status=CardStatus.TO_RETURN, return_asked_by=accepted,
        )
        for p in people
    )  # fmt: skip
    client.force_login(employer_user(employer))
    first = client.get(reverse("declarations:workforce")).content.decode()
    assert first.count("DN4797950") == 50 and "(55)" in first
    assert "the=2" in first
    second = client.get(reverse("declarations:workforce"), {"the": 2}).content.decode()
    assert second.count("DN4797950") == 5


def test_office_records_a_returned_card_with_one_audit_entry(client, accepted, employer):
    accepted.run([worker(1, PA="GH", TuThang="12/2026", TyleDong="")], procedure="600a")
    card = HealthCard.objects.get(person__number="7900000001")
    officer = staff(office_code(employer))
    client.force_login(officer)
    listed = client.get(reverse("district:cards_to_return")).content.decode()
    assert card.number in listed
    client.post(reverse("district:card_returned", args=[card.pk]))
    card.refresh_from_db()
    assert card.status == CardStatus.RETURNED
    assert AuditEntry.objects.filter(action="card.returned", actor=officer).count() == 1
    # A second time: refused with its code, nothing written again.
    again = client.post(reverse("district:card_returned", args=[card.pk]), follow=True)
    assert "CARD_NOT_TO_RETURN" in again.content.decode()
    assert AuditEntry.objects.filter(action="card.returned").count() == 1
    # Another office's officer cannot.
    client.force_login(staff("3801" if not office_code(employer).startswith("38") else "0101"))
    assert client.post(reverse("district:card_returned", args=[card.pk])).status_code == 404


def test_card_and_book_pdfs_for_the_unit_only(client, accepted, employer):
    card = HealthCard.objects.get(person__number="7900000001")
    client.force_login(employer_user(employer))
    pdf = client.get(reverse("declarations:card_pdf", args=[card.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    book = client.get(reverse("declarations:book_pdf", args=["7900000001"]))
    assert book.status_code == 200 and book.content.startswith(b"%PDF")
    client.force_login(employer_user(unit(office_code(employer))))
    assert client.get(reverse("declarations:card_pdf", args=[card.pk])).status_code == 404
    assert client.get(reverse("declarations:book_pdf", args=["7900000001"])).status_code == 404


def test_the_accepted_notice_lists_each_person_with_the_card(client, accepted, employer):
    notice = accepted.notices.get(kind="accepted")
    client.force_login(employer_user(employer))
    html = client.get(reverse("declarations:notice", args=[notice.pk])).content.decode()
    card = HealthCard.objects.get(person__number="7900000002")
    assert 'data-testid="notice-people"' in html and card.number in html
    pdf = client.get(reverse("declarations:notice_pdf", args=[notice.pk]))
    assert pdf.status_code == 200


def test_reviewer_sees_each_row_beside_the_current_record(client, accepted, employer, signed):
    """A change of salary and a new name: the page marks what differs from the registry."""
    row = worker(1, PA="DC", TuThang="01/2027", TienLuong="9000000", HoTen="Nguyễn Văn Một")
    dossier = intake_submit(data=signed([row, worker(8)]), channel="cli").dossier
    client.force_login(staff(office_code(employer)))
    html = client.get(reverse("declarations:dossier", args=[dossier.pk])).content.decode()
    assert 'data-testid="current-record"' in html
    assert '<mark data-differs="1">Nguyễn Văn 1</mark>' in html  # the registered name
    assert '<mark data-differs="1">6.000.000</mark>' in html  # the salary on record
    assert "7900000008" in html and "Chưa có trong cơ sở dữ liệu" in html


def test_providers_see_only_the_units_that_chose_them_and_no_registry(client, accepted, employer):
    """An I-VAN provider's user acts for the units it carries: their workforce, nothing else;
    never a person's timeline, nor a card of a unit it does not carry."""
    from tests.factories import ProviderFactory, carry, provider_user

    chosen, other = ProviderFactory(), ProviderFactory()
    carry(employer, chosen)
    card = HealthCard.objects.get(person__number="7900000001")
    client.force_login(provider_user(other))
    assert client.get(reverse("declarations:workforce")).status_code == 404
    assert client.get(reverse("declarations:card_pdf", args=[card.pk])).status_code == 404
    assert client.get(reverse("district:person", args=["7900000001"])).status_code == 403
    client.force_login(provider_user(chosen))
    page = client.get(reverse("declarations:workforce"))
    assert page.status_code == 200 and 'data-number="7900000001"' in page.content.decode()
    assert client.get(reverse("district:person", args=["7900000001"])).status_code == 403
