"""Headless Chromium, issue 20's journey: the employer composes a 600 with a new worker
(TK1-TS) and a decrease; the reviewer sees the rows beside the registry and decides; the
employer prints the result notice listing the card; then answers a supplement request."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from declarations.dossiers.models import Dossier
from declarations.employers.procedures import procedure_get
from declarations.intake.envelope import d02lt_build, envelope_build
from declarations.intake.pipeline import intake_submit
from declarations.people.models import CardStatus, HealthCard, Person
from declarations.review.services import dossier_transition
from tests.browser.test_compose_page import NEW_WORKER
from tests.browser.test_declarations_flow import fill_row, sign_in
from tests.declarations.conftest import MST, register_cert, worker
from tests.factories import TEST_PASSWORD, EmployerFactory, UserFactory, employer_user, grant

pytestmark = pytest.mark.browser

LEAVING = {
    "HoTen": "Nguyễn Văn 1",
    "MasoBHXH": "7900000001",
    "NgaySinh": "26/04/1995",
    "GioiTinh": "1",
    "CMND": "079095000001",
    "TuThang": "10/2026",
    "PA": "GH",
}


def sign_file(pki_files, unsigned: bytes, name: str):
    path = pki_files / f"{name}.xml"
    path.write_bytes(unsigned)
    call_command(
        "sign_dossier",
        "--key",
        str(pki_files / "unit.key.pem"),
        "--cert",
        str(pki_files / "unit.cert.pem"),
        str(path),
        str(pki_files / f"{name}-signed.xml"),
    )
    return pki_files / f"{name}-signed.xml"


def test_compose_review_notice_and_supplement(reference_data_tx, page, unit_pki, artifacts_dir):
    from declarations.employers.models import EStatus

    pki_files, pki = unit_pki
    unit = EmployerFactory(
        unit_code="DV2020N", tax_code=MST, wage_zone="I", e_status=EStatus.ACTIVE
    )
    register_cert(unit, pki.good)
    member = employer_user(unit, username="donvi_nl")
    officer = UserFactory(username="tiepnhan_nl")
    grant(officer, "receiving_officer", unit.managing_office)
    # A worker hired earlier, accepted: in the registry with an open spell and a card.
    earlier = sign_file(
        pki_files,
        envelope_build(
            employer=unit,
            procedure=procedure_get("600"),
            period="09/2026",
            files=[("D02-LT", "D02-LT.xml", "xml", d02lt_build([worker(1, TuThang="09/2026")]))],
        ),
        "earlier",
    )
    first = intake_submit(data=earlier.read_bytes(), channel="cli").dossier
    dossier_transition(actor=None, dossier=first, to="in_review")
    dossier_transition(actor=None, dossier=first, to="accepted")

    # 1. The employer composes: a new worker (declared on TK1-TS) and a decrease.
    sign_in(page, member.username, TEST_PASSWORD)
    page.goto("/giao-dich/lap/")
    page.fill("#period", "10/2026")
    fill_row(page, 0, NEW_WORKER)
    page.locator("[data-testid=tk1-offers] button[data-offer='1']").click()
    page.fill("#tk1-1-QuocTich", "Việt Nam")
    page.fill("#tk1-1-DanToc", "Kinh")
    page.fill("#tk1-1-Diachi_KS", "Phường Bến Nghé, Quận 1, TP Hồ Chí Minh")
    page.fill("#tk1-1-Diachi_NN", "12 Lê Lợi, Quận 1, TP Hồ Chí Minh")
    page.fill("#tk1-1-MaTinhBenhVien", "79")
    page.fill("#tk1-1-MaBenhVien", "79024")
    page.click("#add-row")
    fill_row(page, 1, LEAVING)
    page.wait_for_function("() => !document.getElementById('download').disabled")
    with page.expect_download() as download:
        page.click("#download")
    unsigned = pki_files / "compose.xml"
    download.value.save_as(unsigned)
    signed = sign_file(pki_files, unsigned.read_bytes(), "compose")
    page.goto("/giao-dich/nop/")
    page.set_input_files("#id_file", str(signed))
    page.click("main button[type=submit]")
    code = page.get_by_test_id("transaction-code").inner_text()
    dossier = Dossier.objects.get(transaction_code=code)

    # 2. The reviewer reads the rows beside the registry and accepts.
    sign_in(page, officer.username, TEST_PASSWORD)
    page.goto(f"/quan-ly/tiep-nhan/{dossier.pk}/")
    page.get_by_test_id("decide-in_review").locator("button").click()
    content = page.get_by_test_id("content")
    content.wait_for()
    assert "Lê Văn Mới" in content.inner_text() and "7900000001" in content.inner_text()
    assert page.get_by_test_id("current-record").count() == 3  # two D02-LT rows, one TK1-TS
    page.screenshot(path=str(artifacts_dir / "review-rows.png"), full_page=True)
    page.get_by_test_id("decide-accepted").locator("button").click()
    page.get_by_test_id("state").wait_for()
    dossier.refresh_from_db()
    assert dossier.status == "accepted"
    new = Person.objects.get(identities__citizen_id="079200001234")
    card = HealthCard.objects.get(person=new)
    assert HealthCard.objects.get(person__number="7900000001").status == CardStatus.TO_RETURN

    # 3. The employer opens the result notice: it lists the new card; prints the PDF.
    sign_in(page, member.username, TEST_PASSWORD)
    page.goto("/giao-dich/")
    page.locator(f"tr[data-code='{code}'] a", has_text="chấp nhận").first.click()
    people = page.get_by_test_id("notice-people")
    people.wait_for()
    assert card.number in people.inner_text() and "phải nộp lại" in people.inner_text()
    with page.expect_download() as pdf:
        page.click("text=PDF")
    assert (pdf.value.path().read_bytes()).startswith(b"%PDF")
    page.goto("/giao-dich/nguoi-lao-dong/")
    assert page.locator(f"tr[data-number='{new.number}']").count() == 1

    # 4. Another dossier needs a supplement; the employer answers it from the history.
    later = sign_file(
        pki_files,
        envelope_build(
            employer=unit,
            procedure=procedure_get("600"),
            period="11/2026",
            files=[("D02-LT", "D02-LT.xml", "xml", d02lt_build([worker(5, TuThang="11/2026")]))],
        ),
        "later",
    )
    asked = intake_submit(data=later.read_bytes(), channel="cli").dossier
    dossier_transition(actor=None, dossier=asked, to="in_review")
    dossier_transition(
        actor=None, dossier=asked, to="supplement_requested", reasons=["BS01"], note=""
    )
    answer = sign_file(
        pki_files,
        envelope_build(
            employer=unit,
            procedure=procedure_get("600"),
            period="11/2026",
            files=[
                (
                    "D02-LT",
                    "D02-LT.xml",
                    "xml",
                    d02lt_build([worker(5, TuThang="11/2026", ChucVu="Kỹ sư")]),
                )
            ],
        ),
        "answer",
    )
    page.goto("/giao-dich/")
    page.locator(
        f"tr[data-code='{asked.transaction_code}'] [data-testid=answer-supplement]"
    ).click()
    page.get_by_test_id("supplement-to").wait_for()
    page.set_input_files("#id_file", str(answer))
    page.click("main button[type=submit]")
    page.get_by_test_id("transaction-code").wait_for()
    asked.refresh_from_db()
    assert asked.status == "supplemented" and asked.deadline is not None
