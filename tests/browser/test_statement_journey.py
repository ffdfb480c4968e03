"""Headless Chromium, issue 22's statement journey: the employer signs in, opens its
monthly statement (C12-TS), drills down from a figure to the workers behind it and
downloads the PDF of the notice signed by the office (SoftHSM2 token)."""

from __future__ import annotations

import io
from datetime import date

import pytest

from core import agency_signing
from declarations.statements.models import Statement
from declarations.statements.services import month_finalise, statements_issue
from tests.browser.test_declarations_flow import sign_in
from tests.declarations.statements.world import payment, rates_seed, unit, worker
from tests.factories import TEST_PASSWORD, employer_user

pytestmark = pytest.mark.browser
JAN = date(2026, 1, 1)


@pytest.fixture
def hsm(settings):
    from tests.agency_hsm import agency_hsm

    made = agency_hsm()
    made.configure(settings)
    yield made
    agency_signing.agency_sessions_close()


def test_employer_opens_drills_down_and_downloads_the_signed_pdf(
    reference_data_tx, hsm, page, artifacts_dir
):
    from pyhanko.pdf_utils.reader import PdfFileReader

    rates_seed()
    employer = unit("0101", unit_code="DV2222C")
    worker(employer, 5_310_000, JAN)
    worker(employer, 5_310_000, JAN)
    payment(employer, 3_000_000, date(2026, 1, 20), unc="UNC-JOURNEY-1")
    month_finalise(JAN)
    assert statements_issue(JAN) == 1
    member = employer_user(employer, username="donvi_c12")

    sign_in(page, member.username, TEST_PASSWORD)
    page.goto("/giao-dich/thong-bao-c12/")
    page.locator("[data-month='2026-01'] a").first.click()
    page.wait_for_url("**/thong-bao-c12/DV2222C/2026-01/")
    assert page.locator("[data-testid=statement-state]").inner_text() == "Chính thức"
    due = page.locator("tr[data-row='B.3.3'] td[data-column='total'] a")
    assert due.inner_text().replace("\u00a0", " ") == "3.398.400 đ"
    page.set_viewport_size({"width": 375, "height": 800})
    page.screenshot(path=str(artifacts_dir / "statement-phone.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})

    # Drill down: BHXH of the month's amount due is the two workers' 1,327,500 each.
    page.locator("tr[data-row='B.3.3'] td[data-column='bhxh'] a").click()
    page.wait_for_url("**/chi-tiet/B.3.3/?cot=bhxh")
    rows = page.locator("[data-testid=statement-lines] tbody tr")
    assert rows.count() == 2
    assert "1.327.500" in rows.first.inner_text()
    assert "2.655.000" in page.locator("[data-testid=lines-total]").inner_text()
    page.go_back()

    with page.expect_download() as download_info:
        page.locator("[data-testid=statement-pdf]").click()
    body = download_info.value.path().read_bytes()
    assert body.startswith(b"%PDF")
    (signature,) = PdfFileReader(io.BytesIO(body)).embedded_signatures
    assert signature.field_name
    statement = Statement.objects.get(employer=employer, month=JAN)
    assert statement.document_number == "C12-TS-DV2222C-2026-01"
