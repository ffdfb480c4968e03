"""The outbox's wake-ups: handed to a background thread and sent together as one message,
which the worker fans out into one delivery message per row."""

import os
import re
import threading
from collections import Counter

import pytest
from django.db import transaction

from core.outbox import waker as waker_module
from core.outbox.models import OutboxMessage, OutboxState
from core.outbox.services import outbox_enqueue
from core.outbox.waker import Waker
from tests.conftest import wait_until


def test_ids_committed_close_together_go_in_one_message():
    sent = []
    w = Waker(sent.append, linger=0.2)
    for i in range(5):
        w.wake(i)
    assert w.flush(5)
    assert sent == [[0, 1, 2, 3, 4]]
    w.wake(9)
    assert w.flush(5)
    assert sent[-1] == [9]


def test_flush_at_once_sends_without_waiting_for_the_linger():
    sent = []
    w = Waker(sent.append, linger=30)
    w.wake(1)
    w.wake(2)
    assert not w.flush(0.3)  # still lingering: more commits may join the batch
    assert sent == []
    assert w.flush(5, at_once=True)
    assert sent == [[1, 2]]
    w.wake(3)  # the next batch lingers again
    assert not w.flush(0.3)
    assert w.flush(5, at_once=True)
    assert sent == [[1, 2], [3]]


def test_a_failed_send_does_not_stop_the_next_ones():
    calls = []

    def send(ids):
        calls.append(ids)
        if len(calls) == 1:
            raise ConnectionError("broker down")

    w = Waker(send, linger=0)
    w.wake(1)
    assert w.flush(5)
    w.wake(2)
    assert w.flush(5)
    assert calls == [[1], [2]]


def test_a_batch_is_capped_and_the_rest_follows():
    sent = []
    gate = threading.Event()

    def send(ids):
        gate.wait(5)
        sent.append(ids)

    w = Waker(send, linger=0.5)
    for i in range(waker_module.MAX_BATCH + 3):
        w.wake(i)
    gate.set()
    assert w.flush(5)
    assert [len(b) for b in sent] == [waker_module.MAX_BATCH, 3]
    assert [i for b in sent for i in b] == list(range(waker_module.MAX_BATCH + 3))


def test_a_forked_process_starts_its_own_sender():
    sent = []
    w = Waker(sent.append, linger=0)
    w.wake(1)
    assert w.flush(5)
    w._pid = os.getpid() + 1  # as a child process sees the parent's waker after fork
    w.wake(2)
    assert w.flush(5)
    assert sent == [[1], [2]]


@pytest.mark.worker
def test_committed_rows_reach_the_worker_in_one_wake_up_fanned_out(celery_worker_process):
    worker = celery_worker_process(loglevel="INFO")
    rows = 6
    with transaction.atomic():
        for i in range(rows):
            outbox_enqueue(
                kind="email",
                key=f"waker-mail-{i}",
                payload={"to": ["ketoan@example.vn"], "subject": f"Số {i}", "body": "b"},
            )
    wait_until(
        lambda: OutboxMessage.objects.filter(state=OutboxState.SENT).count() == rows, timeout=60
    )
    log = worker.log_text()
    received = Counter(re.findall(r"Task core\.outbox\.tasks\.(\w+)\[[^\]]+\] received", log))
    # The web process sent one message; the worker made one delivery task per row of it,
    # so its processes share them out.
    assert received == {"outbox_fan_out": 1, "outbox_deliver": rows}, log[-2000:]


@pytest.mark.parametrize(("eager", "warmed"), [("false", True), ("true", False)])
def test_a_process_that_publishes_sets_the_broker_up_at_start(eager, warmed):
    """Not the first request that commits an outbox row: it paid ≈ 70 ms of imports."""
    import subprocess
    import sys

    env = {
        **os.environ,
        "TEST_CELERY_EAGER": eager,
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
    }
    code = (
        "import sys, django; django.setup(); "
        "print('kombu.transport.redis' in sys.modules, 'celery.app.amqp' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split()[-2:] == [str(warmed), str(warmed)]


def test_warming_the_broker_sends_nothing(settings):
    import redis

    from core.outbox.waker import broker_warm

    client = redis.Redis.from_url(os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0"))
    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    before = client.llen(queue)
    broker_warm()
    assert client.llen(queue) == before
