"""/healthz reports the database, the broker and the migrations."""

import pytest

pytestmark = pytest.mark.django_db(databases=["default", "central"])


def test_healthy_portal_answers_200_with_each_check(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["migrations"] == "ok"
    assert body["checks"]["broker"] in {"ok", "in-process"}


def test_unreachable_broker_answers_503_naming_it(client, settings):
    from portal.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = False
    old = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        response = client.get("/healthz")
    finally:
        app.conf.broker_url = old
    assert response.status_code == 503
    assert response.json()["checks"]["broker"].startswith("error")
    assert response.json()["checks"]["database"] == "ok"


def test_unapplied_migration_answers_503(client, monkeypatch):
    from portal import health

    monkeypatch.setattr(health, "_migrated", set())  # a fresh process
    monkeypatch.setattr(
        health.MigrationExecutor, "migration_plan", lambda self, targets: [("fake", False)]
    )
    response = client.get("/healthz")
    assert response.status_code == 503
    assert "not applied" in response.json()["checks"]["migrations"]


def test_the_migration_graph_is_loaded_once_per_process(client, monkeypatch):
    from portal import health

    monkeypatch.setattr(health, "_migrated", set())
    plans = []
    real_plan = health.MigrationExecutor.migration_plan

    def counting_plan(self, targets):
        plans.append(targets)
        return real_plan(self, targets)

    monkeypatch.setattr(health.MigrationExecutor, "migration_plan", counting_plan)
    assert client.get("/healthz").status_code == 200
    assert client.get("/healthz").status_code == 200
    assert len(plans) == 1


def test_the_central_store_deployment_checks_only_its_own_database(client, settings, monkeypatch):
    """HEALTH_CHECKS: the central store has no portal tables and no broker; an unapplied
    portal migration or a dead broker must not mark it unhealthy."""
    from portal import health

    monkeypatch.setattr(health, "check_broker", lambda: 1 / 0)
    monkeypatch.setitem(health.CHECKS, "broker", health.check_broker)
    settings.HEALTH_CHECKS = ["central_database", "central_migrations"]
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"central_database": "ok", "central_migrations": "ok"}
    settings.HEALTH_CHECKS = ["central_database", "broker"]
    assert client.get("/healthz").status_code == 503
