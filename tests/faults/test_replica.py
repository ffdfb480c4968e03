"""A private primary and its streaming replica (``pg_basebackup -R``, another port): the
office dashboard is read from the replica, /healthz shows the replica's lag, and the pages
fall back to the primary when the replica's replay is paused past the allowed lag and when
the replica is stopped."""

import json
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest

from .servers import PrivatePostgres, PrivateReplica, pg_bin

ROOT = Path(__file__).resolve().parents[2]
MAX_LAG = 1

pytestmark = pytest.mark.faults


@pytest.fixture
def primary_and_replica():
    if pg_bin() is None:
        pytest.skip("PostgreSQL server binaries not installed")
    primary = PrivatePostgres().init()
    primary.start()
    replica = None
    try:
        url = primary.create_database("bhxh_replica")
        central = primary.create_database("bhxh_replica_central")
        replica = PrivateReplica(primary).init()
        replica.start()
        yield primary, replica, url, central
    finally:
        if replica is not None:
            replica.destroy()
        primary.destroy()


BUDGET = 80  # seconds for the runner; with the servers' start the test ends within 90 s


def _run_with_replica_stop(env: dict, replica: PrivateReplica) -> dict:
    """Run the runner; stop the replica when it asks; its JSON report."""
    # Its log goes to a file: a pipe read only at the end could fill and block it.
    log = tempfile.TemporaryFile("w+")  # noqa: SIM115  (closed in the finally below)
    runner = subprocess.Popen(
        [sys.executable, "-m", "tests.faults.replica_runner"],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    watchdog = threading.Timer(BUDGET, runner.kill)
    watchdog.start()
    try:
        for line in runner.stdout:
            if line.strip() == "STOP_REPLICA":
                replica.stop("immediate")
                runner.stdin.write("stopped\n")
                runner.stdin.flush()
                break
        out, _ = runner.communicate()
    finally:
        watchdog.cancel()
        if runner.poll() is None:
            runner.kill()
        log.seek(0)
        err = log.read()
        log.close()
    assert runner.returncode == 0, err[-3000:]
    return json.loads(out.strip().splitlines()[-1])


def test_dashboard_reads_the_replica_and_falls_back_to_the_primary(primary_and_replica):
    primary, replica, url, central = primary_and_replica
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
        "DATABASE_URL": url,
        "CENTRAL_DATABASE_URL": central,
        "DATABASE_REPLICA_URL": replica.url("bhxh_replica"),
        "DATABASE_REPLICA_MAX_LAG_SECONDS": str(MAX_LAG),
        "HEALTH_CHECKS": "database,replica",
        "PYTHONUNBUFFERED": "1",
    }
    report = _run_with_replica_stop(env, replica)
    print("replica:", report)
    assert report["in_recovery"] is True
    fresh = report["fresh"]
    # Every dossier query of the dashboard ran on the replica, none on the primary.
    assert fresh["dashboard"]["status"] == 200 and fresh["dashboard"]["open_total"] == 1
    assert fresh["dashboard"]["replica"] >= 2 and fresh["dashboard"]["primary"] == 0
    health = fresh["healthz"]["body"]
    assert fresh["healthz"]["status"] == 200 and health["status"] == "ok"
    assert health["checks"]["replica"]["reads"] == "replica"
    assert 0 <= health["checks"]["replica"]["lag_seconds"] <= MAX_LAG

    # Replay paused past the allowed lag: the primary answers, with the new dossier.
    lagging = report["lagging"]
    assert lagging["dashboard"]["open_total"] == 2
    assert lagging["dashboard"]["replica"] == 0 and lagging["dashboard"]["primary"] >= 2
    check = lagging["healthz"]["body"]["checks"]["replica"]
    assert lagging["healthz"]["status"] == 200
    assert check["reads"] == "primary" and check["lag_seconds"] > MAX_LAG

    # Replay resumed: back on the replica, which now has it too.
    resumed = report["resumed"]["dashboard"]
    assert resumed["open_total"] == 2 and resumed["replica"] >= 2 and resumed["primary"] == 0

    # The replica stopped: the pages are served from the primary, /healthz says why and
    # stays ready (200).
    down = report["down"]
    assert down["dashboard"]["status"] == 200 and down["dashboard"]["open_total"] == 2
    assert down["dashboard"]["primary"] >= 2 and down["dashboard"]["replica"] == 0
    assert down["healthz"]["status"] == 200
    check = down["healthz"]["body"]["checks"]["replica"]
    assert check["reads"] == "primary" and check["lag_seconds"] is None and check["error"]
