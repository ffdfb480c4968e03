"""Readiness checks for /healthz: database, broker, migrations and the read replica."""

from __future__ import annotations

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

from core.db_routing import replica_configured, replica_status
from portal.celery import app


def check_database(alias: str = DEFAULT_DB_ALIAS) -> str:
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


_migrated: set[str] = set()


def check_migrations(alias: str = DEFAULT_DB_ALIAS) -> str:
    # Loading the migration graph costs far more than the rest of the probe; once a
    # process has seen every migration applied, only a new release (a new process) can
    # bring unapplied ones, so the answer is kept for the process's life.
    if alias in _migrated:
        return "ok"
    connection = connections[alias]
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        raise RuntimeError(f"{len(plan)} migrations not applied")
    _migrated.add(alias)
    return "ok"


def check_broker() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "in-process"

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return "ok"


def check_replica() -> dict | str:
    """The replica's lag and where marked reads go now. Never a failure: a replica behind or
    down sends its reads to the primary and the portal keeps serving, so taking this
    instance out of the load balancer would only make things worse."""
    if not replica_configured():
        return "not configured"
    return replica_status(fresh=True).as_dict()


CHECKS = {
    "database": check_database,
    "migrations": check_migrations,
    "broker": check_broker,
    "central_database": lambda: check_database("central"),
    "central_migrations": lambda: check_migrations("central"),
    "replica": check_replica,
}


def run_checks() -> tuple[bool, dict[str, str]]:
    """Run the configured checks (``HEALTH_CHECKS``); a failing one reports its error
    instead of raising, an unknown name fails."""
    results, healthy = {}, True
    for name in settings.HEALTH_CHECKS:
        try:
            results[name] = CHECKS[name]()
        except Exception as exc:  # noqa: BLE001
            healthy = False
            results[name] = f"error: {type(exc).__name__}: {str(exc)[:200]}"
    return healthy, results
