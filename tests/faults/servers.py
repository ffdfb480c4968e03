"""Throwaway PostgreSQL clusters and Redis servers for the fault tests (and the simulation).

Each one lives in its own temporary directory, listens on a free loopback port, and is
restarted or killed only through the process it started: the machine's shared servers are
never touched.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


def pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


class PrivatePostgres:
    """``initdb`` into a temporary folder, trust auth, loopback, a free port."""

    def __init__(self):
        self.bin = pg_bin()
        if self.bin is None:
            raise RuntimeError("PostgreSQL server binaries not found")
        self.dir = Path(tempfile.mkdtemp(prefix="bhxh-pg-"))
        self.data = self.dir / "data"
        self.port = free_port()
        self.log = self.dir / "server.log"
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")

    def _run(self, *args, check=True, timeout=60):
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        # PostgreSQL refuses to run as root: then run it as the system's postgres user.
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        return subprocess.run(
            [*prefix, str(self.bin / args[0]), *args[1:]],
            check=check,
            capture_output=True,
            timeout=timeout,
            env=env,
        )

    def init(self) -> PrivatePostgres:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8")
        # fsync off is safe here (the machine does not crash, only the server); commits
        # stay synchronous: with synchronous_commit = off an immediate stop loses
        # acknowledged commits, and the intake fault test catches exactly that.
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(
                "\nlisten_addresses = '127.0.0.1'\nfsync = off\n"
                "full_page_writes = off\nmax_connections = 200\nshared_buffers = 64MB\n"
            )
        return self

    def start(self) -> None:
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-w",
            "-t",
            "30",
            "-o",
            f"-p {self.port} -k {self.dir}",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "30", "stop", check=False)

    def restart(self, mode: str = "immediate") -> None:
        """Stop (``immediate`` = like a crash: no checkpoint, connections cut) and start."""
        self.stop(mode)
        self.start()

    def url(self, dbname: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{dbname}"

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True) as c:
            c.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def destroy(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


class PrivateReplica(PrivatePostgres):
    """A streaming hot standby of ``primary``: ``pg_basebackup -R`` (standby.signal and the
    primary's address written for it) into a temporary folder, on another free port."""

    def __init__(self, primary: PrivatePostgres):
        super().__init__()
        self.primary = primary

    def init(self) -> PrivateReplica:
        self._run(
            "pg_basebackup", "-h", "127.0.0.1", "-p", str(self.primary.port), "-U", "postgres",
            "-D", str(self.data), "-R", "-X", "stream", "-c", "fast",
        )  # fmt: skip
        return self

    def promote(self, timeout: float = 60) -> None:
        """``pg_ctl promote``: the standby ends recovery and takes writes (what Patroni does
        on a failover, scripted)."""
        self._run("pg_ctl", "-D", str(self.data), "-w", "-t", str(int(timeout)), "promote")


class PrivateRedis:
    """``redis-server`` without persistence on a free loopback port."""

    def __init__(self):
        self.binary = shutil.which("redis-server")
        if self.binary is None:
            raise RuntimeError("redis-server not found")
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> PrivateRedis:
        self.proc = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 10
        while not _port_open(self.port):
            if time.monotonic() > deadline:
                raise RuntimeError("private redis-server did not start")
            time.sleep(0.05)
        return self

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)

    def restart(self, down_seconds: float = 0.5) -> None:
        """Kill -9 (everything in it is lost: no persistence) and start again, same port."""
        self.kill()
        time.sleep(down_seconds)
        self.start()


def pgbouncer_binary() -> str | None:
    """The PgBouncer to run: ``PGBOUNCER_BIN`` (another build, e.g. one that keeps prepared
    statements), else the one installed."""
    found = os.environ.get("PGBOUNCER_BIN") or shutil.which("pgbouncer")
    if found is None and Path("/usr/sbin/pgbouncer").exists():
        found = "/usr/sbin/pgbouncer"
    return found


def pgbouncer_version(binary: str | None) -> tuple[int, ...]:
    """``(1, 24, 1)`` from ``pgbouncer --version``; ``()`` when there is none."""
    if not binary:
        return ()
    out = subprocess.run([binary, "--version"], capture_output=True, text=True, check=False)
    match = re.search(r"PgBouncer (\d+)\.(\d+)(?:\.(\d+))?", out.stdout + out.stderr)
    return tuple(int(x) for x in match.groups(default="0")) if match else ()


