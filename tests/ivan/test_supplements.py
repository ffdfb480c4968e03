"""Supplements through the I-VAN API: ``POST /dossiers/{transaction_code}/supplements`` takes
the same body as a submission, answers with the supplement's own receipt, moves the dossier
to ``supplemented`` and tells the provider's webhook; refusals are coded, and a dossier of a
unit the provider does not carry is not found."""

import uuid

import pytest

from accounts.models import AuditEntry
from core.outbox.tasks import outbox_sweep
from declarations.dossiers.models import Dossier
from declarations.review.services import dossier_transition
from ivan.client import ApiError, verify_webhook
from tests.declarations.conftest import worker
from tests.ivan.test_webhooks import Receiver

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def receiver():
    r = Receiver([])
    yield r
    r.close()


def supplement_requested(code: str) -> Dossier:
    dossier = Dossier.objects.get(transaction_code=code)
    dossier_transition(actor=None, dossier=dossier, to="in_review")
    return dossier_transition(
        actor=None, dossier=dossier, to="supplement_requested", reasons=["BS03"]
    )


def test_a_supplement_through_the_api(api, carried, sign, receiver):
    unit = carried("VNPT")
    client = api("VNPT")
    secret = client.register_webhook(receiver.url)["secret"]
    code = client.submit_dossier(sign(unit))["transaction_code"]
    supplement_requested(code)
    assert client.dossier(code)["status"] == "supplement_requested"

    envelope, key = sign(unit, [worker(1, TienLuong="6500000"), worker(2)]), str(uuid.uuid4())
    answer = client.submit_supplement(code, envelope, idempotency_key=key)
    assert answer["status"] == "supplement" and answer["supplement_of"] == code
    assert answer["receipt"]["number"] == f"TB-{answer['transaction_code']}"
    assert answer["duplicate"] is False
    assert client.dossier(code)["status"] == "supplemented"
    assert client.dossier(answer["transaction_code"])["supplement_of"] == code
    # Safe to retry: the same key and body answer the first receipt.
    assert client.submit_supplement(code, envelope, idempotency_key=key) == answer
    supplement = Dossier.objects.get(transaction_code=answer["transaction_code"])
    assert supplement.channel == "ivan" and supplement.provider.code == "VNPT"
    assert AuditEntry.objects.filter(data__to="supplemented").count() == 1

    outbox_sweep()
    delivered = [verify_webhook(secret, h, b) for h, b in receiver.deliveries]
    receipt = next(
        e
        for e in delivered
        if e["type"] == "receipt.issued"
        and e["data"]["transaction_code"] == answer["transaction_code"]
    )
    assert receipt["data"]["supplement_of"] == code
    moved = [
        e["data"]["details"]
        for e in delivered
        if e["type"] == "dossier.status_changed" and e["data"]["transaction_code"] == code
    ]
    assert {"from": "supplement_requested", "to": "supplemented"} in moved


def test_refusals_are_coded_and_write_nothing(api, carried, sign):
    unit = carried("VNPT")
    other = carried("VNPT", "VN0002A")
    client = api("VNPT")
    code = client.submit_dossier(sign(unit))["transaction_code"]
    with pytest.raises(ApiError) as refused:
        client.submit_supplement(code, sign(unit, [worker(3)]))
    assert (refused.value.status, refused.value.code) == (422, "SUPPLEMENT_NOT_AWAITED")
    supplement_requested(code)
    with pytest.raises(ApiError) as refused:
        client.submit_supplement(code, sign(other, [worker(3)]))
    assert (refused.value.status, refused.value.code) == (422, "SUPPLEMENT_OTHER_UNIT")
    assert refused.value.problem["errors"][0]["message"]
    assert Dossier.objects.filter(supplement_of__isnull=False).count() == 0
    assert client.dossier(code)["status"] == "supplement_requested"


def test_a_dossier_of_a_unit_the_provider_does_not_carry_is_not_found(api, carried, sign):
    theirs = carried("BKAV", "VN0003A")
    code = api("BKAV").submit_dossier(sign(theirs))["transaction_code"]
    supplement_requested(code)
    with pytest.raises(ApiError) as refused:
        api("VNPT").submit_supplement(code, sign(theirs, [worker(3)]))
    assert (refused.value.status, refused.value.code) == (404, "IVAN_NOT_FOUND")
    assert Dossier.objects.get(transaction_code=code).status == "supplement_requested"
