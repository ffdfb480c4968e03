"""PostgreSQL restarted (crash-style, three times) while submitters send signed dossiers:
each submitter gets an error or a receipt, never a half-written dossier; retrying after an
error never stores a dossier twice; the audit chain still verifies."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[2]
DOSSIERS = 150
RESTART_AT = (10, 50, 95)
STALL = 60

pytestmark = pytest.mark.faults


def _runner(mode, work, env, **kwargs):
    args = [sys.executable, "-m", "tests.faults.intake_runner", mode, str(work)]
    for k, v in kwargs.items():
        args += [f"--{k}", str(v)]
    return args


def _stored(url) -> int:
    try:
        with psycopg.connect(url, connect_timeout=2) as c:
            return c.execute("SELECT count(*) FROM declarations_dossier").fetchone()[0]
    except psycopg.OperationalError:
        return -1


def test_restart_during_intake_leaves_no_half_written_dossier(private_pg, tmp_path):
    url = private_pg.create_database("bhxh_fault")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
        "DATABASE_URL": url,
        "CENTRAL_DATABASE_URL": private_pg.create_database("bhxh_fault_central"),
        "TRUSTED_CA_DIR": str(tmp_path / "pki" / "ca"),
        "TEST_CELERY_EAGER": "true",
        "PYTHONUNBUFFERED": "1",
    }
    run = dict(cwd=ROOT, env=env, timeout=180, capture_output=True, text=True)
    done = subprocess.run(_runner("setup", tmp_path, env, dossiers=DOSSIERS), **run)
    assert done.returncode == 0, done.stderr[-3000:]

    # Their log goes to a file: a pipe nobody reads until the end fills up with the
    # restarts' tracebacks and blocks every thread that logs.
    log_path = tmp_path / "submitters.log"
    log = log_path.open("w")
    submitters = subprocess.Popen(
        _runner("submit", tmp_path, env, threads=6, budget=300),
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    restarts = 0
    # A stall, not a slow machine, fails the test: the clock restarts at each stored dossier.
    seen, last_progress = 0, time.monotonic()
    try:
        for threshold in RESTART_AT:
            while (stored := _stored(url)) < threshold and submitters.poll() is None:
                if stored > seen:
                    seen, last_progress = stored, time.monotonic()
                if time.monotonic() - last_progress > STALL:
                    submitters.send_signal(signal.SIGUSR1)
                    time.sleep(1)
                    submitters.kill()
                    submitters.wait()
                    err = log_path.read_text()[-6000:]
                    pytest.fail(f"no dossier stored for {STALL} s at {stored}: {err}")
                time.sleep(0.02)
            if submitters.poll() is not None:
                break
            private_pg.restart("immediate")
            restarts += 1
            last_progress = time.monotonic()
        submitters.wait(timeout=330)
    finally:
        if submitters.poll() is None:
            submitters.kill()
        log.close()
    assert submitters.returncode == 0, log_path.read_text()[-3000:]
    assert restarts == len(RESTART_AT)

    done = subprocess.run(_runner("check", tmp_path, env), **run)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    print("pg-restart intake:", report)
    assert report["half_written"] == []
    assert report["receipts_without_dossier"] == []
    assert report["audit_chain_ok"] and report["audit_checked"] >= report["stored"]
    assert report["refused"] == 0
    # Submitters saw the restarts as errors, retried, and every dossier ended with a receipt,
    # stored exactly once.
    assert report["errors_seen"] > 0
    assert report["receipts"] == report["submitted"] == DOSSIERS
    assert report["stored"] == report["distinct_contents"] == DOSSIERS
