"""Headless Chromium on a 375-px phone: a new worker without a number is declared on TK1-TS
from the row, the download waits for a clean check, and the grid scrolls inside its box."""

from __future__ import annotations

import base64
import io

import pytest
from lxml import etree

from tests.browser.test_declarations_flow import fill_row, sign_in
from tests.declarations.conftest import MST
from tests.factories import TEST_PASSWORD, EmployerFactory, employer_user

pytestmark = pytest.mark.browser

NEW_WORKER = {
    "HoTen": "Lê Văn Mới",
    "NgaySinh": "05/06/2000",
    "GioiTinh": "1",
    "CMND": "079200001234",
    "TienLuong": "7500000",
    "TuThang": "10/2026",
    "PA": "TM",
    "TyleDong": "32",
}
TK1 = {
    "QuocTich": "Việt Nam",
    "DanToc": "Kinh",
    "Diachi_KS": "Phường Bến Nghé, Quận 1, TP Hồ Chí Minh",
    "Diachi_NN": "12 Lê Lợi, Quận 1, TP Hồ Chí Minh",
    "MaTinhBenhVien": "79",
    "MaBenhVien": "79024",
}


def test_new_worker_declared_on_tk1_ts_then_downloaded_on_a_phone(
    reference_data_tx, page, tmp_path, artifacts_dir
):
    from declarations.intake.money_tables import money_tables_seed

    money_tables_seed()  # an earlier transactional test may have emptied the tables
    unit = EmployerFactory(unit_code="DV0375P", tax_code=MST, wage_zone="I")
    member = employer_user(unit, username="donvi_dt")
    page.set_viewport_size({"width": 375, "height": 812})
    sign_in(page, member.username, TEST_PASSWORD)
    page.goto("/giao-dich/lap/")
    download = page.locator("#download")
    assert download.is_disabled()  # nothing typed yet

    page.fill("#period", "10/2026")
    fill_row(page, 0, NEW_WORKER)
    page.locator("[data-testid=live] li[data-code='ROW_TK1_REQUIRED']").wait_for()
    assert download.is_disabled()
    number = page.locator("#d02-1-MasoBHXH")
    assert number.get_attribute("aria-invalid") == "true"
    assert "TK1-TS" in page.locator(f"#{number.get_attribute('aria-describedby')}").inner_text()

    page.locator("[data-testid=tk1-offers] button[data-offer='1']").click()
    assert page.locator("#tk1-1-HoTen").input_value() == NEW_WORKER["HoTen"]
    assert page.locator("#tk1-1-CMND").input_value() == NEW_WORKER["CMND"]
    for field, value in TK1.items():
        page.fill(f"#tk1-1-{field}", value)
    page.locator("[data-add-member]").click()
    page.fill("#hh-1-1-HoTen", "Lê Thị Vợ")
    page.fill("#hh-1-1-QuanHe", "Vợ")
    page.select_option("#hh-1-1-GioiTinh", "0")
    # A function, not an expression: the Content-Security-Policy refuses eval().
    page.wait_for_function("() => !document.getElementById('download').disabled")
    assert page.locator("[data-testid=live] li").count() == 0

    # The page fits the phone; the grid scrolls inside its own box.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 375
    assert page.evaluate(
        "() => { const box = document.querySelector('#rows').parentElement;"
        " return box.scrollWidth > box.clientWidth; }"
    )
    page.screenshot(path=str(artifacts_dir / "compose-tk1-phone.png"), full_page=True)

    with page.expect_download() as started:
        download.click()
    path = tmp_path / "unsigned.xml"
    started.value.save_as(path)
    envelope = etree.fromstring(path.read_bytes())
    files = {
        node.findtext("MaToKhai"): etree.fromstring(base64.b64decode(node.findtext("NoiDungFile")))
        for node in envelope.findall("NoiDung/ThongTinHoSo/ToKhais/FileToKhai")
    }
    person = files["TK1-TS"].find("NoiDung/LaoDong")
    assert person.findtext("HoTen") == NEW_WORKER["HoTen"]
    assert person.findtext("MaBenhVien") == "79024"
    assert person.findtext("ThanhVienHoGiaDinh/ThanhVien/QuanHe") == "Vợ"
    assert files["D02-LT"].findtext("NoiDung/LaoDong/MasoBHXH") == ""


def test_a_long_imported_list_is_shown_whole_and_downloaded(
    reference_data_tx, page, tmp_path, artifacts_dir
):
    from openpyxl import load_workbook

    from declarations.intake.imports import field_of
    from declarations.intake.money_tables import money_tables_seed
    from declarations.intake.workbooks import d02lt_template
    from tests.declarations.conftest import worker

    money_tables_seed()
    unit = EmployerFactory(unit_code="DV0120L", tax_code=MST, wage_zone="I")
    member = employer_user(unit, username="donvi_dai")
    book = load_workbook(io.BytesIO(d02lt_template()))
    sheet = book["D02-LT"]
    fields = [field_of(c.value) for c in sheet[1]]  # the template's headings, as imported
    for n in range(1, 121):
        row = {**worker(n), "STT": n, "GioiTinh": "Nam", "PA": "TM – Tăng mới"}
        sheet.append([row.get(f, "") for f in fields])
    path = tmp_path / "danh-sach.xlsx"
    book.save(path)

    sign_in(page, member.username, TEST_PASSWORD)
    page.goto("/giao-dich/lap/")
    page.fill("#period", "10/2026")
    page.set_input_files("#xlsx", str(path))
    page.click("#import")
    page.wait_for_function("() => document.querySelectorAll('#rows tbody tr').length === 120")
    assert page.locator("#d02-120-HoTen").input_value() == worker(120)["HoTen"]
    assert page.locator("#d02-120-PA").input_value() == "TM"
    page.wait_for_function("() => !document.getElementById('download').disabled")
    with page.expect_download() as started:
        page.click("#download")
    saved = tmp_path / "unsigned.xml"
    started.value.save_as(saved)
    node = etree.fromstring(saved.read_bytes()).find("NoiDung/ThongTinHoSo/ToKhais/FileToKhai")
    rows = etree.fromstring(base64.b64decode(node.findtext("NoiDungFile")))
    assert len(rows.findall("NoiDung/LaoDong")) == 120
