"""Dossier events become signed webhooks (real local HTTP receiver); notices pulled with a
cursor; locking a person revokes the OAuth tokens tied to them."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from oauth2_provider.models import AccessToken, Application

from accounts.lifecycle import account_lock
from core.outbox.models import OutboxMessage
from core.outbox.tasks import outbox_sweep
from declarations.dossiers import events
from declarations.dossiers.models import Dossier
from declarations.employers.models import Provider
from declarations.review.services import dossier_transition
from ivan.client import ApiError, verify_webhook
from tests.factories import UserFactory, carry, provider_user
from tests.ivan.test_webhooks import Receiver

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def receiver():
    r = Receiver([])
    yield r
    r.close()


def test_receipt_and_result_events_reach_the_providers_receiver(api, carried, sign, receiver):
    unit = carried("VNPT")
    client = api("VNPT")
    secret = client.register_webhook(receiver.url)["secret"]
    receipt = client.submit_dossier(sign(unit))
    dossier = Dossier.objects.get(transaction_code=receipt["transaction_code"])
    dossier_transition(actor=None, dossier=dossier, to="in_review")
    with transaction.atomic():
        events.publish("result.released", dossier=dossier)
        events.publish("notice.issued", dossier=dossier, notice=dossier.notices.first())
    outbox_sweep()
    delivered = [verify_webhook(secret, h, b) for h, b in receiver.deliveries]
    types = sorted(e["type"] for e in delivered)
    assert types == ["dossier.status_changed", "notice.issued", "receipt.issued", "result.released"]
    first = next(e for e in delivered if e["type"] == "receipt.issued")
    assert first["data"]["transaction_code"] == receipt["transaction_code"]
    assert first["data"]["notice"]["number"] == receipt["receipt"]["number"]
    changed = next(e for e in delivered if e["type"] == "dossier.status_changed")
    assert changed["data"]["details"] == {"from": "received", "to": "in_review"}


def test_events_roll_back_with_the_change(api, carried, sign, receiver):
    unit = carried("VNPT")
    client = api("VNPT")
    client.register_webhook(receiver.url)
    client.submit_dossier(sign(unit))
    dossier = Dossier.objects.get()
    before = OutboxMessage.objects.filter(kind="ivan.webhook").count()
    with pytest.raises(RuntimeError), transaction.atomic():
        events.publish("result.released", dossier=dossier)
        raise RuntimeError
    assert OutboxMessage.objects.filter(kind="ivan.webhook").count() == before


def test_events_go_to_the_carrier_and_the_submitter_only(api, carried, sign, receiver):
    unit = carried("VNPT")
    vnpt, bkav = api("VNPT"), api("BKAV")
    bkav.register_webhook(receiver.url)
    vnpt.submit_dossier(sign(unit))
    assert OutboxMessage.objects.filter(kind="ivan.webhook").count() == 0  # BKAV: not its unit
    carry(unit, Provider.objects.get(code="BKAV"))  # the employer moved to BKAV
    dossier_transition(actor=None, dossier=Dossier.objects.get(), to="in_review")
    assert OutboxMessage.objects.filter(kind="ivan.webhook").count() == 1


def test_notices_are_pulled_with_a_stable_cursor(api, carried, sign):
    unit = carried("VNPT")
    client = api("VNPT")
    codes = [client.submit_dossier(sign(unit, [w]))["transaction_code"] for w in _rows(3)]
    seen, after = [], 0
    while True:
        page = client.request("GET", "notices", params={"after": after, "page_size": 2}).json()
        seen += page["results"]
        after = page["after"]
        if not page["has_more"]:
            break
    assert [n["transaction_code"] for n in seen] == codes
    assert [n["id"] for n in seen] == sorted(n["id"] for n in seen)
    # A later pull from the kept cursor returns only what is new.
    assert client.notices(after=after) == ([], after)
    newer = client.submit_dossier(sign(unit, [_rows(4)[-1]]))
    fresh, after2 = client.notices(after=after)
    assert [n["transaction_code"] for n in fresh] == [newer["transaction_code"]]
    assert after2 > after
    assert client.notices(after=0, kind="paper_set")[0] == []
    with pytest.raises(ApiError) as refused:
        client.request("GET", "notices", params={"after": -1})
    assert refused.value.status == 400


def _rows(n):
    from tests.declarations.conftest import worker

    return [worker(i) for i in range(1, n + 1)]


def test_locking_a_person_revokes_their_tokens_not_the_providers_clients(api, reference_data_tx):
    client = api("VNPT")
    client.me()
    operator = provider_user(Provider.objects.get(code="VNPT"))
    other = UserFactory()
    app = Application.objects.create(
        name="portal",
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris="https://portal.example/cb",
    )
    expires = timezone.now() + timedelta(hours=1)
    for user, token in ((operator, "op-token"), (other, "other-token")):
        AccessToken.objects.create(user=user, application=app, token=token, expires=expires)
    account_lock(actor=None, user=operator, reason="nghỉ việc")
    assert not AccessToken.objects.filter(token="op-token").exists()
    assert AccessToken.objects.filter(token="other-token").exists()
    assert client.me()["provider_code"] == "VNPT"  # the provider's integration keeps working
