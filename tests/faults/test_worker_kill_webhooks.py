"""kill -9 the real worker while it delivers I-VAN webhooks from the outbox: every event
reaches the receiver (nothing lost), and a delivery repeated after a kill carries the same
event id, so a receiver that keeps ids sees each event once (nothing doubled by key)."""

import http.server
import random
import threading
import time
from collections import Counter

import pytest
from django.db import transaction

from core.outbox.models import OutboxMessage, OutboxState
from ivan.models import WebhookEndpoint
from ivan.webhooks import webhook_event
from tests.conftest import wait_until
from tests.factories import ProviderFactory

pytestmark = [pytest.mark.faults, pytest.mark.worker]

EVENTS = 150
KILLS = 5
LEASE = 10  # the outbox's smallest lease


class Receiver(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        self.ids: list[str] = []
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers["Content-Length"]))
        time.sleep(0.03)  # a receiver that takes its time: kills land mid-delivery
        with self.server.lock:
            self.server.ids.append(self.headers["webhook-id"])
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def _sent():
    return OutboxMessage.objects.filter(state=OutboxState.SENT).count()


def test_worker_killed_during_webhook_delivery(reference_data_tx, celery_worker_process):
    from core.outbox.tasks import outbox_sweep

    receiver = Receiver()
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    provider = ProviderFactory(code="IVANF")
    WebhookEndpoint.objects.create(
        provider=provider,
        url=f"http://127.0.0.1:{receiver.server_address[1]}/hook",
        secret="whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    )
    env = {"OUTBOX_LEASE_SECONDS": str(LEASE)}
    with transaction.atomic():
        events = [
            webhook_event(
                provider=provider,
                event_type="dossier.status_changed",
                data={"n": i},
                event_id=f"evt_fault_{i:04d}",
            )
            for i in range(EVENTS)
        ]
    assert all(events)
    rng = random.Random(8)
    try:
        for _ in range(KILLS):
            worker = celery_worker_process(extra_env=env, concurrency=4)
            target = len(set(receiver.ids)) + 10
            wait_until(lambda t=target: len(set(receiver.ids)) >= t, timeout=60, interval=0.01)
            time.sleep(rng.uniform(0.0, 0.1))
            worker.kill()
        # Leases of the killed deliveries run out; beat's sweep hands them out again.
        time.sleep(LEASE + 0.5)
        celery_worker_process(extra_env=env, concurrency=4)
        wait_until(lambda: outbox_sweep.delay() and _sent() == EVENTS, timeout=90, interval=1)
    finally:
        receiver.shutdown()
    counts = Counter(receiver.ids)
    assert set(counts) == {f"evt_fault_{i:04d}" for i in range(EVENTS)}  # nothing lost
    repeated = sum(n - 1 for n in counts.values())
    print(f"webhooks: {EVENTS} events, {KILLS} kills, {repeated} repeated deliveries (same id)")
    # At least once: a repeat only for a delivery cut by a kill (≤ the worker's slots).
    assert repeated <= KILLS * 4
    assert not OutboxMessage.objects.filter(state=OutboxState.DEAD).exists()
