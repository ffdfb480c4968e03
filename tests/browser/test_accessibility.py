"""axe-core (from npm, tests/browser/package.json) run in headless Chromium on the main
pages of each role, on a wide screen and on a phone: no serious or critical violation."""

import os
from pathlib import Path

import pytest

from demo.seed import DEMO_USERS, seed_demo
from tests.browser.role_pages import ROLE_IDS, main_pages, sign_in

pytestmark = [
    pytest.mark.browser,
    # The central IT pages read the central store (its own database alias).
    pytest.mark.django_db(transaction=True, databases=["default", "central"]),
]

AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}
# Pages anyone may open, before signing in.
PUBLIC_PAGES = ["/tai-khoan/dang-nhap/", "/giao-dich/dang-ky/", "/nha-cung-cap-ivan/"]
RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations
    .filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(", ")}`);
}"""


@pytest.fixture(scope="module")
def axe_script():
    if not AXE.exists():
        message = "axe-core is not installed: run `npm ci` in tests/browser"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return str(AXE)


@pytest.fixture
def demo():
    seed_demo()


def _context(browser, live_server, viewport):
    # The portal's Content-Security-Policy forbids injected scripts; axe is the test's own.
    return browser.new_context(
        base_url=live_server.url, locale="vi-VN", viewport=viewport, bypass_csp=True
    )


def violations(page, axe_script, paths) -> dict[str, list[str]]:
    found = {}
    for path in paths:
        response = page.goto(path)
        assert response.status == 200, path
        toggle = page.locator(".nav-toggle")
        if toggle.is_visible():
            toggle.click()  # the folded menu is checked open too
        page.add_script_tag(path=axe_script)
        problems = page.evaluate(RUN_AXE)
        if problems:
            found[path] = problems
    return found


@pytest.mark.parametrize("spec", DEMO_USERS, ids=ROLE_IDS)
def test_the_main_pages_of_each_role_pass_axe(demo, browser, live_server, axe_script, spec):
    found = {}
    for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        context = _context(browser, live_server, viewport)
        page = context.new_page()
        page.set_default_timeout(15000)
        try:
            sign_in(page, spec.username)
            for path, problems in violations(page, axe_script, main_pages(page)).items():
                found[f"{name} {path}"] = problems
        finally:
            context.close()
    assert found == {}


def test_the_public_pages_pass_axe(demo, browser, live_server, axe_script):
    context = _context(browser, live_server, PHONE)
    page = context.new_page()
    try:
        assert violations(page, axe_script, PUBLIC_PAGES) == {}
    finally:
        context.close()


def test_axe_finds_a_serious_violation_when_there_is_one(demo, browser, live_server, axe_script):
    """The check itself works: an image without a text alternative is reported."""
    context = _context(browser, live_server, DESKTOP)
    page = context.new_page()
    try:
        page.goto(PUBLIC_PAGES[0])
        page.evaluate(
            "document.querySelector('main').insertAdjacentHTML('beforeend',"
            " '<button><img src=\"data:,\"></button>')"
        )
        page.add_script_tag(path=axe_script)
        assert any(p.startswith("button-name") for p in page.evaluate(RUN_AXE))
    finally:
        context.close()
