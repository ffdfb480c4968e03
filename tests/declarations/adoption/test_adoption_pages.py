"""Adoption pages: scoping and refusals, targets, assignments, export, query counts."""

from datetime import date
from io import BytesIO

import pytest
import time_machine
from openpyxl import load_workbook

from accounts.models import AuditEntry
from accounts.selectors import office_resolve
from declarations.adoption.models import AdoptionTarget, EmployerAssignment
from tests.declarations import adoption_world
from tests.factories import EmployerFactory, UserFactory, employer_user, grant

pytestmark = pytest.mark.usefixtures("reference_data")
URL = "/quan-ly/ty-le-dien-tu/"


@pytest.fixture(autouse=True)
def on_the_day():
    with time_machine.travel("2026-06-15 10:00 +0700", tick=False):
        yield


@pytest.fixture
def world():
    return adoption_world.build()


def staff(role, code, **kwargs):
    user = UserFactory(**kwargs)
    grant(user, role, office_resolve(code), valid_from=date(2026, 1, 1))
    return user


def test_a_national_leader_sees_the_leaderboard(client, world):
    client.force_login(staff("central_leader", "00"))
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="rate">41,2%' in html
    rows = response.context["data"].rows
    assert [r.code for r in rows[:2]] == ["75", "79"]
    assert "<svg" in html and 'data-series="rate"' in html


def test_a_collection_officer_sees_only_their_office(client, world):
    _e, officers = world
    client.force_login(officers["A"])
    response = client.get(URL)
    assert response.status_code == 200
    assert [o.code for o in response.context["offices"]] == ["7501"]
    assert response.context["data"].office.code == "7501"
    mine = client.get(URL, {"officer": officers["A"].pk})
    assert 'data-unit="DN0005A"' in mine.content.decode()
    assert 'data-unit="DN0001A"' not in mine.content.decode()  # already online
    # an officer of another office cannot be listed through this page
    assert client.get(URL, {"officer": officers["D"].pk}).status_code == 403
    other = office_resolve("7901")
    assert client.get(URL, {"office": other.pk}).status_code == 403
    assert client.get(URL + "xlsx", {"office": other.pk}).status_code == 403


def test_a_provincial_admin_sees_the_province_not_another(client, world):
    client.force_login(staff("provincial_admin", "75"))
    response = client.get(URL)
    assert [o.code for o in response.context["offices"]] == ["75", "7501", "7502"]
    assert client.get(URL, {"office": office_resolve("79").pk}).status_code == 403


@pytest.mark.parametrize("who", ["employer", "receiving_officer", "anonymous"])
def test_others_are_refused(client, world, who):
    if who == "employer":
        client.force_login(employer_user(EmployerFactory()))
    elif who == "receiving_officer":
        client.force_login(staff("receiving_officer", "7501"))
    response = client.get(URL)
    assert response.status_code == (302 if who == "anonymous" else 403)


def test_the_xlsx_export_holds_the_figures(client, world):
    client.force_login(staff("provincial_admin", "75"))
    response = client.get(URL + "xlsx", {"office": office_resolve("7501").pk, "months": 3})
    assert response.status_code == 200
    wb = load_workbook(BytesIO(response.content))
    series = list(wb.worksheets[0].iter_rows(min_row=3, max_row=6, values_only=True))
    assert [row[1:] for row in series] == [(4, 6, 66.7), (3, 6, 50.0), (3, 6, 50.0), (4, 6, 66.7)]
    pending = {row[1] for row in wb.worksheets[-1].iter_rows(min_row=2, values_only=True)}
    assert pending == {"DN0004A", "DN0005A"}  # F4 belongs to 7502, not to 7501


def test_a_provincial_admin_sets_a_target(client, world):
    client.force_login(staff("provincial_admin", "75"))
    office = office_resolve("7502")
    response = client.post(
        URL + "chi-tieu",
        {"office": office.pk, "share": "90", "due_on": "2016-03-31", "note": "CV 1234"},
    )
    assert response.status_code == 302
    target = AdoptionTarget.objects.get(office=office)
    assert target.share == 90 and target.due_on == date(2016, 3, 31)
    assert AuditEntry.objects.filter(action="adoption_target.set", target_id=target.pk).exists()


