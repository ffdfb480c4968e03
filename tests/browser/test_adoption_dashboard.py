"""Headless Chromium: the adoption dashboard draws its chart and leaderboard (screenshot)."""

import pytest
from django.conf import settings
from django.utils import timezone

from demo.seed import seed_demo

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(transactional_db):
    seed_demo()


def sign_in(page, username):
    page.goto("/tai-khoan/dang-nhap/")
    page.locator("input[name='username']").fill(username)
    page.locator("input[name='password']").fill(settings.DEMO_PASSWORD)
    page.locator("form button[type='submit']").last.click()
    page.wait_for_url("**/")


def test_national_dashboard_chart_leaderboard_and_export(demo, page, artifacts_dir):
    sign_in(page, "lanhdao_tw")
    page.goto("/quan-ly/ty-le-dien-tu/")
    chart = page.get_by_test_id("adoption-chart").locator("svg")
    assert chart.is_visible()
    assert chart.bounding_box()["width"] > 300
    assert chart.locator("polyline[data-series='rate']").count() == 1
    assert chart.locator("line[data-series='target']").count() == 1
    # 12 month starts and today (today itself on the first of a month).
    today_is_a_month_start = timezone.localdate().day == 1
    assert chart.locator("circle").count() == (12 if today_is_a_month_start else 13)
    board = page.get_by_test_id("leaderboard")
    first = board.locator("tbody tr").first
    assert first.get_attribute("data-code") == "75"  # Đồng Nai leads
    assert "90,0%" in first.inner_text()
    hcmc = board.locator("tr[data-code='79']")
    assert "26,7%" in hcmc.inner_text()
    page.screenshot(path=str(artifacts_dir / "adoption-national.png"), full_page=True)

    with page.expect_download() as download:
        page.get_by_test_id("xlsx").click()
    assert download.value.suggested_filename.endswith(".xlsx")

    first.get_by_role("link").click()  # drill down to the province
    page.wait_for_url("**office=*")
    assert page.locator("tr[data-code='7501']").is_visible()


def test_collection_officer_sees_their_units_to_chase(demo, page, artifacts_dir):
    sign_in(page, "thu_badinh")
    page.goto("/quan-ly/ty-le-dien-tu/")
    page.get_by_test_id("officers").get_by_test_id("pending-link").first.click()
    page.wait_for_url("**officer=*")
    assert page.get_by_test_id("pending").locator("[data-unit='HNB005A']").is_visible()
    assert page.get_by_test_id("adoption-chart").locator("svg").is_visible()
    page.screenshot(path=str(artifacts_dir / "adoption-officer.png"), full_page=True)
