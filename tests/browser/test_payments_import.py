"""Headless Chromium: a collection officer uploads the collection account's statement
(CSV), reads the preview (each transfer and the unit it goes to; nothing stored yet),
confirms, then matches the transfer no unit was found for by hand, at phone width."""

import pytest
from playwright.sync_api import expect

from accounts.models import AuditEntry
from declarations.payments.models import KnownAccount, Payment, PaymentStatus
from tests.factories import TEST_PASSWORD, EmployerFactory, UserFactory, grant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STATEMENT = (
    "\ufeffNGÂN HÀNG TMCP - SAO KÊ TÀI KHOẢN CHUYÊN THU\r\n"
    "Số UNC;Ngày;Số tiền;Tài khoản chuyển;Tên người chuyển;Nội dung\r\n"
    "FT26310001;05/11/2026;3.398.400;0011 0012 3456;CONG TY TNHH THU A;"
    "BHXH TZH490L T11/2026 nop tien\r\n"
    "FT26310002;06/11/2026;1.500.000;0099887766;NGUYEN VAN X;chuyen tien bao hiem\r\n"
)


def test_collection_officer_imports_a_statement_and_matches_by_hand(
    reference_data_tx, office, page, tmp_path, artifacts_dir
):
    local = office("7501")
    unit = EmployerFactory(unit_code="TZH490L", managing_office=local, name="Công ty TNHH Thử A")
    EmployerFactory(unit_code="DV0012A", managing_office=local, tax_code="0312345675")
    user = UserFactory(username="thu_nhap")
    grant(user, "collection_officer", local)
    statement = tmp_path / "sao-ke-11-2026.csv"
    statement.write_text(STATEMENT, encoding="utf-8")

    page.set_viewport_size({"width": 375, "height": 800})
    page.goto("/tai-khoan/dang-nhap/")
    page.get_by_label("Tên đăng nhập").fill("thu_nhap")
    page.get_by_label("Mật khẩu").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/")
    page.goto("/quan-ly/thu-tien/sao-ke/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Nhập sao kê tài khoản chuyên thu")

    page.set_input_files("#id_file", str(statement))
    page.get_by_role("button", name="Kiểm tra sao kê").click()
    page.wait_for_url("**/thu-tien/sao-ke/*/")
    expect(page.get_by_test_id("count-new")).to_have_text("2")
    expect(page.get_by_test_id("count-matched")).to_have_text("1")
    expect(page.get_by_test_id("count-refused")).to_have_text("0")
    expect(page.get_by_test_id("count-total")).to_have_text("4.898.400\u00a0đ")
    first = page.locator('[data-testid="lines"] tr[data-unc="FT26310001"]')
    expect(first).to_contain_text("05/11/2026")
    expect(first).to_contain_text("TZH490L")
    assert not Payment.objects.exists()  # the preview stores nothing
    # The page itself does not scroll sideways at phone width: the tables scroll in their box.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.screenshot(path=str(artifacts_dir / "payments-import-preview.png"), full_page=True)

    page.get_by_role("button", name="Xác nhận nhập").click()
    expect(page.get_by_role("status").first).to_contain_text("Đã lưu 2 giao dịch")
    assert Payment.objects.get(unc_number="FT26310001").employer == unit

    page.goto("/quan-ly/thu-tien/chua-doi-chieu/")
    row = page.locator('[data-testid="queue"] tr[data-unc="FT26310002"]')
    expect(row).to_contain_text("1.500.000\u00a0đ")
    row.get_by_label("Mã đơn vị của giao dịch FT26310002").fill("dv0012a")
    row.get_by_role("button", name="Đối chiếu").click()
    expect(page.get_by_role("status").first).to_contain_text(
        "Đã đối chiếu giao dịch FT26310002 với đơn vị DV0012A."
    )
    expect(page.get_by_test_id("queue")).to_contain_text("Không có giao dịch nào chờ đối chiếu.")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.screenshot(path=str(artifacts_dir / "payments-queue-matched.png"), full_page=True)

    matched = Payment.objects.get(unc_number="FT26310002")
    assert matched.status == PaymentStatus.MATCHED and matched.employer.unit_code == "DV0012A"
    assert KnownAccount.objects.filter(account="0099887766").exists()
    assert AuditEntry.objects.filter(action="payment.matched", actor_id=user.pk).count() == 1
    assert AuditEntry.objects.filter(action="payment.import_stored").count() == 1
