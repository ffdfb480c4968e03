"""Locks that reach every application: a personnel decision's lock, a right that ends, a
transfer, carried to a SCIM application of the project's own (``scim_server``) through the
outbox at the effective time, or left as a task for a manual application's administrators;
the quarterly report shows each application's state as its connector confirmed it."""

import io
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from accounts import connectors, exports, lifecycle, reports
from accounts.connectors import DisplayState
from accounts.models import (
    ApplicationConnector,
    ApplicationGrant,
    AuditEntry,
    BusinessApplication,
    ConnectorChange,
    ConnectorKind,
)
from accounts.selectors import office_resolve
from accounts.tasks import lifecycle_run
from core.outbox.models import OutboxMessage
from core.outbox.services import outbox_replay
from core.outbox.tasks import outbox_sweep
from core.refusals import Refused
from tests.factories import UserFactory, grant

from .scim_server import ENTERPRISE, ScimServer
from .timeutil import soon, vn

pytestmark = pytest.mark.django_db


@pytest.fixture
def scim():
    server = ScimServer(token="tst-secret-1").start()
    yield server
    server.stop()


@pytest.fixture
def tst(scim, applications, settings):
    """The collection and books software (TST) speaks SCIM; its token comes from settings."""
    settings.ACCOUNTS_SCIM_TOKENS = {"tst": scim.token}
    return ApplicationConnector.objects.create(
        application=applications["tst"],
        kind=ConnectorKind.SCIM,
        base_url=scim.base_url,
        token_ref="tst",
    )


@pytest.fixture
def vanban_admin(people):
    user = UserFactory(username="qt_vanban", email="qt_vanban@bhxh.gov.vn")
    grant(user, "it_staff", office_resolve("01"))
    return user


@pytest.fixture
def vanban(applications, vanban_admin):
    """Document management has no connector protocol: its administrators act by hand."""
    connector = ApplicationConnector.objects.create(
        application=applications["vanban"], kind=ConnectorKind.MANUAL, task_days=2
    )
    connector.administrators.add(vanban_admin)
    return connector


def give(user, *codes, office="0101"):
    for code in codes:
        lifecycle.application_grant(
            actor=None,
            user=user,
            application=BusinessApplication.objects.get(pk=code),
            office=office_resolve(office),
        )


def decide(people, user, kind, effective_on, **kwargs):
    return lifecycle.decision_record(
        actor=people.hn_admin,
        user=user,
        number=f"QĐ-{kind}-{effective_on:%d%m}",
        signed_on=effective_on - timedelta(days=5),
        kind=kind,
        effective_on=effective_on,
        **kwargs,
    )


def deliver():
    """What the beat's outbox sweep does: deliver every due row."""
    return outbox_sweep()


def change_of(user, code):
    return ConnectorChange.objects.get(user=user, application_id=code)


@pytest.mark.parametrize("outage", ["refused", "503"])
def test_lock_reaches_scim_app_at_effective_time_through_a_day_down(people, scim, tst, outage):
    officer = people.officer
    scim.add_user(officer.email)
    give(officer, "tst")
    day = soon()
    with time_machine.travel(vn(day, 15), tick=False) as clock:
        decision = decide(people, officer, "maternity", day + timedelta(days=1))
        clock.move_to(vn(day, 23, 59, 59))
        lifecycle_run.delay()
        deliver()
        assert not ConnectorChange.objects.exists()
        assert scim.user(officer.email)["active"] is True

        # Midnight: the decision acts, the application is down (for a whole day).
        scim.down(outage)
        clock.move_to(vn(day + timedelta(days=1), 0, 0, 1))
        lifecycle_run.delay()
        change = change_of(officer, "tst")
        assert change.decision_id == decision.pk and change.values == {"active": False}
        message = OutboxMessage.objects.get(kind="accounts.scim")
        end_of_outage = vn(day + timedelta(days=2), 0, 0, 1)
        while connectors.timezone.now() < end_of_outage:
            deliver()
            # The beat sweeps often; the first hours finely enough to see the backoff.
            early = connectors.timezone.now() < vn(day + timedelta(days=1), 2)
            clock.shift(timedelta(seconds=20) if early else timedelta(minutes=10))
        change.refresh_from_db()
        message.refresh_from_db()
        assert change.state == "pending" and message.state == "pending"
        assert change.tries.filter(outcome="retry").count() == change.attempts >= 30
        # Backoff: the first retries come within a minute or two, later ones 15-30 minutes
        # apart (jitter), and the message stays due until the application answers.
        times = list(change.tries.values_list("at", flat=True))
        gaps = [(b - a).total_seconds() for a, b in zip(times, times[1:], strict=False)]
        assert gaps[0] <= 60 and max(gaps[-5:]) >= 15 * 60
        if outage == "503":
            assert set(change.tries.values_list("http_status", flat=True)) == {503}

        # It comes back: the next retry confirms.
        scim.up()
        clock.shift(timedelta(minutes=31))
        deliver()
        deliver()  # a second sweep finds nothing to do
    change.refresh_from_db()
    message.refresh_from_db()
    assert scim.user(officer.email)["active"] is False
    assert change.state == "confirmed" and message.state == "sent"
    assert change.confirmed_at >= end_of_outage
    assert change.tries.last().outcome == "confirmed"
    entries = AuditEntry.objects.filter(action="application_account.confirmed")
    assert entries.count() == 1
    assert entries.get().data["application"] == "tst"
    # Looked up by userName = official e-mail, then patched.
    methods = [m for m, _path, status in scim.requests if status == 200]
    assert methods == ["GET", "PATCH"]


