"""Webhooks to a real local HTTP server: signed, retried after 500s, dead-lettered, replayed."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from core.outbox.models import OutboxMessage, OutboxState
from core.outbox.services import outbox_replay
from core.outbox.tasks import outbox_sweep
from declarations.employers.models import Provider
from ivan import services
from ivan.client import WebhookVerificationError, verify_webhook
from ivan.webhooks import webhook_event
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


class Receiver:
    """A provider's webhook receiver on a loopback port; answers from a script of codes."""

    def __init__(self, codes):
        self.codes = list(codes)
        self.deliveries = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.deliveries.append((dict(self.headers), body))
                code = receiver.codes.pop(0) if receiver.codes else 200
                self.send_response(code)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/bhxh"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


@pytest.fixture
def receiver():
    made = []

    def make(codes=()):
        r = Receiver(codes)
        made.append(r)
        return r

    yield make
    for r in made:
        r.close()


def due_now():
    OutboxMessage.objects.filter(state=OutboxState.PENDING).update(next_attempt_at=timezone.now())


def test_event_is_delivered_signed_and_verifies_with_the_reference_client(
    reference_data_tx, receiver
):
    provider = Provider.objects.get(code="VNPT")
    r = receiver()
    endpoint = services.webhook_register(actor=None, provider=provider, url=r.url)
    webhook_event(
        provider=provider,
        event_type="dossier.accepted",
        data={"transaction_code": "GD-1", "status": "accepted"},
    )
    outbox_sweep()
    ((headers, body),) = r.deliveries
    event = verify_webhook(endpoint.secret, headers, body)
    assert event["type"] == "dossier.accepted"
    assert event["data"]["transaction_code"] == "GD-1"
    with pytest.raises(WebhookVerificationError):
        verify_webhook(endpoint.secret, headers, body.replace(b"GD-1", b"GD-2"))
    other_secret = services.webhook_register(actor=None, provider=provider, url=r.url).secret
    with pytest.raises(WebhookVerificationError):
        verify_webhook(other_secret, headers, body)


def test_receiver_errors_are_retried_with_the_same_event_id(reference_data_tx, receiver):
    provider = Provider.objects.get(code="TS24")
    r = receiver(codes=[500, 503])
    endpoint = services.webhook_register(actor=None, provider=provider, url=r.url)
    webhook_event(provider=provider, event_type="receipt.issued", data={"n": 1})
    outbox_sweep()
    message = OutboxMessage.objects.get(kind="ivan.webhook")
    assert (message.state, message.attempts) == (OutboxState.PENDING, 1)
    assert message.next_attempt_at > timezone.now()
    for _ in range(2):
        due_now()
        outbox_sweep()
    message.refresh_from_db()
    assert (message.state, message.attempts) == (OutboxState.SENT, 3)
    ids = {h["webhook-id"] for h, _ in r.deliveries}
    assert len(r.deliveries) == 3 and len(ids) == 1  # one event, three tries
    for headers, body in r.deliveries:
        verify_webhook(endpoint.secret, headers, body)


def test_dead_letter_after_the_last_try_and_staff_replay(reference_data_tx, receiver, settings):
    settings.IVAN_WEBHOOK_MAX_ATTEMPTS = 3
    provider = Provider.objects.get(code="EFY")
    r = receiver(codes=[500, 500, 500])
    services.webhook_register(actor=None, provider=provider, url=r.url)
    webhook_event(provider=provider, event_type="receipt.issued", data={"n": 2})
    outbox_sweep()
    for _ in range(2):
        due_now()
        outbox_sweep()
    message = OutboxMessage.objects.get(kind="ivan.webhook")
    assert message.state == OutboxState.DEAD
    assert "500" in message.last_error
    outbox_replay(actor=UserFactory(), message=message)  # the receiver is fixed by now
    outbox_sweep()
    message.refresh_from_db()
    assert message.state == OutboxState.SENT
    assert len(r.deliveries) == 4


def test_unreachable_receiver_is_retried(reference_data_tx):
    provider = Provider.objects.get(code="BKAV")
    services.webhook_register(actor=None, provider=provider, url="http://127.0.0.1:9/hook")
    webhook_event(provider=provider, event_type="receipt.issued", data={})
    outbox_sweep()
    message = OutboxMessage.objects.get(kind="ivan.webhook")
    assert message.state == OutboxState.PENDING and "ConnectionError" in message.last_error


def test_no_endpoint_no_event(reference_data_tx):
    assert (
        webhook_event(provider=Provider.objects.get(code="VIETTEL"), event_type="x", data={})
        is None
    )


def test_register_through_the_api_returns_the_secret_once(api, receiver):
    r = receiver()
    client = api("THAISON", scopes=["webhooks:manage"])
    answer = client.register_webhook(r.url)
    assert answer["url"] == r.url and answer["secret"].startswith("whsec_")
    with pytest.raises(Exception) as refused:
        client.register_webhook("ftp://example.vn/x")
    assert refused.value.code == "IVAN_VALIDATION"
    assert json.loads(json.dumps(refused.value.problem))["errors"][0]["location"] == "url"


def test_the_written_out_webhook_lookup_answers_as_its_queryset(reference_data_tx):
    """On PostgreSQL the webhooks of known providers are read with SQL (``_endpoints_sql``):
    the same endpoints, in the same order, as the queryset it stands for."""
    from django.db import connection
    from django.forms.models import model_to_dict

    from ivan import notifications
    from ivan.models import WebhookEndpoint

    if connection.vendor != "postgresql":
        pytest.skip("elsewhere the queryset runs itself")
    vnpt, ts24, efy = (Provider.objects.get(code=c) for c in ("VNPT", "TS24", "EFY"))
    for provider, url, active in [
        (ts24, "http://127.0.0.1:9/a", True),
        (vnpt, "http://127.0.0.1:9/b", True),
        (vnpt, "http://127.0.0.1:9/c", False),
        (ts24, "http://127.0.0.1:9/d", True),
        (efy, "http://127.0.0.1:9/e", True),
    ]:
        WebhookEndpoint.objects.create(
            provider=provider, url=url, secret="whsec_" + "k" * 32, active=active
        )
    for providers in ([vnpt.pk], [vnpt.pk, ts24.pk], [], [efy.pk + 1000]):
        query = [model_to_dict(e) for e in notifications._providers_endpoints_query(providers)]
        written = [model_to_dict(e) for e in notifications._endpoints_of_providers(providers)]
        assert written == query
    assert [e.url[-1] for e in notifications._endpoints_of_providers([vnpt.pk, ts24.pk])] == [
        "a",
        "b",
        "d",
    ]
