"""Headless Chromium: manual push with filters → preview → Yes → live progress to 100 % →
summary (the job runs in a real worker process); lookup; receive."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from central.models import CentralClosure
from closure_sync import push
from closure_sync.models import ClosureRecord
from tests.factories import TEST_PASSWORD, UserFactory, grant

from .helpers import confirmed_closures

pytestmark = [
    pytest.mark.browser,
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True, databases=["default", "central"]),
]


def _login(page, username):
    page.goto("/tai-khoan/dang-nhap/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/")


def test_manual_push_lookup_and_receive_in_the_browser(
    reference_data_tx, office, central, credentials_file, celery_worker_process, page, artifacts_dir
):
    operator = UserFactory(username="chotso_test")
    grant(operator, "closure_operator", office("0101"))
    grant(operator, "collection_officer", office("0102"))
    confirmed_closures(120, office=office("0101"), unit_code="TZH490L", push_next_at=None)
    confirmed_closures(10, office=office("0101"), unit_code="KHAC001", push_next_at=None)
    celery_worker_process(
        extra_env={
            "CENTRAL_API_URL": central.url,
            "CLOSURE_CREDENTIALS_FILE": str(credentials_file),
            "CLOSURE_PUSH_BATCH_SIZE": "10",
        }
    )
    _login(page, "chotso_test")
    today = timezone.localdate().isoformat()

    page.goto("/chot-so/chuyen/")
    page.select_option("#id_office", str(office("0101").pk))
    page.fill("#id_confirmed_from", today)
    page.fill("#id_confirmed_to", today)
    page.fill("#id_unit_code", "TZH490L")
    page.click("button[name=answer][value=preview]")
    expect(page.get_by_test_id("preview")).to_contain_text("120")
    page.screenshot(path=str(artifacts_dir / "closure-push-preview.png"), full_page=True)
    page.click("button[name=answer][value=yes]")
    page.wait_for_url("**/chot-so/chuyen/lan/*/")
    # A function, not a string: the page's CSP (script-src 'self') forbids eval.
    page.wait_for_function(
        "() => document.querySelector('[data-testid=job-percent]').textContent === '100'",
        timeout=60000,
    )
    assert page.evaluate("() => document.getElementById('job-progress').value") == 100
    assert page.locator("#job-summary").is_visible()
    assert page.get_by_test_id("sum-pushed").inner_text() == "120"
    assert page.get_by_test_id("sum-failed").inner_text() == "0"
    page.screenshot(path=str(artifacts_dir / "closure-push-summary.png"), full_page=True)
    assert CentralClosure.objects.using("central").count() == 120

    page.goto("/chot-so/tra-cuu/")
    page.fill("#id_unit_code", "TZH490L")
    page.locator("form.card button[type=submit]").click()
    expect(page.get_by_test_id("lookup-results").locator("tbody tr")).to_have_count(20)
    page.locator("nav.pager a").last.click()
    page.wait_for_url("**page=2**")
    expect(page.get_by_test_id("lookup-results").locator("tbody tr")).to_have_count(20)

    book = ClosureRecord.objects.filter(unit_code="TZH490L").first().book_number
    page.goto("/chot-so/nhan/")
    page.fill("#id_lookup_book", book)
    page.locator("form.card button[type=submit]").first.click()
    expect(page.get_by_test_id("held").locator("tbody tr")).to_have_count(1)
    page.select_option("#id_office", str(office("0102").pk))
    page.fill("#id_from_month", "2019-01")
    page.fill("#id_to_month", "2019-06")
    page.click("button[name=answer][value=yes]")
    page.wait_for_selector(".message.success")
    page.screenshot(path=str(artifacts_dir / "closure-receive.png"), full_page=True)
    received = ClosureRecord.objects.get(office=office("0102"), book_number=book)
    assert received.periods.get().to_month.month == 6
    # The automatic push would find nothing more to do for the received copy.
    assert push.closure_push_due().pushed == 0


def test_collection_officer_enters_and_confirms_a_closure(
    reference_data_tx, office, central, page, artifacts_dir
):
    officer = UserFactory(username="thu_test")
    grant(officer, "collection_officer", office("0101"))
    _login(page, "thu_test")
    page.goto("/chot-so/tao/")
    page.select_option("#id_office", str(office("0101").pk))
    page.fill("#id_book_number", "0101999001")
    page.fill("#id_full_name", "Hoàng Thị Mai")
    page.fill("#id_birth_date", "1991-03-08")
    page.fill("#id_unit_code", "TZH490L")
    page.select_option("#id_kind", "bhxh")
    page.fill("#id_periods", "01/2019-12/2020 5.000.000 8\n01/2021-06/2024 6.500.000 8")
    page.locator("form.card button[type=submit]").click()
    expect(page.get_by_test_id("status")).to_have_text("Bản nháp")
    page.get_by_role("button", name="Xác nhận chốt sổ").click()
    expect(page.get_by_test_id("status")).to_have_text("Đã chốt")
    expect(page.get_by_test_id("push-state")).to_contain_text("Đã chuyển")
    page.screenshot(path=str(artifacts_dir / "closure-confirmed.png"), full_page=True)
    record = ClosureRecord.objects.get(book_number="0101999001")
    assert record.confirmed_by == officer and record.periods.count() == 2
    stored = CentralClosure.objects.using("central").get(reference=record.reference)
    assert stored.receipt == record.central_receipt
