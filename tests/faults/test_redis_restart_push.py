"""The broker restarted twice while a real worker pushes closures, on both brokers.

Redis (the default, no persistence) is killed: queued messages die with it, the worker
reconnects, the sweep (as beat sends it) finds what was left, and every record reaches the
central store exactly once. RabbitMQ with the task queue as a quorum queue (the production
option) is stopped once and killed once: it keeps every queued message, so every record
reaches the central store exactly once with no sweep at all (acks_late: a task cut by the
restart is delivered again and pushes nothing twice)."""

import pytest
from amqp.exceptions import PreconditionFailed
from django.conf import settings
from kombu import Connection

from central.models import CentralClosure
from closure_sync.models import ClosureRecord, PushState
from portal.settings.broker import broker_settings
from tests.closure_sync.helpers import confirmed_closures
from tests.conftest import WorkerProcess, wait_until

from .servers import PrivateRabbitMQ, PrivateRedis, rabbitmq_bin

pytestmark = [
    pytest.mark.faults,
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True, databases=["default", "central"]),
]

RECORDS = 3000
CHUNK = 50


def _pushed():
    return ClosureRecord.objects.filter(push_state=PushState.PUSHED).count()


@pytest.fixture(params=["redis", "rabbitmq"])
def private_broker(request):
    """A broker of this test alone: Redis without persistence (the default), or a
    RabbitMQ node with the task queue as a quorum queue (the production option)."""
    from portal.celery import app

    if request.param == "redis":
        server = PrivateRedis().start()
    else:
        if rabbitmq_bin() is None:
            pytest.skip("rabbitmq-server not installed")
        server = PrivateRabbitMQ().start()
    server.kind = request.param
    previous = {k: app.conf[k] for k in (*_conf(server.url), "task_always_eager", "broker_url")}
    app.conf.update(task_always_eager=False, broker_url=server.url, **_conf(server.url))
    _fresh_pools(app)
    yield server
    app.conf.update(previous)
    _fresh_pools(app)
    server.kill()
    if request.param == "rabbitmq":
        server.destroy()


def _conf(url) -> dict:
    """The broker's settings (portal/settings/broker.py) as the Celery app names them."""
    return {
        k.removeprefix("CELERY_").lower(): v
        for k, v in broker_settings(url, settings.CELERY_TASK_DEFAULT_QUEUE).items()
    }


def _fresh_pools(app):
    """Connections to the broker are pooled per app, and the queues it declares are read
    from the settings once: start over with the settings of the broker at hand."""
    app._pool = None
    app.amqp._producer_pool = None
    for cached in ("queues", "default_queue", "default_exchange", "router"):
        app.amqp.__dict__.pop(cached, None)


def test_broker_restarted_during_pushes(
    reference_data_tx, office, central, credentials_file, private_broker
):
    from closure_sync.tasks import closure_push_records, closure_push_sweep

    records = confirmed_closures(RECORDS, office=office("0101"))
    env = {
        "CENTRAL_API_URL": central.url,
        "CLOSURE_CREDENTIALS_FILE": str(credentials_file),
        "CLOSURE_PUSH_BATCH_SIZE": "20",
        "CLOSURE_PUSH_LEASE_SECONDS": "2",
    }
    # The worker reconnects to the broker; when kombu gives up (a loss while it is still
    # reconnecting ends the process with "Unrecoverable error") its supervisor
    # (docker-compose ``restart: unless-stopped``, systemd) starts it again: the test
    # plays the supervisor.
    workers = [WorkerProcess(private_broker.url, env).start(concurrency=2)]

    def supervised(predicate):
        def check():
            if workers[-1].proc.poll() is not None:
                workers.append(WorkerProcess(private_broker.url, env).start(concurrency=2))
            return predicate()

        return check

    durable = private_broker.kind == "rabbitmq"
    sweeps = 0

    def sweep() -> bool:
        nonlocal sweeps
        sweeps += 1
        return _send(closure_push_sweep)

    try:
        ids = [r.pk for r in records]
        for i in range(0, len(ids), CHUNK):  # as confirmations send them, one task each
            closure_push_records.delay(ids[i : i + CHUNK])
        wait_until(supervised(lambda: _pushed() >= RECORDS // 5), timeout=90, interval=0.02)
        # Redis: killed, the queued tasks die with it. RabbitMQ: stopped as a service
        # manager stops it (the next restart is the crash).
        private_broker.restart(down_seconds=1.0, **({"crash": False} if durable else {}))
        queued_at_the_restart = RECORDS - _pushed()
        if not durable:
            # Beat's sweep comes (every minute in production); the broker goes down again
            # in the middle of it, so its message is never acknowledged.
            wait_until(supervised(sweep), timeout=30, interval=0.5)
        wait_until(supervised(lambda: _pushed() >= RECORDS // 2), timeout=90, interval=0.05)
        private_broker.restart(down_seconds=1.0)  # kill -9
        assert queued_at_the_restart > RECORDS // 2
        if durable:
            # The quorum queue kept every message through both: no sweep is needed.
            wait_until(supervised(lambda: _pushed() == RECORDS), timeout=90, interval=0.5)
        else:
            # Beat's next sweeps pick up what the broker lost.
            wait_until(
                supervised(lambda: sweep() and _pushed() == RECORDS), timeout=120, interval=2
            )
        print(
            f"{private_broker.kind} restarts: 2, sweeps: {sweeps}, "
            f"worker restarts by the supervisor: {len(workers) - 1}"
        )
    finally:
        for w in workers:
            w.stop()
    assert (sweeps == 0) if durable else (sweeps > 0)
    if durable:  # the run's queue is a quorum queue: declared classic, RabbitMQ refuses
        with Connection(private_broker.url) as conn, pytest.raises(PreconditionFailed):
            conn.default_channel.queue_declare(
                settings.CELERY_TASK_DEFAULT_QUEUE,
                durable=True,
                auto_delete=False,
                arguments={"x-queue-type": "classic"},
            )
    stored = CentralClosure.objects.using("central")
    assert stored.count() == RECORDS
    assert stored.values("reference").distinct().count() == RECORDS
    local = dict(ClosureRecord.objects.values_list("reference", "central_receipt"))
    assert dict(stored.values_list("reference", "receipt")) == local
    assert settings.CELERY_TASK_DEFAULT_QUEUE  # the private broker carried the run's queue


def _send(task) -> bool:
    try:
        task.delay()
    except Exception:  # noqa: BLE001  (broker still coming back: try at the next poll)
        return False
    return True
