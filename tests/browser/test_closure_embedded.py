"""Headless Chromium on the demo as ``scripts/dev.sh`` starts it (tasks in-process, the
central store answering from the same server, ``demo_central``'s credential file; run
with SQLite URLs for the embedded default): the collection journey (confirm a closure →
it is pushed; backfill since 2008) and the IT journey (lookup, receive, compliance chart),
with no server error and no console error."""

import re

import pytest
from django.conf import settings
from django.core.management import call_command
from playwright.sync_api import expect

from accounts.models import User
from accounts.selectors import office_resolve
from central.models import CentralClosure
from closure_sync import services
from closure_sync.models import ClosureOrigin, ClosureRecord, PushState
from demo.seed import seed_demo

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, databases=["default", "central"]),
]


@pytest.fixture
def demo(transactional_db, live_server, settings, tmp_path):
    seed_demo()
    settings.CLOSURE_CREDENTIALS_FILE = settings.CENTRAL_CREDENTIALS_FILE = str(
        tmp_path / "central-credentials.dev.ini"
    )
    settings.CLOSURE_CENTRAL_URL = live_server.url
    call_command("demo_central")


@pytest.fixture
def watched(page):
    """The page, with every console error, page error and 5xx answer collected."""
    seen = {"console": [], "server": []}
    page.on("console", lambda m: seen["console"].append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: seen["console"].append(str(e)))
    page.on(
        "response",
        lambda r: seen["server"].append(f"{r.status} {r.url}") if r.status >= 500 else None,
    )
    yield page, seen
    assert seen == {"console": [], "server": []}


def _login(page, username):
    page.goto("/tai-khoan/dang-nhap/")
    page.fill("#id_username", username)
    page.fill("#id_password", settings.DEMO_PASSWORD)
    page.press("#id_password", "Enter")
    page.wait_for_url("**/")


def test_collection_journey_confirm_push_and_backfill(demo, watched, artifacts_dir):
    page, _seen = watched
    _login(page, "chotso_badinh")
    page.goto("/chot-so/?status=draft")
    page.get_by_role("link", name="DEMO-0101-0001 v1").click()
    page.get_by_role("button", name="Xác nhận chốt sổ").click()
    expect(page.get_by_test_id("status")).to_have_text("Đã chốt")
    expect(page.get_by_test_id("push-state")).to_contain_text("Đã chuyển")
    page.screenshot(path=str(artifacts_dir / "closure-embedded-pushed.png"), full_page=True)
    record = ClosureRecord.objects.get(reference="DEMO-0101-0001")
    assert record.push_state == PushState.PUSHED
    assert CentralClosure.objects.using("central").filter(receipt=record.central_receipt)

    page.goto("/chot-so/chuyen/")
    page.locator("details.card summary").click()
    assert page.locator("#id_since").input_value() == "2008-01-01"  # not empty: ISO value
    page.get_by_role("button", name="Bắt đầu chuyển").click()
    page.wait_for_url("**/chot-so/chuyen/lan/*/")
    expect(page.get_by_test_id("job-percent")).to_have_text("100")
    expect(page.get_by_test_id("sum-failed")).to_have_text("0")
    page.screenshot(path=str(artifacts_dir / "closure-embedded-backfill.png"), full_page=True)
    history = ClosureRecord.objects.filter(origin=ClosureOrigin.HISTORY)
    assert history and all(r.push_state == PushState.PUSHED for r in history)


def test_it_journey_lookup_receive_and_compliance_chart(demo, watched, artifacts_dir):
    page, _seen = watched
    # A collection officer confirmed a demo draft: it reached the central store at once.
    draft = ClosureRecord.objects.get(reference="DEMO-0101-0002")
    services.closure_confirm(actor=User.objects.get(username="thu_badinh"), record=draft)
    draft.refresh_from_db()
    assert draft.push_state == PushState.PUSHED

    _login(page, "cntt_hanoi")
    page.goto("/chot-so/tra-cuu/")
    page.fill("#id_book_number", draft.book_number)
    page.locator("form.card button[type=submit]").click()
    rows = page.get_by_test_id("lookup-results").locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(draft.central_receipt)
    # Another province's worker: outside a Hà Nội officer's lookup, but received here.
    page.goto("/chot-so/nhan/")
    page.fill("#id_lookup_book", "7901234570")
    page.locator("form.card button[type=submit]").first.click()
    expect(page.get_by_test_id("held").locator("tbody tr")).to_have_count(2)
    page.select_option("#id_office", str(office_resolve("0101").pk))
    assert page.locator("#id_from_month").input_value() == "2015-01"
    page.click("button[name=answer][value=yes]")
    page.wait_for_selector(".message.success")
    page.screenshot(path=str(artifacts_dir / "closure-embedded-receive.png"), full_page=True)
    assert (
        ClosureRecord.objects.filter(
            book_number="7901234570", origin=ClosureOrigin.RECEIVED
        ).count()
        == 2
    )

    page.goto("/chot-so/tuan-thu/")
    chart = page.get_by_test_id("chart")
    expect(chart).to_be_visible()
    for rect in chart.locator("rect").all():
        for name in ("x", "y", "width", "height"):
            assert re.fullmatch(r"\d+(\.\d+)?", rect.get_attribute(name)), rect.get_attribute(name)
    page.screenshot(path=str(artifacts_dir / "closure-embedded-compliance.png"), full_page=True)
