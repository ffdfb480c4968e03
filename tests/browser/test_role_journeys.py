"""Headless Chromium on the embedded default (the portal started as ``scripts/dev.sh``
starts it, demo data loaded by the same commands): each role walks its main journey end to
end with no server error and no console error.

- employer: compose a 600, download it, sign it with the demo unit's key, upload it, the
  receipt, the history, the notice;
- receiving officer: the queue, a dossier, its decision;
- provincial admin: a personnel decision, the quarterly account report, the audit viewer
  and its chain check;
- collection (closure operator): confirm a closure, pushed to the central store at once (it
  answers from the same server, as dev.sh sets it up), and a backfill since 2008;
- IT: look up a worker's closed periods, receive a moving worker's, the compliance chart.

One portal serves the three journeys: migrating and loading the demo takes one to two
minutes, the journeys seconds each."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django_otp.oath import totp

from declarations.employers.pki.signing import sign_dossier
from tests.browser.embedded_portal import EmbeddedPortal, Watch, server_errors
from tests.browser.test_declarations_flow import fill_row

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser

EMPLOYER = "donvi_tzh490l"
EMPLOYER_UNIT = "TZH490L"
OFFICER = "tiepnhan_badinh"
ADMIN = "quantri_hanoi"


def today():
    return datetime.now(ZoneInfo(settings.TIME_ZONE)).date()


@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    portal = EmbeddedPortal(tmp_path_factory.mktemp("embedded-portal"))
    try:
        portal.setup()
        portal.start()
        yield portal
    finally:
        portal.stop()


@dataclass
class Journey:
    """A fresh browser on the portal and what went wrong in it so far."""

    page: Page
    portal: EmbeddedPortal
    watch: Watch
    log_start: int

    def note(self) -> None:
        """Have the links of the page on screen followed at the end."""
        self.watch.note_links(self.page)

    def check(self) -> None:
        """Fail on any server error (a response ≥ 500 or an error in the server's log),
        console error or uncaught exception seen so far, or a noted link that does not
        open."""
        failures = (
            self.watch.broken_links(self.page)
            + self.watch.failures
            + server_errors(self.portal.log_since(self.log_start))
        )
        assert not failures, "\n".join(failures)


@pytest.fixture
def journey(browser, portal):
    context = browser.new_context(base_url=portal.url, locale="vi-VN", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(20000)
    yield Journey(page, portal, Watch(page, portal.url), portal.log_size())
    context.close()


def sign_in(page, username: str) -> None:
    page.goto("/tai-khoan/dang-nhap/")
    page.fill("#id_username", username)
    page.fill("#id_password", settings.DEMO_PASSWORD)
    page.press("#id_password", "Enter")
    page.wait_for_url(lambda url: "/dang-nhap/" not in url)


def test_employer_composes_signs_and_reads_receipt_history_and_notice(journey, portal, tmp_path):
    page = journey.page
    period = today().strftime("%m/%Y")
    row = {
        "HoTen": "Phạm Thị Hạnh",
        "MasoBHXH": "0123456789",
        "NgaySinh": "21/08/1996",
        "GioiTinh": "0",
        "CMND": "001196004321",
        "TienLuong": "8800000",
        "TuThang": period,
        "PA": "TM",
        "TyleDong": "32",
    }
    sign_in(page, EMPLOYER)
    journey.note()  # the home page: deadlines, recent dossiers, notices

    # 1. Compose the list; the download waits for a clean check.
    page.get_by_role("link", name="Lập danh sách D02-LT").first.click()
    page.wait_for_url("**/giao-dich/lap/")
    page.fill("#period", period)
    fill_row(page, 0, row)
    page.wait_for_function("() => !document.getElementById('download').disabled")
    with page.expect_download() as download:
        page.click("#download")
    unsigned = tmp_path / "unsigned.xml"
    download.value.save_as(unsigned)

    # 2. Sign it with the demo unit's key, as its signing tool would, and upload it.
    signed = tmp_path / "signed.xml"
    signed.write_bytes(
        sign_dossier(
            unsigned.read_bytes(),
            key_pem=(portal.demo_pki / f"{EMPLOYER_UNIT}.key.pem").read_bytes(),
            cert_pem=(portal.demo_pki / f"{EMPLOYER_UNIT}.cert.pem").read_bytes(),
        )
    )
    page.goto("/")
    page.get_by_role("link", name="Nộp hồ sơ đã ký").first.click()
    page.set_input_files("#id_file", str(signed))
    page.click("main button[type=submit]")

    # 3. The receipt, at once, and its PDF.
    code = page.get_by_test_id("transaction-code").inner_text().strip()
    assert code
    journey.note()
    with page.expect_download() as pdf:
        page.get_by_test_id("pdf-receipt").click()
    assert pdf.value.path().read_bytes().startswith(b"%PDF")

    # 4. The history lists it as received, with its notice.
    page.goto("/giao-dich/")
    dossier_row = page.locator(f"tr[data-code='{code}']")
    assert "Đã tiếp nhận" in dossier_row.inner_text()
    journey.note()
    dossier_row.get_by_role("link", name="Thông báo tiếp nhận").click()

    # 5. The notice names the dossier and prints.
    notice = page.get_by_test_id("notice")
    assert code in notice.inner_text()
    journey.note()
    with page.expect_download() as notice_pdf:
        page.get_by_role("link", name="Tải PDF").click()
    assert notice_pdf.value.path().read_bytes().startswith(b"%PDF")
    journey.check()


def test_receiving_officer_opens_a_queued_dossier_and_accepts_it(journey):
    page = journey.page
    sign_in(page, OFFICER)
    page.get_by_role("link", name="Hồ sơ chờ xử lý").first.click()
    page.wait_for_url("**/quan-ly/tiep-nhan/")
    queue = page.get_by_test_id("queue")
    # A demo dossier nobody has claimed yet: claim it from the queue, then open it.
    journey.note()
    waiting = queue.locator("tbody tr", has=page.locator("form[action$='/nhan-xu-ly']")).first
    code = waiting.get_attribute("data-code")
    waiting.get_by_role("button", name="Nhận xử lý").click()
    page.get_by_role("link", name=code).click()
    assert page.get_by_test_id("officer").inner_text().strip() == "Lê Thu Hà"
    journey.note()

    page.get_by_test_id("decide-in_review").locator("button").click()
    page.get_by_test_id("decide-accepted").wait_for()
    assert page.get_by_test_id("state").inner_text().strip() == "Đang xử lý"
    page.get_by_test_id("decide-accepted").locator("button").click()
    page.wait_for_function(
        "() => document.querySelector('[data-testid=state]').textContent.trim() === 'Chấp nhận'"
    )
    # The result notice is issued and opens.
    result = page.get_by_test_id("notices").get_by_role("link").filter(has_text="KQ-")
    result.first.click()
    assert code in page.get_by_test_id("notice").inner_text()
    journey.note()

    # Decided, it leaves the queue.
    page.goto("/quan-ly/tiep-nhan/")
    assert page.locator(f"[data-testid=queue] tr[data-code='{code}']").count() == 0
    journey.check()


def otp_code(secret: str) -> str:
    return f"{totp(base64.b32decode(secret + '=' * (-len(secret) % 8))):06d}"


def test_provincial_admin_records_a_decision_reports_and_checks_the_audit_chain(journey):
    page = journey.page
    sign_in(page, ADMIN)
    # The role needs a second factor: first sign-in enrols an authenticator.
    page.wait_for_url("**/xac-thuc-hai-lop/dang-ky/**")
    page.fill("#id_token", otp_code(page.get_by_test_id("otp-secret").inner_text().strip()))
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: "xac-thuc-hai-lop" not in url)
    journey.note()

    # 1. A personnel decision: a retirement that locks the account on its effective date.
    page.get_by_role("link", name="Quyết định nhân sự").first.click()
    page.get_by_role("link", name="Ghi nhận quyết định").click()
    page.select_option("#id_user", label="Đặng Văn Lâu (canbo_it_dung)")
    page.fill("#id_number", "318/QĐ-BHXH")
    page.fill("#id_signed_on", today().isoformat())
    page.select_option("#id_kind", "retirement")
    page.fill("#id_effective_on", (today() + timedelta(days=30)).isoformat())
    page.click("main button[type=submit]")
    page.get_by_test_id("decision-status").wait_for()
    assert "Chờ ngày hiệu lực" in page.get_by_test_id("decision-status").inner_text()
    assert page.get_by_test_id("account-state").get_attribute("data-locked") == "no"
    journey.note()
    page.goto("/tai-khoan/quyet-dinh/")
    assert page.locator("main tbody tr", has_text="318/QĐ-BHXH").count() == 1
    journey.note()

    # 2. The quarterly account report of the quarter just ended: figures, files, sent.
    page.goto("/")
    page.get_by_role("link", name="Báo cáo tài khoản hằng quý").first.click()
    page.locator("main tbody a").first.click()
    page.get_by_test_id("report-figures").wait_for()
    journey.note()
    existing = page.locator("main section", has_text="Tài khoản hiện có").inner_text()
    assert OFFICER in existing and EMPLOYER not in existing
    with page.expect_download() as xlsx:
        page.get_by_test_id("download-xlsx").click()
    assert xlsx.value.path().read_bytes().startswith(b"PK")
    with page.expect_download() as pdf:
        page.get_by_role("link", name="Tải PDF").click()
    assert pdf.value.path().read_bytes().startswith(b"%PDF")
    page.get_by_role("button", name="Gửi Trung tâm CNTT").click()
    page.locator("main [data-state^='submitted']").first.wait_for()

    # 3. The audit viewer shows both actions; its chain check says intact.
    page.goto("/")
    page.get_by_role("link", name="Nhật ký hệ thống").first.click()
    mine = page.locator("main tbody tr", has_text=ADMIN)
    assert mine.locator("[data-action='decision.recorded']").count() >= 1
    assert mine.locator("[data-action='report.submitted']").count() >= 1
    page.get_by_test_id("verify-now").click()
    page.wait_for_url("**/tai-khoan/nhat-ky/")
    assert "Chuỗi nhật ký nguyên vẹn" in page.locator("body").inner_text()
    status = page.get_by_test_id("chain-status").inner_text()
    assert "Nguyên vẹn" in status and "chưa được kiểm tra" not in status
    journey.note()  # the filters' export, the pager
    journey.check()


def second_factor_if_asked(page) -> None:
    """The roles that need one enrol an authenticator at their first sign-in."""
    if "/xac-thuc-hai-lop/dang-ky/" in page.url:
        page.fill("#id_token", otp_code(page.get_by_test_id("otp-secret").inner_text().strip()))
        page.click("main button[type=submit]")
        page.wait_for_url(lambda url: "xac-thuc-hai-lop" not in url)


def test_closure_operator_confirms_a_closure_pushed_at_once_and_backfills(journey):
    page = journey.page
    sign_in(page, "chotso_badinh")
    second_factor_if_asked(page)
    page.goto("/chot-so/?status=draft")
    journey.note()
    page.get_by_role("link", name="DEMO-0101-0001 v1").click()
    page.get_by_role("button", name="Xác nhận chốt sổ").click()
    page.get_by_test_id("status").wait_for()
    assert page.get_by_test_id("status").inner_text().strip() == "Đã chốt"
    assert "Đã chuyển" in page.get_by_test_id("push-state").inner_text()  # on SQLite too
    journey.note()

    page.goto("/chot-so/chuyen/")
    page.locator("details.card summary").click()
    assert page.locator("#id_since").input_value() == "2008-01-01"
    page.get_by_role("button", name="Bắt đầu chuyển").click()
    page.wait_for_url("**/chot-so/chuyen/lan/*/")
    page.wait_for_function(
        "() => document.querySelector('[data-testid=job-percent]').textContent.trim() === '100'"
    )
    assert page.get_by_test_id("sum-failed").inner_text().strip() == "0"
    journey.check()


def test_it_staff_look_up_receive_and_read_the_compliance_chart(journey):
    page = journey.page
    sign_in(page, "cntt_hanoi")
    second_factor_if_asked(page)
    # Another province's worker (demo_central's moving worker): received into a Hà Nội office.
    page.goto("/chot-so/nhan/")
    page.fill("#id_lookup_book", "7901234570")
    page.locator("form.card button[type=submit]").first.click()
    held = page.get_by_test_id("held").locator("tbody tr")
    held.first.wait_for()
    assert held.count() == 2
    journey.note()
    office = page.locator("#id_office")
    if not office.input_value():  # several offices: receive into the first
        office.select_option(
            page.locator("#id_office option[value]:not([value=''])").first.get_attribute("value")
        )
    page.click("button[name=answer][value=yes]")
    page.wait_for_selector(".message.success")
    # Now in this province's records: the lookup finds them.
    page.goto("/chot-so/tra-cuu/")
    page.fill("#id_book_number", "7901234570")
    page.locator("form.card button[type=submit]").click()
    page.get_by_test_id("lookup-results").wait_for()
    journey.note()

    page.goto("/chot-so/tuan-thu/")
    chart = page.get_by_test_id("chart")
    chart.wait_for()
    for rect in chart.locator("rect").all():
        for name in ("x", "y", "width", "height"):
            value = rect.get_attribute(name)
            assert value.replace(".", "", 1).isdigit(), value  # a dot, never a decimal comma
    journey.note()
    journey.check()
