"""Shared fixtures: reference data, users by role, a real Celery worker, a browser."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from accounts.models import Role
from accounts.selectors import office_resolve

ROOT = Path(__file__).resolve().parent.parent


def _load_reference_data():
    # Transactional tests flush the tables, data migrations included (offices, roles,
    # providers, holidays, review time limits, money tables): load them again.
    if not Role.objects.exists():
        call_command("loaddata", "offices", "roles", verbosity=0)
    from declarations.dossiers.calendar_seed import holidays_seed, time_limits_seed
    from declarations.dossiers.models import ProcedureTimeLimit, PublicHoliday
    from declarations.intake.models import ContributionRate
    from declarations.intake.money_tables import money_tables_seed
    from ivan.reference import ensure_providers_2015

    ensure_providers_2015()
    if not PublicHoliday.objects.exists():
        holidays_seed(PublicHoliday)
    if not ProcedureTimeLimit.objects.exists():
        time_limits_seed(ProcedureTimeLimit)
    if not ContributionRate.objects.exists():
        money_tables_seed()


@pytest.fixture
def reference_data(db):
    """Offices (fixture) and roles (fixture), as a fresh install has them."""
    _load_reference_data()


@pytest.fixture
def reference_data_tx(transactional_db):
    _load_reference_data()


@pytest.fixture
def office(reference_data):
    """Look an office up by code as it stands today: ``office("0101")``."""
    return office_resolve


def requires_postgres():
    return pytest.mark.skipif(connection.vendor != "postgresql", reason="needs the real PostgreSQL")


@pytest.fixture
def redis_url():
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail("TEST_REDIS_URL is not set in CI: Redis must be reachable")
        pytest.skip("Redis not reachable")
    return url


class WorkerProcess:
    """A real ``celery worker`` process on the test database and the run's own queue."""

    def __init__(self, redis_url: str, extra_env: dict | None = None):
        db = connection.settings_dict
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "portal.settings.test",
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            "TEST_REDIS_URL": redis_url,
            "TEST_CELERY_EAGER": "false",
            "PYTHONUNBUFFERED": "1",
            **(extra_env or {}),
        }
        self.proc: subprocess.Popen | None = None

    def start(
        self, concurrency: int = 1, pool: str = "prefork", loglevel: str = "WARNING"
    ) -> WorkerProcess:
        import tempfile

        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115  (closed in stop/kill)
            prefix="celery-worker-", suffix=".log", delete=False
        )
        cmd = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "portal",
            "worker",
            "-Q",
            settings.CELERY_TASK_DEFAULT_QUEUE,
            "-c",
            str(concurrency),
            "-P",
            pool,
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "-l",
            loglevel,
        ]
        self.proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env={**self.env, "TEST_LOG_LEVEL": loglevel},
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self

    def log_text(self) -> str:
        return Path(self.log.name).read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL the whole worker (parent and pool children) at once."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def celery_worker_process(transactional_db, redis_url):
    """Start real worker processes on demand; tasks are sent through the real Redis."""
    if connection.vendor != "postgresql":
        pytest.skip("a worker process needs the real PostgreSQL")
    from portal.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = False
    app.conf.broker_url = redis_url
    with app.connection_for_write() as conn:  # a clean queue for this test
        conn.default_channel.queue_purge(settings.CELERY_TASK_DEFAULT_QUEUE)
    workers: list[WorkerProcess] = []

    def start(extra_env: dict | None = None, **kwargs) -> WorkerProcess:
        worker = WorkerProcess(redis_url, extra_env).start(**kwargs)
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()
    app.conf.task_always_eager = previous


def wait_until(predicate, timeout: float = 30.0, interval: float = 0.1):
    """Poll ``predicate`` until it returns something truthy, or fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s")


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium from the Debian package, driven by Playwright (never downloaded)."""
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    executable = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    if not Path(executable).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"Chromium not found at {executable}")
        pytest.skip("Chromium not installed")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=executable,
            args=[
                "--no-sandbox",
                "--disable-background-networking",
                "--disable-gpu",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


@pytest.fixture
def artifacts_dir():
    path = Path(settings.TEST_ARTIFACTS_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path
