"""docker-compose.yml validates offline; the README's commands are the ones CI runs."""

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_docker_compose_file_is_valid():
    if not shutil.which("docker-compose"):
        pytest.skip("docker-compose (Debian package) not installed")
    result = subprocess.run(
        ["docker-compose", "-f", "docker-compose.yml", "config", "-q"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


def test_compose_has_the_production_services():
    import yaml

    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    assert {"web", "worker", "beat", "postgres", "redis", "central", "central-db"} <= set(services)
    assert "gunicorn" in " ".join(services["web"]["command"])


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "scripts/test.sh" in readme and "exec scripts/test.sh" in ci
    assert "scripts/dev.sh" in readme


def test_the_dev_command_starts_the_portal_on_a_fresh_sqlite_database(tmp_path):
    """The README's first command on a fresh machine: migrations that only work on
    PostgreSQL would break it, so it runs here on empty SQLite files."""
    import os
    import signal
    import socket
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_", "CENTRAL_", "CELERY_"))
    }
    env.update(
        PORT=str(port),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        CENTRAL_DATABASE_URL=f"sqlite:///{tmp_path / 'central.sqlite3'}",
    )
    log = (tmp_path / "dev.log").open("w+")
    proc = subprocess.Popen(
        ["bash", "scripts/dev.sh"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline, page = time.monotonic() + 300, None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/tai-khoan/dang-nhap/", timeout=5
                ) as r:
                    page = r.read().decode()
                break
            except OSError:
                time.sleep(1)
        log.seek(0)
        output = log.read()
        assert page is not None, output[-3000:]
        assert "donvi_" in output and "Portal: http://127.0.0.1:" in output
        assert "<form" in page
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)


def _compose() -> dict:
    import yaml

    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_every_long_running_service_has_a_health_check():
    services = _compose()["services"]
    one_shot = {name for name, s in services.items() if s.get("restart") == "no"}
    assert one_shot == {"migrate"}
    for name, service in services.items():
        check = service.get("healthcheck") or {}
        if name in one_shot:
            continue
        assert check.get("test") and not check.get("disable"), name
    assert "inspect ping" in " ".join(services["worker"]["healthcheck"]["test"])
    assert "fresh" in services["beat"]["healthcheck"]["test"]
    assert services["central"]["environment"]["HEALTH_CHECKS"]


def _mount(spec: str) -> tuple[str, str]:
    """(target, source) of a short-syntax volume, the source possibly ``${VAR:-default}``."""
    import re

    target = re.search(r":(/[^:]*)(?::r[ow])?$", spec).group(1)
    return target, spec[: spec.rindex(f":{target}")]


def test_uploads_and_the_trust_store_are_volumes():
    compose = _compose()
    services = compose["services"]
    assert "media" in compose["volumes"]
    env = services["web"]["environment"]
    for name in ("web", "worker"):
        mounts = dict(_mount(v) for v in services[name]["volumes"])
        assert mounts[env["MEDIA_ROOT"]] == "media", name
        assert env["TRUSTED_CA_DIR"] in mounts, name


def test_the_image_writes_only_to_its_own_folders_and_checks_its_health():
    dockerfile = (ROOT / "Dockerfile").read_text()
    lines = [line.strip() for line in dockerfile.splitlines()]
    user = lines.index("USER portal")
    media = next(i for i, line in enumerate(lines) if "chown portal:portal /srv/media" in line)
    assert media < user  # created and handed to the app user before dropping root
    assert "ENV MEDIA_ROOT=/srv/media" in lines
    assert any(line.startswith("HEALTHCHECK") for line in lines)
    assert "COPY deploy/healthcheck.py ./deploy/healthcheck.py" in lines


# --- the probes (deploy/healthcheck.py) ------------------------------------------------------


def _probe(*args, env=None):
    return subprocess.run(
        [sys.executable, str(ROOT / "deploy" / "healthcheck.py"), *args],
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture
def fake_web():
    """An HTTP server answering /healthz 200 only to the first allowed host over HTTPS."""
    import http.server
    import threading

    seen = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append(dict(self.headers))
            ok = (
                self.headers["Host"] == "portal.example.vn"
                and self.headers["X-Forwarded-Proto"] == "https"
            )
            self.send_response(200 if ok and self.path == "/healthz" else 503)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", seen
    server.shutdown()


def test_the_web_probe_asks_as_the_proxy_does(fake_web):
    url, _seen = fake_web
    env = {"ALLOWED_HOSTS": "portal.example.vn,other.example.vn"}
    assert _probe("http", f"{url}/healthz", env=env).returncode == 0
    failed = _probe("http", f"{url}/other", env=env)
    assert failed.returncode == 1 and "503" in failed.stderr
    assert _probe("http", f"{url}/healthz", env={"ALLOWED_HOSTS": "x.vn"}).returncode == 1


def test_the_web_probe_fails_when_nothing_listens():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = _probe("http", f"http://127.0.0.1:{port}/healthz")
    assert result.returncode == 1 and "unreachable" in result.stderr


def test_the_beat_probe_wants_a_recently_written_schedule(tmp_path):
    schedule = tmp_path / "celerybeat-schedule"
    assert _probe("fresh", str(schedule), "900").returncode == 1  # not written yet
    (tmp_path / "celerybeat-schedule.dat").write_bytes(b"x")  # dbm.dumb's files
    assert _probe("fresh", str(schedule), "900").returncode == 0
    old = time.time() - 3600
    os.utime(tmp_path / "celerybeat-schedule.dat", (old, old))
    result = _probe("fresh", str(schedule), "900")
    assert result.returncode == 1 and "ago" in result.stderr
