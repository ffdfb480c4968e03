"""Headless Chromium: approve an outside account, record a decision and watch the lock
happen at midnight (time travel), download the quarterly report."""

import io
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from openpyxl import load_workbook

from accounts import provisioning, reports
from accounts.models import PersonnelDecision, User
from accounts.selectors import office_resolve
from accounts.tasks import lifecycle_run
from tests.factories import TEST_PASSWORD

from .timeutil import vn

pytestmark = pytest.mark.browser


def sign_in(page, user):
    page.goto("/tai-khoan/dang-nhap/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_selector("[data-testid=who]")


def test_leader_approves_an_outside_account(people_tx, page, artifacts_dir):
    people = people_tx
    request = provisioning.outside_request_file(
        actor=people.hn_admin,
        office=office_resolve("01"),
        full_name="Phạm Kiểm Toán",
        email="kiemtoan@example.vn",
        organisation="Kiểm toán Nhà nước",
        application=people.officer.application_grants.get().application,
        reason="Kiểm toán chuyên đề",
        valid_until=timezone.localdate() + timedelta(days=20),
    )
    sign_in(page, people.leader)
    page.goto("/tai-khoan/ben-ngoai/phe-duyet/")
    page.click("text=Phạm Kiểm Toán")
    page.fill("input[name=note]", "Đồng ý")
    page.click("main form button.primary")
    page.wait_for_selector("[data-testid=account]")
    username = page.get_by_test_id("account").inner_text()
    user = User.objects.get(username=username)
    assert user.account_kind == "outside" and user.outside_request_id == request.pk
    page.screenshot(path=str(artifacts_dir / "outside-approved.png"), full_page=True)


def test_record_a_decision_and_see_the_lock_at_midnight(
    people_tx, browser, live_server, page, artifacts_dir
):
    people = people_tx
    today = timezone.localdate()
    with time_machine.travel(vn(today, 23, 50), tick=True) as clock:
        # The officer is signed in in a second browser.
        other = browser.new_context(base_url=live_server.url)
        officer_page = other.new_page()
        sign_in(officer_page, people.officer)
        sign_in(page, people.hn_admin)
        page.goto("/tai-khoan/quyet-dinh/moi/")
        page.select_option("select[name=user]", str(people.officer.pk))
        page.fill("input[name=number]", "45/QĐ-BHXH")
        page.fill("input[name=signed_on]", today.isoformat())
        page.select_option("select[name=kind]", "maternity")
        page.fill("input[name=effective_on]", (today + timedelta(days=1)).isoformat())
        page.click("main form button.primary")
        page.wait_for_selector("[data-testid=decision-status]")
        assert PersonnelDecision.objects.get().status == "pending"
        officer_page.goto("/")
        assert "/tai-khoan/dang-nhap/" not in officer_page.url  # still working
        # Midnight passes; the beat job runs.
        clock.move_to(vn(today + timedelta(days=1), 0, 0, 30))
        lifecycle_run.delay()
        page.reload()
        assert PersonnelDecision.objects.get().status == "applied"
        assert page.get_by_test_id("account-state").get_attribute("data-locked") == "yes"
        page.screenshot(path=str(artifacts_dir / "decision-locked.png"), full_page=True)
        officer_page.goto("/")
        assert "/tai-khoan/dang-nhap/" in officer_page.url  # the session ended at once
        other.close()


def test_download_the_quarterly_report(people_tx, page, artifacts_dir):
    people = people_tx
    year, quarter = reports.previous_quarter(timezone.localdate())
    sign_in(page, people.hn_admin)
    page.goto("/tai-khoan/bao-cao-quy/")
    page.click("tr[data-province='01'] a")
    page.wait_for_selector("[data-testid=report-figures]")
    with page.expect_download() as info:
        page.get_by_test_id("download-xlsx").click()
    download = info.value
    path = artifacts_dir / download.suggested_filename
    download.save_as(path)
    assert download.suggested_filename == f"bao-cao-tai-khoan-01-Q{quarter}-{year}.xlsx"
    wb = load_workbook(io.BytesIO(path.read_bytes()))
    title = wb.worksheets[0]["A1"].value
    assert f"quý {quarter}/{year}" in title and "Hà Nội" in title
    page.screenshot(path=str(artifacts_dir / "quarterly-report.png"), full_page=True)
