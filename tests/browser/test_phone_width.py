"""Headless Chromium at 375 × 812 (a phone): no main page of any role is wider than the
screen, and the menu folds behind a button that opens it."""

import pytest

from demo.seed import DEMO_USERS, seed_demo
from tests.browser.role_pages import ROLE_IDS, main_pages, sign_in

pytestmark = [
    pytest.mark.browser,
    # The central IT pages read the central store (its own database alias).
    pytest.mark.django_db(transaction=True, databases=["default", "central"]),
]

PHONE = {"width": 375, "height": 812}


@pytest.fixture
def demo():
    seed_demo()


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="vi-VN", viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def _page_width(page) -> tuple[int, int]:
    return tuple(page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]"))


@pytest.mark.parametrize("spec", DEMO_USERS, ids=ROLE_IDS)
def test_no_main_page_is_wider_than_a_phone(demo, phone, spec):
    sign_in(phone, spec.username)
    paths = main_pages(phone)
    assert len(paths) > 2, paths
    too_wide = {}
    for path in paths:
        response = phone.goto(path)
        assert response.status == 200, path
        scroll_width, screen = _page_width(phone)
        if scroll_width > screen:
            too_wide[path] = scroll_width
    assert too_wide == {}


def test_a_wide_table_scrolls_inside_its_own_box(demo, phone):
    sign_in(phone, "tiepnhan_badinh")
    phone.goto("/quan-ly/tiep-nhan/")
    table = phone.get_by_test_id("queue")
    sizes = table.evaluate("t => [t.scrollWidth, t.clientWidth]")
    assert sizes[0] > sizes[1]  # wider than the screen: it scrolls, the page does not
    assert _page_width(phone)[0] <= PHONE["width"]


def test_the_menu_folds_behind_a_button_on_a_phone(demo, phone):
    sign_in(phone, "tiepnhan_badinh")
    nav = phone.get_by_role("navigation", name="Điều hướng chính")
    toggle = nav.get_by_role("button", name="Danh mục")
    first_item = nav.get_by_role("link").first
    assert toggle.get_attribute("aria-expanded") == "false"
    assert not first_item.is_visible()
    # The header and the folded menu leave most of the first screen to the content.
    assert phone.locator("main h1").first.bounding_box()["y"] < PHONE["height"] / 3
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    assert first_item.is_visible()
    phone.keyboard.press("Escape")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert not first_item.is_visible()


def test_on_a_wide_screen_the_menu_stays_open_without_a_button(demo, page):
    sign_in(page, "tiepnhan_badinh")
    nav = page.get_by_role("navigation", name="Điều hướng chính")
    assert nav.get_by_role("link").first.is_visible()
    assert not nav.locator(".nav-toggle").is_visible()


def test_on_a_tablet_wide_tables_scroll_too(demo, browser, live_server):
    """Between phone and desktop (800 px) a table wider than its column scrolls inside
    itself (portal/layout.js marks it), the page does not."""
    context = browser.new_context(
        base_url=live_server.url, locale="vi-VN", viewport={"width": 800, "height": 1000}
    )
    page = context.new_page()
    try:
        too_wide = {}
        for username in ("tiepnhan_badinh", "donvi_tzh490l"):
            page.context.clear_cookies()
            sign_in(page, username)
            for path in main_pages(page):
                page.goto(path)
                scroll_width, screen = _page_width(page)
                if scroll_width > screen:
                    too_wide[path] = scroll_width
        assert too_wide == {}
    finally:
        context.close()
