"""The central store unreachable for 36 simulated hours: nothing lost, nothing doubled,
the at-risk alert goes out before the deadline, all pushed after recovery."""

import http.server
import socket
import threading
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from central.models import CentralClosure
from closure_sync import client, monitor, push
from closure_sync.models import ClosureRecord, PushState
from core.outbox.models import OutboxMessage
from tests.factories import UserFactory, grant

from .helpers import confirmed_closures

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "central"])


class _Unavailable(http.server.BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802
        self.send_response(503)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def outage():
    """Three ways to be down: a closed port, a 503 server, a server that never answers."""
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    refused_port = closed.getsockname()[1]
    closed.close()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Unavailable)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(50)
    yield {
        "refused": f"http://127.0.0.1:{refused_port}",
        "503": f"http://127.0.0.1:{server.server_address[1]}",
        "timeout": f"http://127.0.0.1:{silent.getsockname()[1]}",
    }
    server.shutdown()
    silent.close()


def test_thirty_six_hours_down_then_recovery(reference_data_tx, office, central, outage, settings):
    settings.CLOSURE_PUSH_TIMEOUT_SECONDS = 0.3
    it = UserFactory(email="cntt.hanoi@example.vn")
    grant(it, "it_staff", office("01"))
    start = timezone.now()
    records = confirmed_closures(12, office=office("0101"), confirmed_at=start)
    deadline = records[0].push_deadline
    alerts, errors = [], set()
    step = timedelta(minutes=30)
    with time_machine.travel(start, tick=True) as traveller:
        moment = start
        while moment < start + timedelta(hours=37):
            hours = (moment - start).total_seconds() / 3600
            mode = "refused" if hours < 12 else "503" if hours < 24 else "timeout"
            settings.CLOSURE_CENTRAL_URL = outage[mode]
            traveller.move_to(moment)
            outcome = push.closure_push_due()
            assert outcome.pushed == 0
            errors |= set(ClosureRecord.objects.values_list("push_error", flat=True))
            if monitor.closure_deadline_check()["at_risk"]:
                alerts.append(timezone.now())
            moment += step
        failed = ClosureRecord.objects.filter(push_state=PushState.FAILED)
        assert failed.count() == 12
        assert all(r.push_attempts >= 10 for r in failed)
        for kind in ("ConnectError", "HTTP 503", "ReadTimeout"):
            assert any(kind in e for e in errors), (kind, errors)
        # Recovery.
        settings.CLOSURE_CENTRAL_URL = central.url
        traveller.move_to(start + timedelta(hours=37, minutes=30))
        while push.closure_push_due().pushed:
            pass
        # Retry times carry jitter; sweep until every one was due once more.
        traveller.move_to(start + timedelta(hours=38))
        push.closure_push_due()
    assert len(alerts) == 1 and alerts[0] < deadline
    mail = OutboxMessage.objects.get(key__startswith="closure-at_risk-0101")
    assert mail.payload["to"] == ["cntt.hanoi@example.vn"]
    assert not OutboxMessage.objects.filter(key__startswith="closure-overdue").exists()
    pushed = ClosureRecord.objects.filter(push_state=PushState.PUSHED)
    assert pushed.count() == 12
    assert all(r.pushed_at < r.push_deadline for r in pushed)
    assert CentralClosure.objects.using("central").count() == 12
    assert set(CentralClosure.objects.using("central").values_list("receipt", flat=True)) == set(
        pushed.values_list("central_receipt", flat=True)
    )


def test_the_kept_alive_client_follows_a_changed_timeout(settings):
    # A short timeout set for an outage must not outlive it in the thread's cached client.
    settings.CLOSURE_PUSH_TIMEOUT_SECONDS = 0.3
    assert client._http().timeout.read == 0.3
    settings.CLOSURE_PUSH_TIMEOUT_SECONDS = 30
    assert client._http().timeout.read == 30
