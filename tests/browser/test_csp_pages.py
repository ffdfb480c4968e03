"""Headless Chromium under the Content-Security-Policy: Swagger UI renders with its start-up
script loaded from the site, and the browser reports no blocked script or style."""

import pytest

pytestmark = pytest.mark.browser


def _violations(page) -> list[str]:
    found = []
    page.on(
        "console",
        lambda msg: found.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    return found


def test_swagger_ui_renders_under_the_policy(page, transactional_db):
    violations = _violations(page)
    page.goto("/api/ivan/v1/docs")
    page.locator(".swagger-ui .info .title").wait_for()
    assert "BHXH I-VAN API" in page.locator(".swagger-ui .info .title").inner_text()
    page.locator(".opblock").first.wait_for()
    assert violations == []


def test_the_home_and_login_pages_break_no_rule(page, transactional_db):
    violations = _violations(page)
    page.goto("/")
    page.goto("/tai-khoan/dang-nhap/")
    page.wait_for_load_state("load")
    assert violations == []