def test_target_refusals(client, world):
    _e, officers = world
    client.force_login(staff("provincial_admin", "75"))
    office = office_resolve("7501")
    client.post(URL + "chi-tieu", {"office": office.pk, "share": "120", "due_on": "2026-12-31"})
    client.post(
        URL + "chi-tieu",
        {"office": office.pk, "share": "50", "due_on": "2026-12-31", "officer": officers["D"].pk},
    )
    assert not AdoptionTarget.objects.filter(due_on=date(2026, 12, 31), officer=None).exists()
    assert not AdoptionTarget.objects.filter(officer=officers["D"]).exists()
    response = client.post(
        URL + "chi-tieu",
        {"office": office_resolve("79").pk, "share": "50", "due_on": "2026-12-31"},
    )
    assert response.status_code == 403
    client.force_login(officers["A"])  # an officer may not set targets
    response = client.post(
        URL + "chi-tieu", {"office": office.pk, "share": "50", "due_on": "2026-12-31"}
    )
    assert response.status_code == 403


def test_assigning_employers(client, world):
    e, officers = world
    admin = staff("provincial_admin", "75")
    client.force_login(admin)
    page = client.get("/quan-ly/phan-cong/")
    assert page.status_code == 200
    assert page.context["office"].code == "7501"
    units = {x.unit_code for x in page.context["page"]}
    assert units == {"DN0001A", "DN0002A", "DN0003A", "DN0004A", "DN0005A", "DN0006A"}
    office = office_resolve("7501")
    response = client.post(
        f"/quan-ly/phan-cong/?office={office.pk}",
        {"employers": [e["E5"].pk, e["E1"].pk], "officer": officers["C"].pk},
    )
    assert response.status_code == 302
    assert EmployerAssignment.objects.get(employer=e["E5"]).officer == officers["C"]
    assert EmployerAssignment.objects.get(employer=e["E1"]).assigned_by == admin
    assert AuditEntry.objects.filter(action="employer.assigned").count() == 2


def test_assignment_refusals(client, world):
    e, officers = world
    client.force_login(staff("provincial_admin", "75"))
    office = office_resolve("7501")
    # an officer of another office is not in the list: refused
    response = client.post(
        f"/quan-ly/phan-cong/?office={office.pk}",
        {"employers": [e["E5"].pk], "officer": officers["D"].pk},
    )
    assert response.status_code == 403
    # an employer of HCMC smuggled into the form: refused, nothing written
    response = client.post(
        f"/quan-ly/phan-cong/?office={office.pk}",
        {"employers": [e["E5"].pk, e["H2"].pk], "officer": officers["C"].pk},
    )
    assert response.status_code == 403
    assert EmployerAssignment.objects.get(employer=e["E5"]).officer == officers["A"]
    assert not EmployerAssignment.objects.filter(employer=e["H2"]).exists()
    # a collection officer may not assign
    client.force_login(officers["A"])
    assert client.get("/quan-ly/phan-cong/").status_code == 403


def test_the_hcmc_admin_never_sees_dong_nai_employers(client, world):
    client.force_login(staff("provincial_admin", "79"))
    page = client.get("/quan-ly/phan-cong/")
    units = {x.unit_code for x in page.context["page"]}
    assert units == {"HCM001A", "HCM002A", "HCM003A", "HCM004A"}
    other = office_resolve("7501")
    assert client.get("/quan-ly/phan-cong/", {"office": other.pk}).status_code == 403


@pytest.mark.parametrize(
    ("role", "code", "page"),
    [
        ("central_leader", "00", URL),
        ("provincial_admin", "75", URL),
        ("collection_officer", "7501", URL),
        ("provincial_admin", "75", "/quan-ly/phan-cong/"),
    ],
)
def test_pages_answer_in_a_constant_number_of_queries(
    client, world, role, code, page, django_assert_max_num_queries
):
    client.force_login(staff(role, code))
    client.get(page)  # warm the session and the content types
    officer = UserFactory()
    grant(officer, "collection_officer", office_resolve("7501"))
    for i in range(60):
        e = EmployerFactory(
            managing_office=office_resolve("7501" if i % 2 else "7901"),
            e_registered_on=date(2025, 1, 1) if i % 3 else None,
        )
        EmployerAssignment.objects.create(employer=e, officer=officer)
    with django_assert_max_num_queries(26):
        assert client.get(page).status_code == 200
