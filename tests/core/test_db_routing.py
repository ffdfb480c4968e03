"""The read-replica router (core.db_routing): marked reads go to ``replica``, writes, atomic
blocks, unmarked reads and a browser that has just written go to the primary, and a replica
past its allowed lag or unreachable sends the reads back to the primary.

The replica here is a second connection to the test database (a real one, so each query's
connection is seen); replication itself is proven in tests/faults/test_replica.py."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date

import pytest
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.http import HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core import db_routing
from core.db_routing import (
    PIN_COOKIE,
    REPLICA,
    ReadYourWritesMiddleware,
    ReplicaRouter,
    pinned_to_primary,
    replica_probe_forget,
    replica_reads,
)
from declarations.dossiers.models import PublicHoliday
from portal.routers import CentralStoreRouter
from tests.declarations.review_world import World, dossier_make

DASHBOARD = "/quan-ly/bang-dieu-khien/"


@pytest.fixture(scope="module", autouse=True)
def _replica_alias():
    """A ``replica`` alias reading the test database through its own connection, for this
    module's tests (module-scoped: set before each test's database access is allowed)."""
    connections.settings[REPLICA] = {
        **connections[DEFAULT_DB_ALIAS].settings_dict,
        "TEST": {"MIRROR": DEFAULT_DB_ALIAS},
    }
    yield
    connections[REPLICA].close()
    del connections[REPLICA]
    del connections.settings[REPLICA]


@pytest.fixture(autouse=True)
def _fresh_probe():
    replica_probe_forget()
    yield
    replica_probe_forget()


replica = pytest.mark.django_db(transaction=True, databases=[DEFAULT_DB_ALIAS, REPLICA])


@contextmanager
def replica_unreachable():
    """The replica's connection pointed at a port nobody listens on."""
    wrapper = connections[REPLICA]
    wrapper.close()
    kept = wrapper.settings_dict
    wrapper.settings_dict = {
        **kept,
        "PORT": "1",
        "OPTIONS": {**kept["OPTIONS"], "connect_timeout": 1},
    }
    try:
        yield
    finally:
        wrapper.close()
        wrapper.settings_dict = kept


class Queries:
    """The queries each alias ran inside the block."""

    def __enter__(self):
        self.primary = CaptureQueriesContext(connections[DEFAULT_DB_ALIAS])
        self.replica = CaptureQueriesContext(connections[REPLICA])
        self.primary.__enter__()
        self.replica.__enter__()
        return self

    def __exit__(self, *exc):
        self.replica.__exit__(*exc)
        self.primary.__exit__(*exc)

    def on_replica(self, table: str) -> int:
        return sum(table in q["sql"] for q in self.replica.captured_queries)

    def on_primary(self, table: str) -> int:
        return sum(table in q["sql"] for q in self.primary.captured_queries)


HOLIDAYS = PublicHoliday._meta.db_table


NAME = "Ngày thử bộ định tuyến"


def _holiday(day=date(2041, 1, 2)):
    return PublicHoliday.objects.create(day=day, name=NAME)


def _ours():
    return PublicHoliday.objects.filter(name=NAME)


# --- without a replica nothing changes ----------------------------------------------------------
@pytest.mark.django_db
def test_without_a_replica_the_router_has_no_opinion():
    kept = connections.settings.pop(REPLICA)
    try:
        router = ReplicaRouter()
        with replica_reads():
            assert router.db_for_read(PublicHoliday) is None
            assert router.db_for_write(PublicHoliday) is None
        assert router.allow_migrate(DEFAULT_DB_ALIAS, "dossiers") is None
    finally:
        connections.settings[REPLICA] = kept


def test_the_replica_is_never_migrated_and_central_stays_central():
    assert ReplicaRouter().allow_migrate(REPLICA, "dossiers") is False
    assert CentralStoreRouter().allow_migrate(REPLICA, "dossiers") is None
    assert CentralStoreRouter().allow_migrate("central", "central") is True
    assert CentralStoreRouter().allow_migrate("central", "dossiers") is False
    assert CentralStoreRouter().allow_migrate(DEFAULT_DB_ALIAS, "central") is False


# --- marked reads, writes, atomic blocks -----------------------------------------------------------
@replica
def test_marked_reads_go_to_the_replica_and_unmarked_ones_to_the_primary():
    _holiday()
    with Queries() as q:
        with replica_reads():
            assert _ours().count() == 1
        assert _ours().count() == 1
    assert q.on_replica(HOLIDAYS) == 1
    assert q.on_primary(HOLIDAYS) == 1


@replica
def test_writes_go_to_the_primary_and_the_rest_of_the_scope_reads_there():
    with Queries() as q, replica_reads():
        assert not _ours().exists()  # the replica
        holiday = _holiday()  # the primary
        # Read-your-writes within the scope: after the write, the primary.
        assert PublicHoliday.objects.filter(pk=holiday.pk).exists()
    assert q.on_replica(HOLIDAYS) == 1
    assert q.on_primary(HOLIDAYS) == 2  # the INSERT and the read after it


@replica
def test_an_instance_read_from_the_replica_saves_to_the_primary():
    _holiday()
    with replica_reads():
        holiday = _ours().get()
    assert holiday._state.db == REPLICA
    holiday.name = "Tết"
    with Queries() as q:
        holiday.save()
    assert q.on_primary(HOLIDAYS) == 1 and q.on_replica(HOLIDAYS) == 0
    assert PublicHoliday.objects.get(pk=holiday.pk).name == "Tết"


