"""docker-compose.yml validates offline; the README's commands are the ones CI runs."""

import shutil
import subprocess
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
