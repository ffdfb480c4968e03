"""The office dashboard reads per-office snapshots of its counts: used while fresh, counted
again when missing, old or of another day, refreshed for every office by the periodic job
with the same figures as a live count, and never another office's."""

from datetime import timedelta

import pytest
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from declarations.dossiers.models import Dossier
from declarations.review import dashboard
from declarations.review.models import OfficeDashboardSnapshot
from declarations.review.services import dossier_transition
from declarations.review.tasks import dashboard_snapshot_refresh
from portal.settings import base
from tests.declarations.review_world import World, dossier_make, staff, unit

pytestmark = pytest.mark.usefixtures("reference_data")
DASHBOARD = "/quan-ly/bang-dieu-khien/"


@pytest.fixture(autouse=True)
def snapshots_on(settings):
    settings.REVIEW_DASHBOARD_MAX_AGE = 120


@pytest.fixture
def world():
    return World()


def _dossier_queries(ctx) -> int:
    return sum("declarations_dossier" in q["sql"] for q in ctx.captured_queries)


def _get(client, user):
    client.force_login(user)
    client.get(DASHBOARD)  # the session and the user warmed
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(DASHBOARD)
    assert response.status_code == 200
    return response, ctx


def _busy(world):
    """Work of several kinds in offices 7501, 7502 and 0101."""
    today = timezone.localdate()
    third = unit("0101", name="Công ty C")
    officer_c = staff("0101")
    dossier_make(world.unit_a, deadline=today - timedelta(days=2))
    dossier_make(world.unit_a, deadline=today)
    dossier_make(world.unit_a, status="in_review", deadline=today + timedelta(days=20))
    paused = dossier_make(world.unit_a, status="supplement_requested")
    Dossier.objects.filter(pk=paused.pk).update(deadline=None)
    dossier_make(world.unit_a, sandbox=True, deadline=today - timedelta(days=2))
    dossier_make(world.unit_b, deadline=today - timedelta(days=2))
    ok = dossier_make(world.unit_a, status="in_review")
    dossier_transition(actor=world.officer_a, dossier=ok, to="accepted")
    late = dossier_make(world.unit_b, status="in_review")
    Dossier.objects.filter(pk=late.pk).update(deadline=today - timedelta(days=1))
    dossier_transition(actor=world.officer_b, dossier=late, to="rejected", reasons=["TC03"])
    # Office C: only a decision in the window, no open work (not snapshotted by the job
    # until a page has counted it).
    done = dossier_make(third, status="in_review")
    dossier_transition(actor=officer_c, dossier=done, to="accepted")
    return third


def test_a_fresh_snapshot_is_read_and_nothing_is_counted(client, world):
    dossier_make(world.unit_a)
    assert dashboard_snapshot_refresh() >= 1
    dossier_make(world.unit_a)  # after the snapshot: not shown until the next one
    response, ctx = _get(client, world.officer_a)
    data = response.context["data"]
    assert data.open_total == 1
    assert _dossier_queries(ctx) == 0
    taken = OfficeDashboardSnapshot.objects.get(office=world.office_a).computed_at
    assert data.as_of == taken
    local = timezone.localtime(taken)
    assert f"Số liệu lúc {local:%H:%M}" in response.content.decode()


def test_a_snapshot_s_figures_are_what_the_page_shows(client, world):
    """The figures come from the row, not from the dossiers: a row made to differ shows."""
    dossier_make(world.unit_a)
    dashboard_snapshot_refresh()
    snapshot = OfficeDashboardSnapshot.objects.get(office=world.office_a)
    monday = dashboard.window_start(snapshot.day, snapshot.weeks) + timedelta(days=7 * 11)
    snapshot.figures = {
        "by_status": {"received": 40, "in_review": 2, "accepted": 9},
        "overdue": 5,
        "at_risk": 7,
        "paused": 1,
        "weeks": {monday.isoformat(): [9, 6]},
    }
    snapshot.save()
    data = _get(client, world.officer_a)[0].context["data"]
    assert (data.open_total, data.overdue, data.at_risk, data.paused) == (42, 5, 7, 1)
    assert dict((v, n) for v, _l, n in data.by_status)["accepted"] == 9
    assert data.weeks[-1] == (monday, 9, 6)


def test_a_missing_snapshot_is_counted_live_and_stored(client, world):
    dossier_make(world.unit_a)
    assert not OfficeDashboardSnapshot.objects.exists()
    client.force_login(world.officer_a)
    data = client.get(DASHBOARD).context["data"]
    assert data.open_total == 1
    snapshot = OfficeDashboardSnapshot.objects.get(office=world.office_a)
    assert snapshot.figures["by_status"] == {"received": 1}
    assert snapshot.day == timezone.localdate() and snapshot.weeks == dashboard.WEEKS
    # The next visit reads it.
    assert _dossier_queries(_get(client, world.officer_a)[1]) == 0


@pytest.mark.parametrize("how", ["too old", "of yesterday"])
def test_a_stale_snapshot_is_counted_again(client, world, how):
    dossier_make(world.unit_a)
    dashboard_snapshot_refresh()
    dossier_make(world.unit_a)
    before = OfficeDashboardSnapshot.objects.get(office=world.office_a)
    if how == "too old":
        changes = {"computed_at": timezone.now() - timedelta(seconds=121)}
    else:
        changes = {"day": before.day - timedelta(days=1)}
    OfficeDashboardSnapshot.objects.filter(pk=before.pk).update(**changes)
    response, ctx = _get(client, world.officer_a)
    # Counted at the warm-up visit, and read at the second.
    assert response.context["data"].open_total == 2
    after = OfficeDashboardSnapshot.objects.get(office=world.office_a)
    assert after.figures["by_status"] == {"received": 2}
    assert after.day == timezone.localdate() and after.computed_at >= before.computed_at


