"""Headless Chromium: a provincial admin records a personnel decision; at midnight of its
effective date the lifecycle job locks the portal account and the outbox disables the
person's account in a SCIM application of the project's own; the quarterly report shows
that application's account as disabled, confirmed by its connector."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from accounts import lifecycle, reports
from accounts.models import ApplicationConnector, BusinessApplication, ConnectorKind
from accounts.selectors import office_resolve
from accounts.tasks import lifecycle_run
from core.outbox.tasks import outbox_sweep
from tests.accounts.conftest import applications_tx, people_tx  # noqa: F401  (fixtures)
from tests.accounts.scim_server import ScimServer
from tests.accounts.timeutil import vn
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def scim():
    server = ScimServer(token="tst-browser-token").start()
    yield server
    server.stop()


def sign_in(page, user):
    page.goto("/tai-khoan/dang-nhap/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_selector("[data-testid=who]")


def test_decision_disables_the_account_in_a_scim_application(
    people_tx,  # noqa: F811
    scim,
    settings,
    page,
    artifacts_dir,
):
    people = people_tx
    officer = people.officer
    settings.ACCOUNTS_SCIM_TOKENS = {"tst": scim.token}
    ApplicationConnector.objects.create(
        application_id="tst", kind=ConnectorKind.SCIM, base_url=scim.base_url, token_ref="tst"
    )
    lifecycle.application_grant(
        actor=None,
        user=officer,
        application=BusinessApplication.objects.get(pk="tst"),
        office=office_resolve("0101"),
    )
    scim.add_user(officer.email)
    today = timezone.localdate()
    tomorrow = today + timedelta(days=1)
    with time_machine.travel(vn(today, 23, 50), tick=True) as clock:
        sign_in(page, people.hn_admin)
        page.goto("/tai-khoan/quyet-dinh/moi/")
        page.select_option("select[name=user]", str(officer.pk))
        page.fill("input[name=number]", "46/QĐ-BHXH")
        page.fill("input[name=signed_on]", today.isoformat())
        page.select_option("select[name=kind]", "maternity")
        page.fill("input[name=effective_on]", tomorrow.isoformat())
        page.click("main form button.primary")
        page.wait_for_selector("[data-testid=decision-status]")
        assert scim.user(officer.email)["active"] is True

        # Midnight passes; the beat jobs run: the lifecycle, then the outbox sweep.
        clock.move_to(vn(tomorrow, 0, 0, 30))
        lifecycle_run.delay()
        outbox_sweep()
        assert scim.user(officer.email)["active"] is False

        year, quarter = reports.quarter_of(tomorrow)
        page.goto(f"/tai-khoan/bao-cao-quy/01/{year}/{quarter}/")
        row = page.locator("[data-testid=report-connectors] tr[data-app=tst]")
        assert row.get_attribute("data-user") == officer.username
        assert row.get_attribute("data-state") == "confirmed"
        text = row.inner_text()
        assert "Đã vô hiệu hóa tài khoản" in text
        assert "Ứng dụng đã xác nhận" in text
        assert tomorrow.strftime("%d/%m/%Y") in text
        page.screenshot(path=str(artifacts_dir / "scim-lock-report.png"), full_page=True)
