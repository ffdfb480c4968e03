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