def test_the_refresh_stores_what_a_live_count_finds_for_every_office(world):
    third = _busy(world)
    today = timezone.localdate()
    # Office C has no open work: counted once by a page, then kept by the job.
    assert dashboard_snapshot_refresh() == 2
    dashboard.dashboard_snapshots_store(
        figures=dashboard.dashboard_figures(office_ids=[third.managing_office_id], today=today),
        day=today,
        weeks=dashboard.WEEKS,
        at=timezone.now(),
    )
    assert dashboard_snapshot_refresh() == 3
    offices = [world.office_a.pk, world.office_b.pk, third.managing_office_id]
    live = dashboard.dashboard_figures(office_ids=offices, today=today)
    stored = dict(OfficeDashboardSnapshot.objects.values_list("office_id", "figures"))
    assert stored == live
    assert live[world.office_a.pk]["by_status"] == {
        "received": 2,
        "in_review": 1,
        "supplement_requested": 1,
        "accepted": 1,
    }
    assert (live[world.office_a.pk]["overdue"], live[world.office_a.pk]["at_risk"]) == (1, 1)
    assert live[world.office_a.pk]["paused"] == 1
    assert live[world.office_b.pk]["by_status"] == {"received": 1, "rejected": 1}
    assert live[third.managing_office_id]["by_status"] == {"accepted": 1}
    # Idempotent: a second run stores the same, one row per office.
    dashboard_snapshot_refresh()
    assert OfficeDashboardSnapshot.objects.count() == 3
    assert dict(OfficeDashboardSnapshot.objects.values_list("office_id", "figures")) == live


def test_an_older_count_never_replaces_a_newer_snapshot(world):
    """A page's live count and the periodic refresh may finish in either order: the count
    taken later stays, whichever is stored last."""
    dossier_make(world.unit_a)
    today, office = timezone.localdate(), world.office_a.pk
    newer = timezone.now()
    counted = dashboard.dashboard_figures(office_ids=[office], today=today)
    other = {office: {**counted[office], "overdue": 99}}

    def store(figures, at):
        dashboard.dashboard_snapshots_store(
            figures=figures, day=today, weeks=dashboard.WEEKS, at=at
        )
        return OfficeDashboardSnapshot.objects.get(office=office)

    assert store(counted, newer).figures == counted[office]
    stored = store(other, newer - timedelta(seconds=5))
    assert (stored.computed_at, stored.figures) == (newer, counted[office])
    assert store(other, newer + timedelta(seconds=1)).figures["overdue"] == 99
    assert OfficeDashboardSnapshot.objects.count() == 1


def test_an_office_whose_work_ended_is_refreshed_to_zero(world):
    d = dossier_make(world.unit_a, status="in_review")
    dashboard_snapshot_refresh()
    Dossier.objects.filter(pk=d.pk).delete()
    dashboard_snapshot_refresh()
    figures = OfficeDashboardSnapshot.objects.get(office=world.office_a).figures
    assert figures["by_status"] == {} and figures["overdue"] == 0


def test_the_page_shows_the_same_figures_from_the_snapshot_as_live(client, world, settings):
    _busy(world)
    client.force_login(world.officer_a)
    settings.REVIEW_DASHBOARD_MAX_AGE = 0
    live = client.get(DASHBOARD).context["data"]
    assert not OfficeDashboardSnapshot.objects.exists()  # 0: nothing stored
    settings.REVIEW_DASHBOARD_MAX_AGE = 120
    dashboard_snapshot_refresh()
    snap, ctx = _get(client, world.officer_a)
    data = snap.context["data"]
    assert _dossier_queries(ctx) == 0
    for name in ("by_status", "open_total", "at_risk", "overdue", "paused", "weeks", "to_post"):
        assert getattr(data, name) == getattr(live, name), name


def test_an_officer_never_sees_another_office_s_figures(client, world):
    dossier_make(world.unit_a)
    for _ in range(3):
        dossier_make(world.unit_b, status="in_review")
    dashboard_snapshot_refresh()
    OfficeDashboardSnapshot.objects.filter(office=world.office_b).update(
        figures={
            "by_status": {"in_review": 500},
            "overdue": 9,
            "at_risk": 9,
            "paused": 9,
            "weeks": {},
        }
    )
    data = _get(client, world.officer_a)[0].context["data"]
    assert (data.open_total, data.overdue, data.at_risk, data.paused) == (1, 0, 0, 0)
    data = _get(client, world.officer_b)[0].context["data"]
    assert (data.open_total, data.overdue) == (500, 9)


def test_a_snapshot_that_cannot_be_stored_still_answers_the_page(client, world, monkeypatch):
    dossier_make(world.unit_a)

    def down(**kwargs):
        raise OperationalError("the primary is down")

    monkeypatch.setattr(dashboard, "dashboard_snapshots_store", down)
    client.force_login(world.officer_a)
    response = client.get(DASHBOARD)
    assert response.status_code == 200 and response.context["data"].open_total == 1


def test_the_refresh_runs_every_minute():
    entry = base.CELERY_BEAT_SCHEDULE["review-dashboard-snapshot-refresh"]
    assert entry["task"] == "declarations.review.tasks.dashboard_snapshot_refresh"
    assert entry["schedule"] == 60.0
    from portal.celery import app

    assert entry["task"] in app.tasks
