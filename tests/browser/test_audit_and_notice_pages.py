"""Headless Chromium: the audit viewer's chain check seals what waits; a notice in English."""

import pytest
from django.conf import settings

from demo.seed import seed_demo

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(transactional_db):
    seed_demo()


def sign_in(page, username):
    page.goto("/tai-khoan/dang-nhap/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(settings.DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/")


def test_central_it_verifies_the_chain_and_waiting_entries_are_sealed(demo, page, artifacts_dir):
    from accounts.models import AuditEntry

    waiting = AuditEntry.objects.filter(seq__isnull=True)
    last_demo_entry = waiting.latest("id").pk  # the demo's entries wait: no beat here
    sign_in(page, "cntt_tw")
    page.goto("/tai-khoan/nhat-ky/")
    page.get_by_role("button", name="Kiểm tra ngay").click()
    page.wait_for_url("**/tai-khoan/nhat-ky/")
    status = page.get_by_test_id("chain-status").inner_text()
    assert "Nguyên vẹn" in status
    assert not waiting.filter(id__lte=last_demo_entry).exists()
    page.screenshot(path=str(artifacts_dir / "audit-chain-checked.png"), full_page=True)


def test_an_employer_reads_its_receipt_in_english(demo, page, artifacts_dir):
    from accounts.models import User
    from declarations.dossiers.models import Notice
    from declarations.employers.selectors import employer_of

    employer = employer_of(User.objects.get(username="donvi_tzh490l"))
    notice = Notice.objects.filter(kind="receipt", dossier__employer=employer).first()
    sign_in(page, "donvi_tzh490l")
    page.get_by_role("button", name="EN").click()
    page.wait_for_selector("html[lang='en']")
    page.goto(f"/giao-dich/thong-bao/{notice.pk}/")
    card = page.get_by_test_id("notice").inner_text()
    assert "NOTICE OF RECEIPT OF AN ELECTRONIC DOSSIER" in card
    assert "Transaction code" in card and notice.dossier.transaction_code in card
    assert page.get_by_test_id("notice-translated").is_visible()
    page.screenshot(path=str(artifacts_dir / "notice-english.png"), full_page=True)