@replica
def test_reads_inside_an_atomic_block_go_to_the_primary():
    _holiday()
    with Queries() as q, transaction.atomic(), replica_reads():
        assert _ours().count() == 1
    assert q.on_replica(HOLIDAYS) == 0
    assert q.on_primary(HOLIDAYS) == 1


@replica
def test_a_pinned_request_reads_from_the_primary():
    _holiday()
    with Queries() as q, pinned_to_primary(), replica_reads():
        assert _ours().count() == 1
    assert q.on_replica(HOLIDAYS) == 0


# --- lag and failures ------------------------------------------------------------------------------
@replica
def test_past_the_allowed_lag_reads_fall_back_to_the_primary(monkeypatch, settings):
    settings.DATABASE_REPLICA_MAX_LAG_SECONDS = 10
    settings.DATABASE_REPLICA_PROBE_SECONDS = 60
    lag = {"now": 25.0}
    probes = []

    def measure():
        probes.append(1)
        return lag["now"]

    monkeypatch.setattr(db_routing, "replica_lag_measure", measure)
    router = ReplicaRouter()
    with replica_reads():
        assert router.db_for_read(PublicHoliday) == DEFAULT_DB_ALIAS
        lag["now"] = 0.5
        # The probe is cached: still behind until it is taken again.
        assert router.db_for_read(PublicHoliday) == DEFAULT_DB_ALIAS
        assert len(probes) == 1
        settings.DATABASE_REPLICA_PROBE_SECONDS = 0
        assert router.db_for_read(PublicHoliday) == REPLICA
    assert len(probes) == 2


@replica
def test_the_lag_of_a_server_not_in_recovery_is_zero():
    status = db_routing.replica_status(fresh=True)
    assert (status.lag, status.usable, status.error) == (0.0, True, "")


@replica
def test_an_unreachable_replica_sends_reads_to_the_primary():
    _holiday()
    with replica_unreachable():
        status = db_routing.replica_status(fresh=True)
        assert status.lag is None and "OperationalError" in status.error
        with CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as q, replica_reads():
            assert ReplicaRouter().db_for_read(PublicHoliday) == DEFAULT_DB_ALIAS
            assert _ours().count() == 1
        assert sum(HOLIDAYS in x["sql"] for x in q.captured_queries) == 1


@replica
def test_a_replica_failing_under_a_marked_view_is_retried_on_the_primary():
    _holiday()
    calls = []

    @replica_reads
    def view():
        calls.append(1)
        return _ours().count()

    with replica_unreachable():
        # The last probe said all was well; the replica went away since.
        db_routing._probed = (
            db_routing.time.monotonic(),
            db_routing.ReplicaStatus(lag=0.0, max_lag=10.0),
        )
        assert view() == 1
        assert len(calls) == 2
        assert not db_routing.replica_status().usable  # marked down until the next probe


# --- read-your-writes, the pages, /healthz -------------------------------------------------------------
@replica
def test_a_post_pins_the_browser_to_the_primary_for_the_window(settings):
    settings.DATABASE_REPLICA_PIN_SECONDS = 13
    middleware = ReadYourWritesMiddleware(lambda request: HttpResponse())
    response = middleware(RequestFactory().post("/x/"))
    assert response.cookies[PIN_COOKIE]["max-age"] == 13
    assert response.cookies[PIN_COOKIE]["httponly"]
    assert PIN_COOKIE not in middleware(RequestFactory().get("/x/")).cookies


@pytest.fixture
def world(reference_data_tx):
    return World()


@replica
def test_the_office_dashboard_is_read_from_the_replica_until_the_user_posts(client, world):
    dossier_make(world.unit_a)
    client.force_login(world.officer_a)
    with Queries() as q:
        response = client.get(DASHBOARD)
    assert response.status_code == 200 and response.context["data"].open_total == 1
    assert q.on_replica("declarations_dossier") >= 2
    assert q.on_primary("declarations_dossier") == 0

    # A POST (here a sign-in form) pins this browser to the primary for the window.
    response = client.post(reverse("accounts:login"), {"username": "x", "password": "y"})
    assert PIN_COOKIE in response.cookies
    with Queries() as q:
        assert client.get(DASHBOARD).status_code == 200
    assert q.on_replica("declarations_dossier") == 0
    assert q.on_primary("declarations_dossier") >= 2

    del client.cookies[PIN_COOKIE]  # the window is over: the browser dropped the cookie
    with Queries() as q:
        client.get(DASHBOARD)
    assert q.on_replica("declarations_dossier") >= 2


@replica
def test_healthz_shows_the_replica_lag(client, settings):
    settings.HEALTH_CHECKS = ["database", "replica"]
    settings.DATABASE_REPLICA_MAX_LAG_SECONDS = 7
    body = client.get("/healthz").json()
    assert body["status"] == "ok"
    assert body["checks"]["replica"] == {
        "reads": "replica",
        "lag_seconds": 0.0,
        "max_lag_seconds": 7,
    }


@replica
def test_healthz_stays_ready_with_the_replica_down(client, settings):
    settings.HEALTH_CHECKS = ["database", "replica"]
    with replica_unreachable():
        response = client.get("/healthz")
    assert response.status_code == 200
    check = response.json()["checks"]["replica"]
    assert check["reads"] == "primary" and check["lag_seconds"] is None
    assert "OperationalError" in check["error"]
