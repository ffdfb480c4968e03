"""Headless Chromium: every demo role signs in and sees its own home page."""

import pytest
from django.conf import settings

from demo.seed import DEMO_USERS, seed_demo

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(transactional_db):
    seed_demo()


@pytest.mark.parametrize("spec", DEMO_USERS, ids=[u.role for u in DEMO_USERS])
def test_each_demo_role_signs_in_to_its_home_page(demo, page, spec, artifacts_dir):
    from accounts.models import Role

    role = Role.objects.get(pk=spec.role)
    page.goto("/")
    assert "/tai-khoan/dang-nhap/" in page.url  # anonymous → login
    page.get_by_label("Tên đăng nhập").fill(spec.username)
    page.get_by_label("Mật khẩu").fill(settings.DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/")
    header = page.get_by_test_id("who")
    assert spec.full_name in header.inner_text()
    assert role.name_vi in header.inner_text()
    assert page.locator(f"tr[data-role='{spec.role}']").count() == 1
    nav = page.get_by_role("navigation", name="Điều hướng chính").inner_text()
    assert ("Thư không gửi được" in nav) == (spec.role in {"it_staff", "central_it"})
    page.screenshot(path=str(artifacts_dir / f"home-{spec.role}.png"), full_page=True)


def test_wrong_password_shows_an_error_and_no_session(demo, page):
    page.goto("/tai-khoan/dang-nhap/")
    page.get_by_label("Tên đăng nhập").fill("thu_badinh")
    page.get_by_label("Mật khẩu").fill("sai-mat-khau")
    page.get_by_role("button", name="Đăng nhập").click()
    assert page.get_by_role("alert").is_visible()
    assert "/tai-khoan/dang-nhap/" in page.url


def test_language_switch_shows_english(demo, page):
    page.goto("/tai-khoan/dang-nhap/")
    page.get_by_role("button", name="EN").click()
    page.wait_for_selector("html[lang='en']")
    assert page.get_by_role("heading", name="Sign in").is_visible()
