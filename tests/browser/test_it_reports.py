"""Headless Chromium: central IT opens the national consolidated account report (tổng hợp
báo cáo) and downloads it as .xlsx; a provincial admin reports the province's release
deployment result and central IT then sees it on time among the provinces."""

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from accounts import reports
from accounts.models import AccountReport
from accounts.selectors import office_resolve
from declarations.adoption.models import PortalRelease
from tests.accounts.conftest import applications_tx, people_tx  # noqa: F401  (fixtures)
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.browser


def sign_in(page, user):
    page.goto("/tai-khoan/dang-nhap/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_selector("[data-testid=who]")


def figures(added, locked):
    return {
        "applications": [
            {
                "code": "receiving",
                "name_vi": "Tiếp nhận hồ sơ",
                "name_en": "Receiving",
                "added": [{"username": u, "name": u} for u in added],
                "changed": [
                    {"username": u, "name": u, "actions": ["account.locked"]} for u in locked
                ],
            }
        ]
    }


def test_central_it_downloads_the_consolidated_report(people_tx, page, artifacts_dir):  # noqa: F811
    year, quarter = reports.previous_quarter(timezone.localdate())
    submitted = timezone.now() - timedelta(days=1)
    AccountReport.objects.create(
        province=office_resolve("01"),
        year=year,
        quarter=quarter,
        figures=figures(["a.nguyen", "b.tran"], ["c.le"]),
        submitted_at=submitted,
    )
    AccountReport.objects.create(
        province=office_resolve("79"),
        year=year,
        quarter=quarter,
        figures=figures(["d.pham"], []),
        submitted_at=submitted,
    )
    sign_in(page, people_tx.central_it)
    page.goto("/")
    page.get_by_role("link", name="Tổng hợp báo cáo tài khoản").first.click()
    page.wait_for_selector("[data-testid=national-apps]")
    total = page.locator("[data-testid=national-apps] tr[data-app=receiving]")
    assert total.inner_text().split("\t")[1:] == ["3", "1", "0", "0"]
    assert page.locator("[data-testid=national-provinces] tr[data-province='01']").count() == 1
    page.screenshot(path=str(artifacts_dir / "it-consolidated-report.png"), full_page=True)

    with page.expect_download() as download:
        page.get_by_test_id("national-xlsx").click()
    assert download.value.suggested_filename == f"tong-hop-bao-cao-tai-khoan-Q{quarter}-{year}.xlsx"
    wb = load_workbook(io.BytesIO(open(download.value.path(), "rb").read()))  # noqa: SIM115
    by_app = wb.worksheets[1]
    assert list(by_app.iter_rows(min_row=2, max_row=2, values_only=True)) == [
        ("receiving", "Tiếp nhận hồ sơ", 3, 1, 0, 0)
    ]


def test_a_province_admin_reports_the_deployment_result(people_tx, page, artifacts_dir):  # noqa: F811
    today = timezone.localdate()
    release = PortalRelease.objects.create(
        version="3.2",
        released_on=today - timedelta(days=10),
        deploy_by=today,
        report_by=today + timedelta(days=5),
    )
    sign_in(page, people_tx.hn_admin)
    page.goto("/")
    page.get_by_role("link", name="Báo cáo kết quả triển khai").first.click()
    page.wait_for_selector("[data-testid=result-form]")
    rows = page.locator("[data-testid=results] tbody tr")
    assert rows.count() == 1 and rows.first.get_attribute("data-state") == "pending"
    page.select_option("#result-outcome", "partial")
    page.fill("#result-text", "Đã triển khai 20/22 cơ sở; 2 cơ sở chờ đường truyền.")
    page.set_input_files(
        "#result-attachment",
        files=[{"name": "bien-ban.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4"}],
    )
    page.get_by_role("button", name="Gửi báo cáo").click()
    page.wait_for_selector("text=Đã gửi báo cáo kết quả triển khai.")
    row = page.locator("[data-testid=results] tr[data-code='01']")
    assert row.get_attribute("data-state") == "on_time"
    assert "Triển khai một phần" in row.inner_text()
    page.screenshot(path=str(artifacts_dir / "it-release-result.png"), full_page=True)

    page.context.clear_cookies()
    sign_in(page, people_tx.central_it)
    page.goto(f"/quan-ly/phien-ban/ket-qua/?release={release.pk}")
    assert page.locator("[data-testid=results] tbody tr").count() > 30
    assert (
        page.locator("[data-testid=results] tr[data-code='01']").get_attribute("data-state")
        == "on_time"
    )
    assert page.get_by_test_id("results-chart").locator("svg rect").count() == 5
