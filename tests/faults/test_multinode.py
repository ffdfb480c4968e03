"""Past one machine, with real processes: a primary PostgreSQL, its streaming replica
(``pg_basebackup -R``, synchronous), PgBouncer in transaction mode in front of the primary,
two gunicorn nodes on their own ports (the database through PgBouncer, reads marked for the
replica on it), two Celery workers on a private Redis, and the central store over HTTP.

Signed dossiers go in through the I-VAN API of both nodes in turn, closures are confirmed
and pushed by the workers, an officer's browser keeps reading the office dashboard from
both nodes. Mid-workload the primary dies (``pg_ctl stop -m immediate``), the replica is
promoted (``pg_ctl promote``) and PgBouncer is pointed at it (ini rewritten, ``RELOAD``):
the failover Patroni does in production, scripted. Then: no client holds a receipt for a
dossier the promoted database lacks (a request that failed answered an error), every
closure reached the central store once, the audit chain verifies, and the dashboard kept
answering from the replica while the primary was down, before and after the promotion."""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import queue
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import psycopg
import pytest
import requests
from django.db import connections

from central.models import CentralClosure
from ivan.client import ApiError, IvanClient
from tests.conftest import WorkerProcess, wait_until

from .servers import (
    PrivateGunicorn,
    PrivatePgBouncer,
    PrivatePostgres,
    PrivateRedis,
    PrivateReplica,
    pg_bin,
)

pytestmark = [
    pytest.mark.faults,
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True, databases=["default", "central"]),
]

ROOT = Path(__file__).resolve().parents[2]
DB = "bhxh_multinode"
DOSSIERS = 30  # through the I-VAN API, two clients' threads, the two nodes in turn
STOP_AFTER = 10  # receipts handed out before the primary dies
HELD_BACK = 14  # dossiers from this one on are sent once the primary is down
CLOSURES_BEFORE = 300  # confirmed before the failover: their pushes straddle it
PUSHED_BEFORE = 40  # of them at the central store when the primary dies
CLOSURES_AFTER = 100  # confirmed on the promoted primary
DASHBOARD = "/quan-ly/bang-dieu-khien/"
BUDGET = 240  # seconds: every wait below is bounded by it (the test aims at ≈ 90 s)


def _missing_binary() -> str | None:
    if pg_bin() is None:
        return "PostgreSQL server binaries not installed"
    if not (shutil.which("pgbouncer") or Path("/usr/sbin/pgbouncer").exists()):
        return "pgbouncer not installed"
    if shutil.which("redis-server") is None:
        return "redis-server not installed"
    if importlib.util.find_spec("gunicorn") is None:
        return "gunicorn not installed"
    return None


