"""The main pages of each demo role: its home page, every entry of its menu, and the first
record behind the lists a role works from (a dossier, a notice, a queue item)."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings

from demo.seed import DEMO_USERS

ROLE_IDS = [u.role for u in DEMO_USERS]

# List page → the link of its first record, followed to one detail page.
FIRST_RECORD = {
    "/giao-dich/": "main tbody tr a[href^='/giao-dich/ho-so/']",
    "/quan-ly/tiep-nhan/": "main tbody tr a[href^='/quan-ly/tiep-nhan/']",
}
NOTICE_LINK = "main a[href^='/giao-dich/thong-bao/']:not([href$='/pdf/'])"


def sign_in(page, username: str) -> None:
    page.goto("/tai-khoan/dang-nhap/")
    page.fill("#id_username", username)
    page.fill("#id_password", settings.DEMO_PASSWORD)
    page.press("#id_password", "Enter")
    page.wait_for_url(lambda url: "/dang-nhap/" not in url)


def _first_href(page, selector: str) -> str | None:
    link = page.locator(selector).first
    return link.get_attribute("href") if link.count() else None


def main_pages(page) -> list[str]:
    """Paths of the signed-in user's main pages, menu order, each once."""
    page.goto("/")
    hrefs = page.eval_on_selector_all(
        ".site-nav a[href]", "links => links.map(a => a.getAttribute('href'))"
    )
    paths = ["/"]
    for href in hrefs:
        path = urlsplit(href).path
        if path not in paths:
            paths.append(path)
    for list_path, selector in FIRST_RECORD.items():
        if list_path not in paths:
            continue
        page.goto(list_path)
        detail = _first_href(page, selector)
        if detail and detail not in paths:
            paths.append(detail)
            page.goto(detail)
            notice = _first_href(page, NOTICE_LINK)
            if notice and notice not in paths:
                paths.append(notice)
    return paths