class PrivatePgBouncer:
    """``pgbouncer`` in transaction mode on a free loopback port, in front of a PostgreSQL
    server (``*``: every database of it under its own name), with a small server pool so
    that concurrent clients take turns on the same server connections."""

    def __init__(
        self,
        upstream_port: int,
        *,
        pool_size: int = 3,
        upstream_host="127.0.0.1",
        settings: dict | None = None,
        binary: str | None = None,
    ):
        self.binary = binary or pgbouncer_binary()
        if self.binary is None:
            raise RuntimeError("pgbouncer not found")
        self.dir = Path(tempfile.mkdtemp(prefix="bhxh-pgbouncer-"))
        self.port = free_port()
        self.log = self.dir / "pgbouncer.log"
        self.proc: subprocess.Popen | None = None
        # The fault clusters and the machine's server trust loopback: PgBouncer checks the
        # name against its user list only.
        (self.dir / "userlist.txt").write_text('"postgres" ""\n')
        (self.dir / "pgbouncer.ini").write_text(
            "[databases]\n"
            f"* = host={upstream_host} port={upstream_port}\n"
            "[pgbouncer]\n"
            f"listen_addr = 127.0.0.1\nlisten_port = {self.port}\nunix_socket_dir =\n"
            f"auth_type = trust\nauth_file = {self.dir / 'userlist.txt'}\n"
            "pool_mode = transaction\n"
            f"default_pool_size = {pool_size}\nmin_pool_size = 0\nreserve_pool_size = 0\n"
            "max_client_conn = 500\nadmin_users = postgres\n"
            f"logfile = {self.log}\npidfile = {self.dir / 'pgbouncer.pid'}\n"
            # Further [pgbouncer] settings of a test (timeouts, retries).
            + "".join(f"{k} = {v}\n" for k, v in (settings or {}).items())
        )
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
            for path in self.dir.iterdir():
                shutil.chown(path, "postgres", "postgres")

    def start(self) -> PrivatePgBouncer:
        # PgBouncer refuses to run as root: it switches to the postgres user itself.
        user = ["-u", "postgres"] if os.geteuid() == 0 else []
        self.proc = subprocess.Popen(
            [self.binary, *user, str(self.dir / "pgbouncer.ini")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 10
        while not _port_open(self.port):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"pgbouncer did not start: {self.log_text()[-2000:]}")
            time.sleep(0.05)
        return self

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def admin(self, command: str) -> None:
        """A command on the admin console (``RELOAD``, ``PAUSE``, ``RESUME`` …)."""
        import psycopg

        with psycopg.connect(
            f"postgres://postgres@127.0.0.1:{self.port}/pgbouncer",
            autocommit=True,
            prepare_threshold=None,
            cursor_factory=psycopg.ClientCursor,
        ) as c:
            c.execute(command)

    def repoint(self, upstream_port: int, upstream_host: str = "127.0.0.1") -> None:
        """Send every database to another server (a promoted standby): the ini rewritten and
        ``RELOAD`` on the admin console, the listening port and the clients kept."""
        ini = self.dir / "pgbouncer.ini"
        lines = ini.read_text().splitlines()
        lines = [
            f"* = host={upstream_host} port={upstream_port}" if line.startswith("* = ") else line
            for line in lines
        ]
        ini.write_text("\n".join(lines) + "\n")
        self.admin("RELOAD")

    def show(self, what: str) -> list[tuple]:
        """``SHOW POOLS`` / ``SHOW STATS`` … from the admin console (simple protocol only)."""
        import psycopg

        with psycopg.connect(
            f"postgres://postgres@127.0.0.1:{self.port}/pgbouncer",
            autocommit=True,
            prepare_threshold=None,
            cursor_factory=psycopg.ClientCursor,
        ) as c:
            cur = c.execute(f"SHOW {what}")
            names = [d.name for d in cur.description]
            return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    def destroy(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)


def rabbitmq_bin() -> Path | None:
    found = Path("/usr/lib/rabbitmq/bin/rabbitmq-server")
    return found if found.exists() else None


class PrivateRabbitMQ:
    """A ``rabbitmq-server`` node of its own: its name, data, logs and Erlang cookie in a
    temporary folder, loopback listeners on free ports (the machine's own node and its
    configuration are never touched). ``restart`` is a crash: kill -9 and start again on
    the same data, so what the node had written survives and nothing else."""

    def __init__(self):
        self.binary = rabbitmq_bin()
        if self.binary is None:
            raise RuntimeError("rabbitmq-server not installed")
        self.dir = Path(tempfile.mkdtemp(prefix="bhxh-rabbitmq-"))
        self.port = free_port()
        self.dist_port = free_port()
        self.name = f"bhxh{self.port}@localhost"
        (self.dir / "rabbitmq.conf").write_text(
            f"listeners.tcp.local = 127.0.0.1:{self.port}\n"
            # guest may connect from loopback only, which is all there is here.
            "log.console = false\nlog.file.level = warning\n"
        )
        (self.dir / "enabled_plugins").write_text("[].\n")
        (self.dir / "rabbitmq-env.conf").write_text("")
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}//"

    def _env(self) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("RABBITMQ_", "ERL_"))}
        return {
            **env,
            "HOME": str(self.dir),  # the node's own Erlang cookie
            "RABBITMQ_NODENAME": self.name,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_CONFIG_FILE": str(self.dir / "rabbitmq.conf"),
            "RABBITMQ_ADVANCED_CONFIG_FILE": str(self.dir / "advanced.config"),
            "RABBITMQ_CONF_ENV_FILE": str(self.dir / "rabbitmq-env.conf"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.dir / "enabled_plugins"),
            "RABBITMQ_MNESIA_BASE": str(self.dir / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.dir / "log"),
            "RABBITMQ_PID_FILE": str(self.dir / "node.pid"),
            "ERL_EPMD_ADDRESS": "127.0.0.1",
        }

    def start(self, timeout: float = 60) -> PrivateRabbitMQ:
        self.proc = subprocess.Popen(
            [str(self.binary)],
            cwd=self.dir,
            env=self._env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while not self._ready():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("private rabbitmq-server did not start")
            time.sleep(0.2)
        return self

    def _ready(self) -> bool:
        """The AMQP listener opens only once the node has booted (queues recovered)."""
        if not _port_open(self.port):
            return False
        import amqp

        try:
            conn = amqp.Connection(f"127.0.0.1:{self.port}", connect_timeout=2)
            conn.connect()
            conn.close()
        except Exception:  # noqa: BLE001  (still booting)
            return False
        return True

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        """SIGTERM: the node shuts down cleanly (as a service manager stops it)."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()

    def restart(self, down_seconds: float = 0.5, *, crash: bool = True) -> None:
        """kill -9 the node (``crash``) or stop it cleanly, and start it on the same data."""
        self.kill() if crash else self.stop()
        time.sleep(down_seconds)
        self.start()

    def destroy(self) -> None:
        self.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


class PrivateGunicorn:
    """The portal under ``gunicorn`` on a free loopback port, with the environment given
    (its databases, broker …); its log in a temporary file."""

    def __init__(self, env: dict, *, workers: int = 2, threads: int = 2, timeout: int = 60):
        self.env = env
        self.port = free_port()
        self.args = ["-w", str(workers), "--threads", str(threads), "-t", str(timeout)]
        self.proc: subprocess.Popen | None = None
        self.log = Path(tempfile.mkstemp(prefix="bhxh-gunicorn-", suffix=".log")[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> PrivateGunicorn:
        import sys

        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [
                    sys.executable, "-m", "gunicorn", "portal.wsgi", *self.args,
                    "-b", f"127.0.0.1:{self.port}", "--log-level", "warning",
                ],
                cwd=Path(__file__).resolve().parents[2],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        return self

    def wait_ready(self, timeout: float = 60) -> None:
        """Until /healthz answers (any status: the workers have booted)."""
        import requests

        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn ended: {self.log_text()[-2000:]}")
            try:
                requests.get(f"{self.url}/healthz", timeout=2)
                return
            except requests.RequestException:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn not ready: {self.log_text()[-2000:]}") from None
                time.sleep(0.2)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self.log.unlink(missing_ok=True)
