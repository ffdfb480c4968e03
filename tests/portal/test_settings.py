"""Settings read the environment through one helper and fail clearly on bad values."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CLEAN = {
    k: v
    for k, v in os.environ.items()
    if not k.startswith(
        (
            "DATABASE_URL",
            "CENTRAL_DATABASE_URL",
            "CELERY_",
            "EMAIL_URL",
            "SECRET_KEY",
            "DEBUG",
            "ALLOWED_HOSTS",
            "TEST_",
        )
    )
}

PROBE = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'engine': s.DATABASES['default']['ENGINE'], 'eager': "
    "s.CELERY_TASK_ALWAYS_EAGER, 'email': s.EMAIL_BACKEND, 'debug': s.DEBUG, "
    "'broker': s.CELERY_BROKER_URL, 'tz': s.TIME_ZONE, 'lang': s.LANGUAGE_CODE, "
    "'vt': s.CELERY_BROKER_TRANSPORT_OPTIONS['visibility_timeout'], "
    "'limit': s.CELERY_TASK_TIME_LIMIT}))"
)


def run(code: str, settings_module: str = "portal.settings.base", **env):
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**CLEAN, "DJANGO_SETTINGS_MODULE": settings_module, **env},
    )


def probe(**env) -> dict:
    import json

    result = run(PROBE, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_nothing_set_means_sqlite_in_process_tasks_and_console_mail():
    s = probe()
    assert s["engine"] == "django.db.backends.sqlite3"
    assert s["eager"] is True
    assert s["broker"] == "memory://"  # in-process tasks open no connection to localhost
    assert s["email"] == "django.core.mail.backends.console.EmailBackend"
    assert s["debug"] is False
    assert (s["tz"], s["lang"]) == ("Asia/Ho_Chi_Minh", "vi")


def test_dev_settings_turn_debug_on():
    result = run(PROBE, "portal.settings.dev")
    assert '"debug": true' in result.stdout


def test_postgres_and_redis_urls_switch_the_backends():
    s = probe(
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/bhxh",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/3",
    )
    assert s["engine"] == "django.db.backends.postgresql"
    assert s["eager"] is False
    assert s["broker"] == "redis://127.0.0.1:6379/3"


def test_visibility_timeout_exceeds_task_time_limit():
    s = probe()
    assert s["vt"] > s["limit"]


@pytest.mark.parametrize(
    ("var", "value"),
    [
        ("DEBUG", "maybe"),
        ("SESSION_IDLE_MINUTES", "thirty"),
        ("AXES_FAILURE_LIMIT", "-1"),
        ("LOG_LEVEL", "LOUD"),
        ("CELERY_TASK_TIME_LIMIT", "99999"),
    ],
)
def test_bad_value_fails_at_start_naming_the_variable(var, value):
    result = run("import django; django.setup()", **{var: value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert var in result.stderr


def test_production_refuses_to_start_without_secret_key():
    result = run(
        "import django; django.setup()",
        "portal.settings.production",
        ALLOWED_HOSTS="portal.example.vn",
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_passes_check_deploy_without_warnings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={
            **CLEAN,
            "DJANGO_SETTINGS_MODULE": "portal.settings.production",
            "SECRET_KEY": "k" * 20 + "-production-secret-for-the-deploy-check-0123456789",
            "ALLOWED_HOSTS": "portal.example.vn",
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


POOLER_PROBE = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "d = s.DATABASES['default']; print(json.dumps({'prepare': d['OPTIONS'].get("
    "'prepare_threshold', 'unset'), 'cursors': bool(d.get('DISABLE_SERVER_SIDE_CURSORS'))}))"
)


@pytest.mark.parametrize(
    ("pooler", "prepare", "cursors"),
    [("", 5, False), ("pgbouncer", None, True), ("pgbouncer-prepared", 5, True)],
)
def test_database_pooler_sets_what_the_pooler_can_keep(pooler, prepare, cursors):
    """Any PgBouncer: no prepared statements; 1.22+ with max_prepared_statements keeps
    psycopg's. Server-side cursors never cross transactions behind either."""
    import json

    result = run(
        POOLER_PROBE,
        DATABASE_URL="postgres://postgres@127.0.0.1:6432/bhxh",
        DATABASE_POOLER=pooler,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {
        "prepare": prepare,
        "cursors": cursors,
    }


def test_pgbouncer_prepared_refuses_a_libpq_that_would_deallocate_by_name(monkeypatch):
    """Before libpq 17 psycopg drops a statement with ``DEALLOCATE name``, which PgBouncer
    refuses: that pooler setting fails at start instead."""
    from django.core.exceptions import ImproperlyConfigured

    from portal.settings import pg
    from portal.settings.pooling import transaction_pooling

    monkeypatch.setattr(pg, "libpq_version", lambda: 160004)
    with pytest.raises(ImproperlyConfigured, match="libpq 17"):
        transaction_pooling({}, "pgbouncer-prepared")
    assert transaction_pooling({}, "pgbouncer")["OPTIONS"] == {"prepare_threshold": None}
    with pytest.raises(ImproperlyConfigured, match="DATABASE_POOLER"):
        transaction_pooling({}, "pgpool")