def test_ended_right_disables_the_account_the_day_after(people, scim, tst):
    officer = people.officer
    scim.add_user(officer.email)
    give(officer, "tst")
    right = ApplicationGrant.objects.get(user=officer, application_id="tst")
    day = soon()
    with time_machine.travel(vn(day, 10), tick=False) as clock:
        lifecycle.application_end(actor=people.hn_admin, grant=right, on=day)
        clock.move_to(vn(day, 23, 59))
        deliver()
        assert scim.user(officer.email)["active"] is True  # still holds the right today
        clock.move_to(vn(day + timedelta(days=1), 0, 0, 5))
        deliver()
    assert scim.user(officer.email)["active"] is False
    assert change_of(officer, "tst").state == "confirmed"
    officer.refresh_from_db()
    assert officer.is_active  # the portal account stays open: only that right ended


def test_transfer_moves_the_account_to_the_new_office(people, scim, tst):
    officer = people.officer
    scim.add_user(officer.email, department="0101")
    give(officer, "tst")
    day = soon()
    new_office = office_resolve("38")
    with time_machine.travel(vn(day, 10), tick=False) as clock:
        decide(people, officer, "transfer", day + timedelta(days=1), new_office=new_office)
        clock.move_to(vn(day + timedelta(days=1), 0, 1))
        lifecycle_run.delay()
        deliver()
    resource = scim.user(officer.email)
    assert resource[ENTERPRISE]["department"] == new_office.code
    assert resource["active"] is True
    change = change_of(officer, "tst")
    assert (change.operation, change.state) == ("move", "confirmed")


def test_retirement_tells_each_application_once(people, scim, tst, vanban):
    officer = people.officer
    scim.add_user(officer.email)
    give(officer, "tst", "vanban")
    day = soon()
    with time_machine.travel(vn(day, 10), tick=False):
        decide(people, officer, "retirement", day - timedelta(days=1))
        deliver()
    changes = ConnectorChange.objects.filter(user=officer).order_by("application_id")
    assert [(c.application_id, c.operation) for c in changes] == [
        ("tst", "deactivate"),
        ("vanban", "deactivate"),
    ]
    assert scim.user(officer.email)["active"] is False


def test_manual_application_gets_a_task_with_a_deadline(
    people, vanban, vanban_admin, client, mailoutbox
):
    officer = people.officer
    give(officer, "vanban")
    day = soon()
    with time_machine.travel(vn(day, 9), tick=False) as clock:
        decide(people, officer, "sick_leave", day + timedelta(days=1))
        assert not connectors.tasks_for(vanban_admin).exists()
        clock.move_to(vn(day + timedelta(days=1), 0, 0, 1))
        lifecycle_run.delay()
        task = change_of(officer, "vanban")
        assert task.kind == "manual"
        assert task.due_at == vn(day + timedelta(days=3), 0, 0, 1)
        assert connectors.display_state(task) == DisplayState.PENDING
        assert list(connectors.tasks_for(vanban_admin)) == [task]
        assert not connectors.tasks_for(people.hn_admin).exists()  # not its administrator
        deliver()
        assert mailoutbox and mailoutbox[-1].to == [vanban_admin.email]

        clock.move_to(vn(day + timedelta(days=3), 8))
        client.force_login(vanban_admin)
        page = client.get(reverse("accounts:connector_tasks")).content.decode()
        assert f'data-task="{task.pk}" data-state="overdue"' in page
        client.post(reverse("accounts:connector_task_done", args=[task.pk]))
        task.refresh_from_db()
        assert task.state == "done" and task.done_by == vanban_admin
        with pytest.raises(Refused) as refused:
            connectors.task_done(actor=vanban_admin, change=task)
        assert refused.value.errors[0].code == "ACC-APP-TASK-DONE"
    entry = AuditEntry.objects.get(action="application_task.done")
    assert entry.actor_id == vanban_admin.pk and entry.data["late"] is True


