"""Redis (the broker) killed and restarted twice while a real worker pushes closures:
queued messages die with it, the worker reconnects, the sweep (as beat sends it) finds
what was left, and every record reaches the central store exactly once."""

import pytest
from django.conf import settings

from central.models import CentralClosure
from closure_sync.models import ClosureRecord, PushState
from tests.closure_sync.helpers import confirmed_closures
from tests.conftest import WorkerProcess, wait_until

pytestmark = [
    pytest.mark.faults,
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True, databases=["default", "central"]),
]

RECORDS = 3000
CHUNK = 50


def _pushed():
    return ClosureRecord.objects.filter(push_state=PushState.PUSHED).count()


@pytest.fixture
def private_broker(private_redis):
    from portal.celery import app

    previous = app.conf.task_always_eager, app.conf.broker_url
    app.conf.task_always_eager = False
    app.conf.broker_url = private_redis.url
    _fresh_pools(app)
    yield private_redis
    app.conf.task_always_eager, app.conf.broker_url = previous
    _fresh_pools(app)


def _fresh_pools(app):
    """Connections to the broker are pooled per app: start new pools on the new URL."""
    app._pool = None
    app.amqp._producer_pool = None


def test_redis_restarted_during_pushes(
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

    try:
        ids = [r.pk for r in records]
        for i in range(0, len(ids), CHUNK):  # as confirmations send them, one task each
            closure_push_records.delay(ids[i : i + CHUNK])
        wait_until(supervised(lambda: _pushed() >= RECORDS // 5), timeout=90, interval=0.02)
        private_broker.restart(down_seconds=1.0)  # the queued tasks die with it
        lost_with_the_broker = RECORDS - _pushed()
        # Beat's sweep comes (every minute in production); the broker goes down again in
        # the middle of it, so its message is never acknowledged.
        wait_until(supervised(lambda: _send(closure_push_sweep)), timeout=30, interval=0.5)
        wait_until(supervised(lambda: _pushed() >= RECORDS // 2), timeout=90, interval=0.05)
        private_broker.restart(down_seconds=1.0)
        assert lost_with_the_broker > RECORDS // 2
        # Beat's next sweeps pick up what the broker lost.
        wait_until(
            supervised(lambda: _send(closure_push_sweep) and _pushed() == RECORDS),
            timeout=120,
            interval=2,
        )
        print(f"redis restarts: 2, worker restarts by the supervisor: {len(workers) - 1}")
    finally:
        for w in workers:
            w.stop()
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
