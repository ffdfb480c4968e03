"""The central store unreachable while a real worker pushes (503s, then refused
connections), then back: everything confirmed meanwhile is pushed after recovery, once."""

import http.server
import threading

import pytest
import requests

from central.models import CentralClosure
from closure_sync.models import ClosureRecord, PushState
from tests.closure_sync.helpers import confirmed_closures
from tests.conftest import wait_until

pytestmark = [
    pytest.mark.faults,
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True, databases=["default", "central"]),
]

RECORDS = 1500


class Gate(http.server.ThreadingHTTPServer):
    """A reverse proxy in front of the central store that can be shut (503)."""

    daemon_threads = True

    def __init__(self, upstream: str):
        self.upstream, self.open, self.refused = upstream, False, 0
        super().__init__(("127.0.0.1", 0), _Forward)


class _Forward(http.server.BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if not self.server.open:
            self.server.refused += 1
            self.send_response(503)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        skip = {"host", "content-length", "connection"}
        answer = requests.post(
            self.server.upstream + self.path,
            data=body,
            headers={k: v for k, v in self.headers.items() if k.lower() not in skip},
            timeout=30,
        )
        self.send_response(answer.status_code)
        self.send_header("Content-Type", answer.headers.get("Content-Type", "application/json"))
        self.send_header("Content-Length", str(len(answer.content)))
        self.end_headers()
        self.wfile.write(answer.content)

    def log_message(self, *args):
        pass


def _pushed():
    return ClosureRecord.objects.filter(push_state=PushState.PUSHED).count()


def test_central_down_then_back_with_a_real_worker(
    reference_data_tx, office, central, credentials_file, celery_worker_process
):
    from closure_sync.tasks import closure_push_sweep

    gate = Gate(central.url)
    threading.Thread(target=gate.serve_forever, daemon=True).start()
    confirmed_closures(RECORDS, office=office("0101"))
    celery_worker_process(
        extra_env={
            "CENTRAL_API_URL": f"http://127.0.0.1:{gate.server_address[1]}",
            "CLOSURE_CREDENTIALS_FILE": str(credentials_file),
            "CLOSURE_PUSH_BATCH_SIZE": "50",
            "CLOSURE_BACKOFF_BASE_SECONDS": "1",
            "CLOSURE_BACKOFF_CAP_SECONDS": "2",
        }
    )
    try:
        closure_push_sweep.delay()
        wait_until(lambda: gate.refused >= 3, timeout=60, interval=0.05)
        assert _pushed() == 0
        gate.open = True  # recovery; beat's sweeps run every minute, here every second
        wait_until(
            lambda: closure_push_sweep.delay() and _pushed() == RECORDS, timeout=120, interval=1
        )
    finally:
        gate.shutdown()
    stored = CentralClosure.objects.using("central")
    assert stored.count() == RECORDS == stored.values("reference").distinct().count()
    # The records tried while central was down were retried, not dropped.
    assert ClosureRecord.objects.filter(push_attempts__gte=2).exists()
    local = dict(ClosureRecord.objects.values_list("reference", "central_receipt"))
    assert dict(stored.values_list("reference", "receipt")) == local
