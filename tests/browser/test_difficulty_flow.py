"""Headless Chromium: an employer files a difficulty, the office answers it."""

import pytest
from django.conf import settings

from demo.seed import seed_demo

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(transactional_db):
    seed_demo()


def sign_in(page, username):
    page.context.clear_cookies()
    page.goto("/tai-khoan/dang-nhap/")
    page.locator("input[name='username']").fill(username)
    page.locator("input[name='password']").fill(settings.DEMO_PASSWORD)
    page.locator("form button[type='submit']").last.click()
    page.wait_for_url("**/")


def test_file_then_answer_a_difficulty(demo, page, artifacts_dir):
    from core.outbox.models import OutboxMessage
    from declarations.difficulties.models import Difficulty

    sign_in(page, "donvi_tzh490l")
    page.goto("/quan-ly/vuong-mac/gui/")
    form = page.get_by_test_id("difficulty-form")
    form.locator("select[name='category']").select_option("software")
    form.locator("input[name='subject']").fill("Không nộp được hồ sơ báo tăng")
    form.locator("textarea[name='description']").fill("Nút Gửi không phản hồi sau khi ký.")
    form.locator("input[name='files']").set_input_files(
        [{"name": "loi.png", "mimeType": "image/png", "buffer": b"\x89PNG demo"}]
    )
    form.locator("button[type='submit']").click()
    page.wait_for_url("**/vuong-mac/*/")
    difficulty = Difficulty.objects.get(subject="Không nộp được hồ sơ báo tăng")
    assert page.get_by_role("link", name="loi.png").is_visible()
    page.screenshot(path=str(artifacts_dir / "difficulty-filed.png"), full_page=True)

    sign_in(page, "tiepnhan_badinh")
    page.goto("/quan-ly/vuong-mac/can-tra-loi/")
    page.locator(f"tr[data-id='{difficulty.pk}'] a").click()
    page.wait_for_url(f"**/vuong-mac/{difficulty.pk}/")
    page.get_by_test_id("answer-form").locator("textarea").fill(
        "Xin cập nhật phần mềm ký số lên bản mới."
    )
    page.get_by_test_id("answer-form").locator("button[type='submit']").click()
    page.wait_for_selector("[data-testid='answer']")
    difficulty.refresh_from_db()
    assert difficulty.status == "answered"
    assert OutboxMessage.objects.filter(key=f"difficulty-answered-{difficulty.pk}").exists()
    page.screenshot(path=str(artifacts_dir / "difficulty-answered.png"), full_page=True)

    sign_in(page, "donvi_tzh490l")
    page.goto(f"/quan-ly/vuong-mac/{difficulty.pk}/")
    assert "Xin cập nhật phần mềm ký số" in page.get_by_test_id("answer").inner_text()


def test_directors_summary_chart(demo, page, artifacts_dir):
    sign_in(page, "lanhdao_tw")
    page.goto("/quan-ly/vuong-mac/tong-hop/")
    chart = page.get_by_test_id("category-chart").locator("svg")
    assert chart.is_visible()
    assert chart.locator("rect").count() == 4  # one bar per category
    assert page.get_by_test_id("by-office").locator("tbody tr").count() >= 1
    page.screenshot(path=str(artifacts_dir / "difficulty-summary.png"), full_page=True)