class Runner:
    """tests/faults/multinode_runner.py in a subprocess: commands in, ``REPLY`` lines out."""

    def __init__(self, work: Path, env: dict):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.faults.multinode_runner", str(work), str(DOSSIERS)],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.replies: queue.Queue = queue.Queue()
        self.stderr: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._drain, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            if line.startswith("REPLY "):
                self.replies.put(json.loads(line[6:]))
        self.replies.put({"error": "runner ended", "stderr": "".join(self.stderr)[-3000:]})

    def _drain(self):
        for line in self.proc.stderr:
            self.stderr.append(line)

    def reply(self, timeout: float) -> dict:
        try:
            answer = self.replies.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"runner silent for {timeout}s") from None
        assert "error" not in answer, answer
        return answer

    def ask(self, command: str, timeout: float = 60) -> dict:
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        return self.reply(timeout)

    def stop(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write("quit\n")
                self.proc.stdin.flush()
                self.proc.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait(timeout=10)


class Workload:
    """Submitters (the I-VAN API of both nodes in turn, a retry after each error as a
    provider's software does, with the same Idempotency-Key) and an officer's browser
    reading the dashboard of both nodes; every answer recorded with the phase it began in."""

    def __init__(self, nodes: list[str], setup: dict, dossiers: list[bytes], deadline: float):
        self.nodes, self.setup, self.dossiers, self.deadline = nodes, setup, dossiers, deadline
        self.phase = "primary"
        self.todo = list(range(len(dossiers)))
        self.lock = threading.Lock()
        self.answers: dict[int, list[dict]] = {}
        self.reads: list[dict] = []
        self.stopping = False
        self.failures: list[str] = []
        self.threads = [threading.Thread(target=self._submitter) for _ in range(2)]
        self.threads.append(threading.Thread(target=self._reader))

    def start(self):
        for t in self.threads:
            t.start()

    def join(self):
        self.stopping = True
        for t in self.threads:
            t.join(timeout=60)

    def receipts(self) -> int:
        with self.lock:
            return sum(1 for a in self.answers.values() if a and "receipt" in a[-1])

    def _client(self, node: str) -> IvanClient:
        client = IvanClient(
            f"{node}/api/ivan/v1",
            self.setup["client_id"],
            self.setup["secret"],
            scopes=("dossiers:submit", "dossiers:read"),
            timeout=30,
        )
        client.token()  # before any outage: a token is a write on the primary
        return client

    def _submitter(self):
        try:
            clients = [self._client(node) for node in self.nodes]
            while not self.stopping:
                with self.lock:
                    if not self.todo:
                        return
                    k = self.todo.pop(0)
                    answers = self.answers.setdefault(k, [])
                # The rest waits for the primary's death, however fast this machine: some
                # submissions are in flight when it dies, the others meet the outage.
                while k >= HELD_BACK and self.phase == "primary" and not self.stopping:
                    time.sleep(0.05)
                attempt = 0
                while time.monotonic() < self.deadline and not self.stopping:
                    node = (k + attempt) % 2
                    phase = self.phase
                    try:
                        body = clients[node].submit_dossier(
                            self.dossiers[k], idempotency_key=f"multinode-{k}"
                        )
                    except (ApiError, requests.RequestException) as exc:
                        status = getattr(exc, "status", type(exc).__name__)
                        answers.append({"phase": phase, "node": node, "error": status})
                        attempt += 1
                        time.sleep(0.3)
                        continue
                    answers.append(
                        {"phase": phase, "node": node, "receipt": body["transaction_code"]}
                    )
                    break
        except Exception as exc:  # noqa: BLE001  (reported by the test)
            self.failures.append(repr(exc))

    def _reader(self):
        cookies = {self.setup["session_cookie"]: self.setup["session"]}
        n = 0
        while not self.stopping and time.monotonic() < self.deadline:
            node = n % 2
            n += 1
            phase = self.phase
            try:
                status = requests.get(
                    self.nodes[node] + DASHBOARD, cookies=cookies, timeout=20
                ).status_code
            except requests.RequestException as exc:
                status = type(exc).__name__
            self.reads.append({"phase": phase, "node": node, "status": status})
            time.sleep(0.2)


def _sql(url: str, query: str):
    with psycopg.connect(url, autocommit=True, connect_timeout=5) as c:
        cur = c.execute(query)
        return cur.fetchall() if cur.description else None


def _replicate_synchronously(primary: PrivatePostgres) -> None:
    """Commits wait for the standby's flush: an acknowledged commit survives the
    primary's crash (after the base backup: the standby's copy of the settings has none)."""
    url = primary.url("postgres")
    _sql(url, "ALTER SYSTEM SET synchronous_standby_names = '*'")
    _sql(url, "SELECT pg_reload_conf()")
    wait_until(
        lambda: _sql(url, "SELECT 1 FROM pg_stat_replication WHERE sync_state = 'sync'"),
        timeout=60,
        interval=0.1,
    )


def _schema_copy(primary: PrivatePostgres) -> None:
    """The test database's schema (migrated by pytest-django for this run) copied into the
    private primary: ``migrate`` from nothing takes minutes on a busy machine, a restore
    seconds. The runner's ``migrate`` then only checks that nothing is missing."""
    db = connections["default"].settings_dict
    dump = subprocess.run(
        [
            str(pg_bin() / "pg_dump"), "-h", db["HOST"] or "127.0.0.1", "-p", str(db["PORT"] or 5432),
            "-U", db["USER"] or "postgres", "-Fc", "--no-owner", "--no-privileges", db["NAME"],
        ],
        capture_output=True, check=True, timeout=120,
    )  # fmt: skip
    subprocess.run(
        [
            str(pg_bin() / "pg_restore"), "-h", "127.0.0.1", "-p", str(primary.port),
            "-U", "postgres", "--no-owner", "--no-privileges", "-d", DB,
        ],
        input=dump.stdout, capture_output=True, check=True, timeout=120,
    )  # fmt: skip


def _central_url() -> str:
    db = connections["central"].settings_dict
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def test_failover_to_the_promoted_replica_loses_nothing(central, credentials_file, tmp_path):
    reason = _missing_binary()
    if reason:
        pytest.skip(reason)
    if connections["default"].vendor != "postgresql":
        pytest.skip("the nodes run on PostgreSQL (the test database gives them its schema)")
    deadline = time.monotonic() + BUDGET
    started = time.monotonic()
    cleanup: list = []
    timings: dict[str, float] = {}
    try:
        primary = PrivatePostgres().init()
        cleanup.append(primary.destroy)
        primary.start()
        primary.create_database(DB)
        _schema_copy(primary)
        replica = PrivateReplica(primary).init()
        cleanup.append(replica.destroy)
        replica.start()
        _replicate_synchronously(primary)
        bouncer = PrivatePgBouncer(
            primary.port,
            pool_size=4,
            # A client waiting for a server that is down hears so in seconds, not minutes;
            # a failed server login is tried again each second, not each 15 s.
            settings={"query_wait_timeout": 3, "server_login_retry": 1},
        ).start()
        cleanup.append(bouncer.destroy)
        redis = PrivateRedis().start()
        cleanup.append(redis.kill)
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "portal.settings.test",
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:{bouncer.port}/{DB}",
            "DATABASE_POOLER": "pgbouncer",
            "DATABASE_REPLICA_URL": replica.url(DB),
            "DATABASE_REPLICA_PROBE_SECONDS": "1",
            "CENTRAL_DATABASE_URL": _central_url(),
            "CENTRAL_API_URL": central.url,
            "CLOSURE_CREDENTIALS_FILE": str(credentials_file),
            "CLOSURE_PUSH_BATCH_SIZE": "20",
            "CLOSURE_PUSH_LEASE_SECONDS": "2",
            "TEST_REDIS_URL": redis.url,
            "TEST_CELERY_EAGER": "false",
            "TRUSTED_CA_DIR": str(tmp_path / "trusted-ca"),
            # Every dashboard read renews the session: the renewal is a write, which must
            # not fail a page while the primary is down.
            "SESSION_RENEW_SECONDS": "1",
            "PYTHONUNBUFFERED": "1",
        }
        # The nodes boot while the runner migrates (they touch no database until asked).
        runner = Runner(tmp_path, env)
        cleanup.append(runner.stop)
        nodes = [PrivateGunicorn(env, workers=1, threads=4).start() for _ in range(2)]
        cleanup.extend(n.stop for n in nodes)
        workers = [WorkerProcess(redis.url, env).start(concurrency=1) for _ in range(2)]
        cleanup.extend(w.stop for w in workers)
        runner.reply(timeout=deadline - time.monotonic())
        timings["setup"] = time.monotonic() - started
        setup = json.loads((tmp_path / "setup.json").read_text())
        for node in nodes:
            node.wait_ready(timeout=deadline - time.monotonic())
        timings["ready"] = time.monotonic() - started

        dossiers = [p.read_bytes() for p in sorted((tmp_path / "dossiers").glob("*.xml"))]
        load = Workload([n.url for n in nodes], setup, dossiers, deadline)
        load.start()
        cleanup.append(load.join)
        runner.ask(f"closures {CLOSURES_BEFORE}")
        wait_until(
            lambda: load.receipts() >= STOP_AFTER and _pushed() >= PUSHED_BEFORE,
            timeout=deadline - time.monotonic(),
        )
        pushed_before = _pushed()
        timings["stop"] = time.monotonic() - started

        # The primary dies. Reads go on from the replica; writes fail until the promotion.
        primary.stop("immediate")
        load.phase = "down"
        down_at = time.monotonic()
        wait_until(
            lambda: (
                _reads(load, "down", per_node=3)
                and any(
                    "error" in a for v in load.answers.values() for a in v if a["phase"] == "down"
                )
            ),
            timeout=deadline - time.monotonic(),
            interval=0.1,
        )
        replica.promote()
        load.phase = "promoted"
        bouncer.repoint(replica.port)
        timings["failover"] = time.monotonic() - down_at
        wait_until(
            lambda: _reads(load, "promoted", per_node=3), timeout=deadline - time.monotonic()
        )
        timings["promoted_reads"] = time.monotonic() - started
        runner.ask(f"closures {CLOSURES_AFTER}")
        total = CLOSURES_BEFORE + CLOSURES_AFTER
        # Beat's sweep (every minute in production; here every 2 s) finds the records whose
        # push the failover cut.
        wait_until(
            lambda: runner.ask("sweep") and _pushed() >= total and load.receipts() == DOSSIERS,
            timeout=deadline - time.monotonic(),
            interval=2,
        )
        timings["drained"] = time.monotonic() - started
        load.join()
        report = runner.ask("check", timeout=120)
        timings["total"] = time.monotonic() - started
    finally:
        print("multinode timings:", {k: round(v, 1) for k, v in timings.items()})
        node_logs = ""
        with contextlib.suppress(Exception):
            node_logs = "\n".join(n.log_text() for n in nodes)
            (tmp_path / "nodes.log").write_text(node_logs)
            node_logs = node_logs[-3000:]
        for step in cleanup[::-1]:
            with contextlib.suppress(Exception):  # tearing down: the rest must run
                step()

    assert load.failures == []
    # The database the clients end on is the promoted standby, reached through PgBouncer.
    assert report["server"] == {"in_recovery": False, "port": replica.port}

    # No receipt for a dossier that is not stored; a failed request answered an error.
    handed = {a["receipt"] for v in load.answers.values() for a in v if "receipt" in a}
    stored = set(report["transaction_codes"])
    assert handed <= stored and len(handed) == DOSSIERS
    assert all(v[-1].get("receipt") for v in load.answers.values())
    assert all("error" in a for v in load.answers.values() for a in v[:-1])
    errors = Counter(a["error"] for v in load.answers.values() for a in v if "error" in a)
    assert errors, "no submission met the failover"
    assert report["half_written"] == []
    # Retries after an error stored nothing twice.
    assert report["stored"] == report["distinct_contents"] == DOSSIERS

    # Every closure at the central store once, with the receipt the portal kept.
    at_central = CentralClosure.objects.using("central")
    assert at_central.count() == total
    assert at_central.values("reference", "version").distinct().count() == total
    assert dict(at_central.values_list("reference", "receipt")) == report["central_receipts"]
    assert report["push_states"] == {"pushed": total}

    # The audit chain, sealed and verified on the promoted database.
    assert report["audit_chain_ok"] and report["audit_checked"] >= DOSSIERS

    # The dashboard answered on both nodes all along: from the replica while the primary
    # was down, and after the promotion.
    by_phase = Counter((r["phase"], r["status"]) for r in load.reads)
    assert {status for _phase, status in by_phase} == {200}, (by_phase, node_logs)
    print(
        f"multinode: ready {timings['ready']:.0f}s, failover {timings['failover']:.1f}s, "
        f"total {timings['total']:.0f}s; {DOSSIERS} dossiers, submission errors {dict(errors)}; "
        f"reads {dict(by_phase)}; {total} closures once ({pushed_before} before the failover)"
    )


def _pushed() -> int:
    return CentralClosure.objects.using("central").count()


def _reads(load: Workload, phase: str, per_node: int) -> bool:
    done = Counter(r["node"] for r in load.reads if r["phase"] == phase)
    return all(done[node] >= per_node for node in (0, 1))
