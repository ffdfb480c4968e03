"""PostgreSQL restarted (crash-style, three times) while submitters send signed dossiers:
each submitter gets an error or a receipt, never a half-written dossier; retrying after an
error never stores a dossier twice; the audit chain still verifies."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[2]
DOSSIERS = 150
RESTART_AT = (10, 50, 95)

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

    submitters = subprocess.Popen(
        _runner("submit", tmp_path, env, threads=6, budget=90),
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    restarts = 0
    deadline = time.monotonic() + 120
    try:
        for threshold in RESTART_AT:
            while _stored(url) < threshold and submitters.poll() is None:
                assert time.monotonic() < deadline, "submitters made no progress"
                time.sleep(0.02)
            if submitters.poll() is not None:
                break
            private_pg.restart("immediate")
            restarts += 1
        _out, err = submitters.communicate(timeout=150)
    finally:
        if submitters.poll() is None:
            submitters.kill()
    assert submitters.returncode == 0, err[-3000:]
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
