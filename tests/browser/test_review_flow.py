"""Headless Chromium: office staff accept and reject dossiers from the receiving queue; the
employer sees the result notice and prints it (PDF); the dashboards draw their charts."""

from pathlib import Path

import pytest
from django.utils import timezone

from declarations.dossiers.models import Dossier, Notice
from tests.declarations.review_world import World, dossier_make, staff
from tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("reference_data_tx")]


def sign_in(page, username):
    page.goto("/tai-khoan/dang-nhap/")
    page.locator("input[name='username']").fill(username)
    page.locator("input[name='password']").fill(TEST_PASSWORD)
    page.locator("form button[type='submit']").last.click()
    page.wait_for_url("**/")


@pytest.fixture
def world(transactional_db):
    return World()


def test_staff_accept_and_reject_then_the_employer_prints_the_notice(page, world, artifacts_dir):
    to_accept = dossier_make(world.unit_a, procedure="600")
    to_reject = dossier_make(world.unit_a, procedure="600a")
    dossier_make(world.unit_b)  # another office's: never shown
    sign_in(page, world.officer_a.username)
    page.goto("/quan-ly/tiep-nhan/")
    rows = page.get_by_test_id("queue").locator("tbody tr")
    assert rows.count() == 2
    page.screenshot(path=str(artifacts_dir / "review-queue.png"), full_page=True)

    page.locator(f"tr[data-code='{to_accept.transaction_code}'] a").first.click()
    page.get_by_test_id("claim").click()
    page.get_by_test_id("decide-in_review").locator("button").click()
    page.get_by_test_id("decide-accepted").locator("button").click()
    page.wait_for_selector("[data-testid='notices'] a")
    assert Dossier.objects.get(pk=to_accept.pk).status == "accepted"

    page.goto(f"/quan-ly/tiep-nhan/{to_reject.pk}/")
    form = page.get_by_test_id("decide-rejected")
    form.locator("input[value='TC04']").check()
    form.locator("textarea").fill("Mã số BHXH không khớp")
    form.locator("button").click()
    page.wait_for_selector("[data-testid='notices'] a")
    rejected = Dossier.objects.get(pk=to_reject.pk)
    assert rejected.status == "rejected"
    notice = Notice.objects.get(dossier=rejected, kind="rejected")
    assert notice.data["reasons"] == ["TC04"]
    page.screenshot(path=str(artifacts_dir / "review-rejected.png"), full_page=True)

    page.context.clear_cookies()
    sign_in(page, world.employer_a.username)
    page.goto(f"/giao-dich/ho-so/{to_reject.pk}/")
    page.locator(f"a[href='/giao-dich/thong-bao/{notice.pk}/']").first.click()
    page.wait_for_url(f"**/thong-bao/{notice.pk}/")
    body = page.locator("body").inner_text()
    assert "TC04" in body and "Hồ sơ bị từ chối." in body
    page.screenshot(path=str(artifacts_dir / "review-notice.png"), full_page=True)
    with page.expect_download() as download:
        page.locator(f"a[href='/giao-dich/thong-bao/{notice.pk}/pdf/']").first.click()
    assert Path(download.value.path()).read_bytes()[:4] == b"%PDF"
    assert download.value.suggested_filename == f"{notice.number}.pdf"


def test_the_dashboards_draw_their_charts(page, world, artifacts_dir):
    from declarations.review.services import dossier_transition

    for i in range(4):
        d = dossier_make(world.unit_a, status="in_review")
        dossier_transition(
            actor=world.officer_a,
            dossier=d,
            to="accepted" if i % 2 else "rejected",
            reasons=[] if i % 2 else ["TC03"],
        )
    dossier_make(world.unit_a)
    sign_in(page, world.officer_a.username)
    page.goto("/quan-ly/bang-dieu-khien/")
    chart = page.get_by_test_id("rate-chart").locator("svg")
    assert chart.is_visible() and chart.bounding_box()["width"] > 300
    assert chart.locator("polyline[data-series='rate']").count() == 1
    assert page.get_by_test_id("status-chart").locator("svg rect").count() == 6
    assert page.get_by_test_id("open").inner_text() == "1"
    page.screenshot(path=str(artifacts_dir / "review-dashboard.png"), full_page=True)

    director = staff("75", "provincial_admin")
    page.context.clear_cookies()
    sign_in(page, director.username)
    today = timezone.localdate().isoformat()
    page.goto(f"/quan-ly/bao-cao-dinh-ky/?from={today}&to={today}")
    assert page.get_by_test_id("received-chart").locator("svg rect").count() >= 1
    assert page.get_by_test_id("received").inner_text() == "5"
    page.screenshot(path=str(artifacts_dir / "review-report.png"), full_page=True)
    with page.expect_download() as download:
        page.get_by_test_id("xlsx").click()
    assert download.value.suggested_filename.endswith(".xlsx")
