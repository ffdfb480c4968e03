"""Statement pages: the employer's own statements, the office's, drill-downs, downloads,
summaries; another unit's or another office's statement is refused."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import AuditEntry
from declarations.statements.models import Statement
from declarations.statements.services import month_finalise, statements_issue
from tests.declarations.review_world import staff
from tests.declarations.statements.world import payment, rates_seed, unit, worker
from tests.factories import employer_user

pytestmark = pytest.mark.django_db
JAN = date(2026, 1, 1)


@pytest.fixture
def world(reference_data):
    rates_seed()
    employer = unit("0101")
    worker(employer, 5_310_000, JAN)
    worker(employer, 5_310_000, JAN)
    payment(employer, 3_000_000, date(2026, 1, 20), unc="UNC-PAGE-1")
    return employer


def test_employer_sees_its_statement_and_drills_down(client, world):
    client.force_login(employer_user(world))
    listing = client.get(reverse("declarations:statements"))
    assert listing.status_code == 200
    page = client.get(reverse("declarations:statement", args=[world.unit_code, "2026-01"]))
    html = page.content.decode()
    assert page.status_code == 200 and "3.398.400" in html and "2.655.000" in html
    assert 'data-testid="statement-state"' in html
    lines = client.get(
        reverse("declarations:statement_lines", args=[world.unit_code, "2026-01", "B.3.3"]),
        {"cot": "bhxh"},
    )
    body = lines.content.decode()
    assert lines.status_code == 200 and body.count("1.327.500") >= 2
    payments = client.get(
        reverse("declarations:statement_lines", args=[world.unit_code, "2026-01", "C.1"])
    )
    assert "UNC-PAGE-1" in payments.content.decode()


def test_another_units_statement_is_not_found(client, world):
    stranger = unit("0101")
    client.force_login(employer_user(stranger))
    for name in ("statement", "statement_xlsx", "statement_pdf"):
        url = reverse(f"declarations:{name}", args=[world.unit_code, "2026-01"])
        assert client.get(url).status_code == 404
    url = reverse("declarations:statement_lines", args=[world.unit_code, "2026-01", "B.3.3"])
    assert client.get(url).status_code == 404


def test_workbook_has_the_figures_and_the_lines(client, world):
    client.force_login(employer_user(world))
    response = client.get(reverse("declarations:statement_xlsx", args=[world.unit_code, "2026-01"]))
    book = load_workbook(io.BytesIO(response.content))
    sheet = book["C12-TS"]
    rows = {r[0]: r for r in sheet.iter_rows(values_only=True) if r and r[0]}
    assert rows["B.3.3"][2:] == (2_655_000, 477_900, 212_400, 53_100, 3_398_400)
    assert sum(1 for r in book.worksheets[1].iter_rows(values_only=True) if r[0] == "B.3.3") == 2


def test_collection_officer_sees_units_of_the_office_only(client, world):
    month_finalise(JAN)
    officer = staff("0101", role="collection_officer")
    client.force_login(officer)
    listing = client.get(reverse("district:statements"), {"thang": "2026-01"})
    assert f'data-unit="{world.unit_code}"' in listing.content.decode()
    page = client.get(reverse("district:statement", args=[world.unit_code, "2026-01"]))
    assert page.status_code == 200 and "3.398.400" in page.content.decode()
    summary = client.get(reverse("district:statements_summary"))
    assert summary.status_code == 200
    html = summary.content.decode()
    assert 'data-series="due"' in html and 'data-value="3398400"' in html
    other = staff("3801", role="collection_officer")
    client.force_login(other)
    assert (
        client.get(reverse("district:statement", args=[world.unit_code, "2026-01"])).status_code
        == 404
    )
    listing = client.get(reverse("district:statements"), {"thang": "2026-01"})
    assert world.unit_code not in listing.content.decode()


def test_employers_have_no_office_pages(client, world):
    client.force_login(employer_user(world))
    assert client.get(reverse("district:statements_summary")).status_code == 403


def test_finalising_twice_stores_one_statement_and_one_audit_entry(world):
    assert month_finalise(JAN) == 1
    assert month_finalise(JAN) == 0
    assert Statement.objects.filter(employer=world, month=JAN).count() == 1
    assert AuditEntry.objects.filter(action="statement.month_finalised").count() == 1


def test_final_statement_is_issued_once_and_downloaded(client, world):
    month_finalise(JAN)
    assert statements_issue(JAN) == 1
    assert statements_issue(JAN) == 0
    statement = Statement.objects.get(employer=world, month=JAN)
    assert (
        statement.document_id and statement.document_number == f"C12-TS-{world.unit_code}-2026-01"
    )
    client.force_login(employer_user(world))
    response = client.get(reverse("declarations:statement_pdf", args=[world.unit_code, "2026-01"]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    from declarations.dossiers.models import IssuedDocument

    document = IssuedDocument.objects.get(pk=statement.document_id)
    assert bytes(document.pdf) == response.content
    assert b"<KyThongBao>01/2026</KyThongBao>" in bytes(document.xml)


def test_a_final_statement_not_issued_yet_is_issued_on_first_download(client, world):
    month_finalise(JAN)
    client.force_login(employer_user(world))
    url = reverse("declarations:statement_pdf", args=[world.unit_code, "2026-01"])
    first, second = client.get(url), client.get(url)
    assert first.status_code == 200 and first.content == second.content
    from declarations.dossiers.models import IssuedDocument

    assert IssuedDocument.objects.filter(kind="statement").count() == 1


def test_the_month_end_job_finalises_and_issues_last_month_once(world):
    from declarations.statements.services import last_month_finalise

    assert last_month_finalise(today=date(2026, 2, 1)) == {
        "month": "01/2026",
        "stored": 1,
        "issued": 1,
    }
    assert last_month_finalise(today=date(2026, 2, 1)) == {
        "month": "01/2026",
        "stored": 0,
        "issued": 0,
    }


def test_the_beat_task_stores_then_issues_in_small_tasks(world):
    from declarations.statements.tasks import statements_finalise_last_month

    result = statements_finalise_last_month.apply(kwargs={"today": "2026-02-01"}).get()
    assert result == {"month": "01/2026", "stored": 1, "queued": 1}
    assert Statement.objects.get(employer=world, month=JAN).document_id
    again = statements_finalise_last_month.apply(kwargs={"today": "2026-02-01"}).get()
    assert again == {"month": "01/2026", "stored": 0, "queued": 0}
