"""Headless Chromium: register → office approves → compose → download → sign with the CLI →
upload → receipt PDF; and the trial-credential path with its held result."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from declarations.dossiers.models import Dossier
from declarations.employers.models import EStatus
from tests.declarations.conftest import MST
from tests.factories import EmployerFactory, UserFactory, employer_user, grant

pytestmark = pytest.mark.browser

ROW = {
    "HoTen": "Trần Thị Mai",
    "MasoBHXH": "7912345678",
    "NgaySinh": "12/03/1992",
    "GioiTinh": "0",
    "CMND": "079192001234",
    "TienLuong": "7500000",
    "TuThang": "10/2026",
    "PA": "TM",
    "TyleDong": "32",
}


def sign_in(page, username, password):
    page.context.clear_cookies()
    page.goto("/tai-khoan/dang-nhap/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("main button[type=submit]")
    page.wait_for_url("**/")


SELECTS = {"GioiTinh", "PA"}  # chosen from a list, not typed


def fill_row(page, index: int, values: dict):
    row = page.locator("#rows tbody tr").nth(index)
    for field, value in values.items():
        cell = row.locator(f"[data-field='{field}']")
        if field in SELECTS:
            cell.select_option(value)
        else:
            cell.fill(value)


def test_register_approve_compose_sign_upload_receipt(
    reference_data_tx, page, pki_files, artifacts_dir
):
    from tests.factories import TEST_PASSWORD

    unit = EmployerFactory(unit_code="DV0099B", tax_code=MST, wage_zone="I")
    officer = UserFactory(username="chuyenquan")
    grant(officer, "collection_officer", unit.managing_office)

    # 1. The employer registers in the browser; the certificate is checked at once.
    page.goto("/giao-dich/dang-ky/")
    page.fill("#id_unit_code", "DV0099B")
    page.fill("#id_tax_code", MST)
    page.fill("#id_unit_name", unit.name)
    page.fill("#id_address", "1 Lê Lợi, Quận 1")
    page.fill("#id_email", "ketoan@dv0099b.example.vn")
    page.fill("#id_phone", "0281234567")
    page.check("input[name=procedures][value='600']")
    page.set_input_files("#id_certificate", str(pki_files / "unit.cert.pem"))
    # The 04/ĐK-IVAN built from the form, signed with the certificate's key (proof of
    # possession) by the command-line tool, attached and sent.
    with page.expect_download() as form_04:
        page.click("#download-04")
    unsigned_04 = pki_files / "04.xml"
    form_04.value.save_as(unsigned_04)
    call_command(
        "sign_form",
        "--key",
        str(pki_files / "unit.key.pem"),
        "--cert",
        str(pki_files / "unit.cert.pem"),
        str(unsigned_04),
        str(pki_files / "04-signed.xml"),
    )
    page.set_input_files("#id_signed_form", str(pki_files / "04-signed.xml"))
    page.click("main button[value=submit]")
    page.get_by_test_id("registered").wait_for()

    # 2. The managing office approves; the unit gets its login.
    sign_in(page, "chuyenquan", TEST_PASSWORD)
    page.goto("/giao-dich/dang-ky/duyet/")
    page.locator("tr[data-unit='DV0099B'] button[value=approve]").click()
    login = page.get_by_test_id("login").inner_text()
    password = page.get_by_test_id("password").inner_text()
    unit.refresh_from_db()
    assert unit.e_status == EStatus.ACTIVE

    # 3. The employer composes the list, with live validation.
    sign_in(page, login, password)
    page.goto("/giao-dich/lap/")
    page.fill("#period", "10/2026")
    fill_row(page, 0, ROW)
    page.click("#add-row")
    fill_row(page, 1, {**ROW, "MasoBHXH": "12", "CMND": "079192001235", "HoTen": "Sai Mã"})
    page.locator("[data-testid=live] li[data-code='ROW_BHXH_FORMAT']").wait_for()
    page.locator("#rows tbody tr").nth(1).locator("button").click()
    # A function, not an expression: Playwright evaluates an expression with eval(), which
    # the Content-Security-Policy (script-src 'self') refuses.
    page.wait_for_function("() => !document.querySelector('[data-testid=live] li')")
    page.screenshot(path=str(artifacts_dir / "compose.png"), full_page=True)

    # 4. Download the dossier, sign it with the command-line tool, upload it.
    with page.expect_download() as download:
        page.click("#download")
    unsigned = pki_files / "unsigned.xml"
    download.value.save_as(unsigned)
    signed = pki_files / "signed.xml"
    call_command(
        "sign_dossier",
        "--key",
        str(pki_files / "unit.key.pem"),
        "--cert",
        str(pki_files / "unit.cert.pem"),
        str(unsigned),
        str(signed),
    )
    page.goto("/giao-dich/nop/")
    page.set_input_files("#id_file", str(signed))
    page.click("main button[type=submit]")
    code = page.get_by_test_id("transaction-code").inner_text()
    dossier = Dossier.objects.get(transaction_code=code)
    assert dossier.worker_count == 1 and dossier.channel == "portal"

    # 5. The receipt downloads as a PDF.
    with page.expect_download() as pdf:
        page.get_by_test_id("pdf-receipt").click()
    path = pki_files / "receipt.pdf"
    pdf.value.save_as(path)
    assert path.read_bytes().startswith(b"%PDF")
    page.screenshot(path=str(artifacts_dir / "receipt.png"), full_page=True)


def test_trial_credential_path_holds_the_result(reference_data_tx, page, pki_files):
    from tests.factories import TEST_PASSWORD

    unit = EmployerFactory(unit_code="TN0001A", tax_code=MST, wage_zone="I")
    member = employer_user(unit, username="donvi_thu")
    officer = UserFactory(username="cq_thu")
    grant(officer, "collection_officer", unit.managing_office)
    receiver = UserFactory(username="tiepnhan_thu")
    grant(receiver, "receiving_officer", unit.managing_office)

    sign_in(page, "cq_thu", TEST_PASSWORD)
    page.goto(f"/giao-dich/don-vi/{unit.pk}/ma-thu-nghiem/")
    page.fill("#id_expires_on", (timezone.localdate() + timedelta(days=30)).strftime("%d/%m/%Y"))
    page.click("main button[type=submit]")
    secret = page.get_by_test_id("trial-secret").locator("code").inner_text()

    sign_in(page, member.username, TEST_PASSWORD)
    page.goto("/giao-dich/lap/")
    page.fill("#period", "10/2026")
    fill_row(page, 0, ROW)
    page.fill("#trial_secret", "TN-WRONG")
    page.click("#send-trial")
    page.locator("[data-testid=errors] tr[data-code='TRIAL_INVALID']").wait_for()
    fill_row(page, 0, ROW)
    page.fill("#trial_secret", secret)
    page.click("#send-trial")
    page.get_by_test_id("transaction-code").wait_for()
    held = page.get_by_test_id("paper").inner_text()
    dossier = Dossier.objects.get()
    assert dossier.paper_required and dossier.result_held and held

    sign_in(page, "tiepnhan_thu", TEST_PASSWORD)
    page.goto(f"/giao-dich/ho-so/{dossier.pk}/")
    page.locator("form[action$='da-nhan-giay/'] button").click()
    page.get_by_test_id("paper").wait_for()
    dossier.refresh_from_db()
    assert not dossier.result_held and dossier.paper_received_at
