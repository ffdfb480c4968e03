"""Run in a subprocess against a private primary (``DATABASE_URL``) and its streaming
replica (``DATABASE_REPLICA_URL``): ``python -m tests.faults.replica_runner``.

One process, one Django start-up (the migrations are most of the test's time): it migrates
the primary and makes an office with an officer and an open dossier, waits for the replica
to replay it, opens the office dashboard and /healthz (from the replica), pauses the
replica's replay, writes a dossier and opens them again (from the primary, past the lag),
resumes; then prints ``STOP_REPLICA``, waits for a line on stdin (the test has stopped the
replica) and opens them once more. The last line it prints is a JSON report: for every
page, how many queries on the dossiers ran on each alias and what the page showed.
"""

from __future__ import annotations

import json
import os
import sys
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")

DASHBOARD = "/quan-ly/bang-dieu-khien/"
OFFICER = "replica-officer"


def _django():
    import django

    django.setup()
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the test client's host


def setup() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("loaddata", "offices", "roles", verbosity=0)
    from declarations.dossiers.calendar_seed import holidays_seed, time_limits_seed
    from declarations.dossiers.models import ProcedureTimeLimit, PublicHoliday
    from tests.declarations.review_world import dossier_make, staff, unit

    holidays_seed(PublicHoliday)
    time_limits_seed(ProcedureTimeLimit)
    staff("7501", username=OFFICER)
    dossier_make(unit("7501", unit_code="REPL01A"))


def _page(client, path: str) -> dict:
    from django.db import OperationalError, connections
    from django.test.utils import CaptureQueriesContext

    with ExitStack() as stack:
        primary = stack.enter_context(CaptureQueriesContext(connections["default"]))
        try:
            replica = stack.enter_context(CaptureQueriesContext(connections["replica"]))
        except OperationalError:
            replica = None  # stopped: nothing can run there
        response = client.get(path)
    out = {
        "status": response.status_code,
        "primary": sum("declarations_dossier" in q["sql"] for q in primary.captured_queries),
        "replica": sum("declarations_dossier" in q["sql"] for q in replica.captured_queries)
        if replica
        else 0,
    }
    if path == DASHBOARD:
        out["open_total"] = response.context["data"].open_total
    else:
        out["body"] = response.json()
    return out


def _client():
    from django.test import Client

    from accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username=OFFICER))
    return client


def _replica_sql(sql: str):
    import psycopg

    with psycopg.connect(os.environ["DATABASE_REPLICA_URL"], autocommit=True) as c:
        return c.execute(sql).fetchone()[0]


def serve() -> dict:
    from core.db_routing import replica_probe_forget
    from tests.declarations.review_world import dossier_make, unit

    client = _client()
    report = {"in_recovery": _replica_sql("SELECT pg_is_in_recovery()")}
    report["fresh"] = {"dashboard": _page(client, DASHBOARD), "healthz": _page(client, "/healthz")}

    # Replay paused, then a write the replica receives but does not apply: it falls behind.
    _replica_sql("SELECT pg_wal_replay_pause()")
    try:
        dossier_make(unit("7501", unit_code="REPL02A"))
        time.sleep(float(os.environ["DATABASE_REPLICA_MAX_LAG_SECONDS"]) + 0.5)
        replica_probe_forget()
        report["lagging"] = {
            "dashboard": _page(client, DASHBOARD),
            "healthz": _page(client, "/healthz"),
        }
    finally:
        _replica_sql("SELECT pg_wal_replay_resume()")
    deadline = time.monotonic() + 20
    while _replica_sql("SELECT count(*) FROM declarations_dossier") < 2:
        assert time.monotonic() < deadline, "replay did not resume"
        time.sleep(0.05)
    replica_probe_forget()
    report["resumed"] = {"dashboard": _page(client, DASHBOARD)}
    return report


def down() -> dict:
    from core.db_routing import replica_probe_forget

    replica_probe_forget()
    client = _client()
    return {"dashboard": _page(client, DASHBOARD), "healthz": _page(client, "/healthz")}


def _caught_up(timeout: float = 30) -> None:
    import psycopg

    with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as c:
        target = c.execute("SELECT pg_current_wal_lsn()").fetchone()[0]
    deadline = time.monotonic() + timeout
    while not _replica_sql(f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn"):
        assert time.monotonic() < deadline, "the replica did not catch up"
        time.sleep(0.05)


if __name__ == "__main__":
    _django()
    setup()
    _caught_up()
    report = serve()
    print("STOP_REPLICA", flush=True)
    sys.stdin.readline()
    report["down"] = down()
    print(json.dumps(report))