def test_a_task_is_not_done_before_its_effective_time(people, vanban, vanban_admin):
    officer = people.officer
    give(officer, "vanban")
    right = ApplicationGrant.objects.get(user=officer, application_id="vanban")
    day = soon()
    with time_machine.travel(vn(day, 9), tick=False):
        lifecycle.application_end(actor=people.hn_admin, grant=right, on=day + timedelta(days=3))
        task = change_of(officer, "vanban")
        with pytest.raises(Refused) as refused:
            connectors.task_done(actor=vanban_admin, change=task)
    assert refused.value.errors[0].code == "ACC-APP-TASK-EARLY"


def test_wrong_bearer_token_is_recorded_as_a_failure_never_a_crash(people, scim, tst, settings):
    settings.ACCOUNTS_SCIM_TOKENS = {"tst": "not-the-token"}
    officer = people.officer
    scim.add_user(officer.email)
    give(officer, "tst")
    lifecycle.account_lock(actor=people.hn_admin, user=officer, reason="test")
    deliver()
    change = change_of(officer, "tst")
    assert change.state == "failed"
    attempt = change.tries.get()
    assert (attempt.outcome, attempt.http_status) == ("failed", 401)
    assert OutboxMessage.objects.get(kind="accounts.scim").state == "dead"
    assert scim.user(officer.email)["active"] is True
    assert AuditEntry.objects.filter(action="application_account.failed").count() == 1
    assert connectors.display_state(change) == DisplayState.FAILED


def test_down_past_the_last_try_is_dead_lettered_then_replayed(people, scim, tst, settings):
    settings.ACCOUNTS_SCIM_MAX_ATTEMPTS = 3
    officer = people.officer
    scim.add_user(officer.email)
    give(officer, "tst")
    scim.down("503")
    with time_machine.travel(vn(soon(), 9), tick=False) as clock:
        lifecycle.account_lock(actor=people.hn_admin, user=officer, reason="test")
        for _ in range(4):
            deliver()
            clock.shift(timedelta(hours=1))
        change = change_of(officer, "tst")
        message = OutboxMessage.objects.get(kind="accounts.scim")
        assert (change.state, message.state, message.attempts) == ("failed", "dead", 3)
        assert list(change.tries.values_list("outcome", flat=True)) == ["retry", "retry", "failed"]
        assert AuditEntry.objects.filter(action="application_account.failed").count() == 1

        scim.up()
        outbox_replay(actor=people.central_it, message=message)
        deliver()
    change.refresh_from_db()
    assert change.state == "confirmed" and scim.user(officer.email)["active"] is False
    assert AuditEntry.objects.filter(action="application_account.confirmed").count() == 1


def test_unknown_user_fails_without_retrying(people, scim, tst):
    officer = people.officer  # the application has no account for this e-mail
    give(officer, "tst")
    lifecycle.account_lock(actor=None, user=officer, reason="test")
    deliver()
    change = change_of(officer, "tst")
    assert change.state == "failed" and "no account with userName" in change.last_error


def test_report_shows_each_application_state_as_confirmed(people, scim, tst, vanban, vanban_admin):
    officer = people.officer
    other = UserFactory(username="thu_01", email="thu_01@bhxh.gov.vn")
    grant(other, "collection_officer", office_resolve("0101"))
    scim.add_user(officer.email)
    give(officer, "tst", "vanban")
    give(other, "tst", "vanban")
    day = soon()
    with time_machine.travel(vn(day, 9), tick=False) as clock:
        lifecycle.account_lock(actor=people.hn_admin, user=officer, reason="test")
        deliver()
        scim.down("refused")
        lifecycle.account_lock(actor=people.hn_admin, user=other, reason="test")
        deliver()
        connectors.task_done(actor=vanban_admin, change=change_of(officer, "vanban"))
        clock.move_to(vn(day + timedelta(days=2), 10))  # past the other task's deadline
        year, quarter = reports.quarter_of(day)
        figures = reports.report_compute(province=office_resolve("01"), year=year, quarter=quarter)
    states = {(r["application"], r["username"]): r["state"] for r in figures["connectors"]}
    assert states == {
        ("tst", "tiepnhan"): "confirmed",
        ("tst", "thu_01"): "pending",
        ("vanban", "tiepnhan"): "done",
        ("vanban", "thu_01"): "overdue",
    }
    confirmed = next(r for r in figures["connectors"] if r["state"] == "confirmed")
    assert confirmed["confirmed_at"].startswith(day.strftime("%d/%m/%Y"))
    with time_machine.travel(vn(day + timedelta(days=2), 10), tick=False):
        report = reports.report_get(province=office_resolve("01"), year=year, quarter=quarter)
    book = load_workbook(io.BytesIO(exports.report_xlsx(report)))
    sheet = next(ws for ws in book.worksheets if ws.title.startswith("Tài khoản trong các"))
    rows = {(r[0], r[1]): r[4] for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows[("vanban", "thu_01")] == "overdue" and rows[("tst", "tiepnhan")] == "confirmed"
    # Another province's report does not list them.
    other_figures = reports.report_compute(
        province=office_resolve("38"), year=year, quarter=quarter
    )
    assert other_figures["connectors"] == []
