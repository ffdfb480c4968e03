"""Headless Chromium: an IT officer uploads the collection system's export, reads the
preview (counts, nothing stored yet), confirms, and sees the stored closures."""

import pytest
from playwright.sync_api import expect

from closure_sync.models import ClosureRecord
from tests.factories import TEST_PASSWORD, UserFactory, grant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EXPORT = (
    "\ufeffMaDonVi,SoSoBHXH,MaSoBHXH,HoTen,NgaySinh,LoaiChotSo,NgayChotSo,TuThang,DenThang,"
    "TienLuong,TyleDong\r\n"
    "TZH490L,0101234567,,Nguyễn Văn Minh,12/04/1988,BHXH,15/01/2025,01/2016,12/2019,6200000,8\r\n"
    "TZH490L,0101234567,,Nguyễn Văn Minh,12/04/1988,BHXH,15/01/2025,01/2020,06/2024,8500000,8\r\n"
    "TZH490L,0101234568,,Trần Thị Hoa,,BHTN,20/02/2025,03/2018,08/2024,7000000,1\r\n"
)


def test_an_it_officer_imports_closures_with_a_preview(
    reference_data_tx, office, page, tmp_path, artifacts_dir
):
    user = UserFactory(username="cntt_nhap")
    grant(user, "it_staff", office("0101"))
    export = tmp_path / "xuat-chot-so.csv"
    export.write_text(EXPORT, encoding="utf-8")

    page.goto("/tai-khoan/dang-nhap/")
    page.get_by_label("Tên đăng nhập").fill("cntt_nhap")
    page.get_by_label("Mật khẩu").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/")
    page.get_by_role("link", name="Nhập chốt sổ").first.click()

    page.set_input_files("#id_file", str(export))
    page.get_by_role("button", name="Kiểm tra tệp").click()
    page.wait_for_url("**/chot-so/nhap-tep/*/")
    expect(page.get_by_test_id("count-new")).to_have_text("3")
    expect(page.get_by_test_id("count-refused")).to_have_text("0")
    expect(page.get_by_test_id("count-closures")).to_have_text("2")
    assert not ClosureRecord.objects.exists()  # the preview stores nothing
    page.screenshot(path=str(artifacts_dir / "closure-import-preview.png"), full_page=True)

    page.get_by_role("button", name="Xác nhận nhập").click()
    records = page.get_by_test_id("records")
    expect(records).to_contain_text("0101234567")
    expect(records).to_contain_text("Trần Thị Hoa")
    assert ClosureRecord.objects.count() == 2
    expect(records).to_contain_text("03/2018–08/2024: 7.000.000")
    page.screenshot(path=str(artifacts_dir / "closure-import-stored.png"), full_page=True)
