"""Dossiers through the I-VAN API: submit (XML body, multipart), the same error codes as the
browser intake, Idempotency-Key (repeat, conflict, concurrency), status, lists, sandbox."""

import threading
import uuid

import pytest
import requests

from accounts.models import AuditEntry
from core.outbox.models import OutboxMessage
from declarations.dossiers.models import Dossier
from declarations.dossiers.selectors import dossier_history
from declarations.employers.models import Provider
from declarations.intake.pipeline import intake_submit
from ivan import services
from ivan.client import ApiError
from ivan.models import Contract, IdempotencyRecord
from tests.declarations.conftest import worker
from tests.factories import UserFactory, grant

pytestmark = pytest.mark.django_db(transaction=True)


def test_submit_xml_body_gives_a_real_receipt_and_status(api, carried, sign):
    unit = carried("VNPT")
    client = api("VNPT")
    receipt = client.submit_dossier(sign(unit))
    assert receipt["unit_code"] == unit.unit_code and receipt["status"] == "received"
    assert receipt["receipt"]["number"] == f"TB-{receipt['transaction_code']}"
    assert receipt["duplicate"] is False and receipt["sandbox"] is False
    dossier = Dossier.objects.get(transaction_code=receipt["transaction_code"])
    assert dossier.channel == "ivan" and dossier.provider.code == "VNPT"
    assert client.dossier(receipt["transaction_code"])["status"] == "received"
    assert [d["transaction_code"] for d in client.dossiers()] == [receipt["transaction_code"]]
    assert AuditEntry.objects.filter(action="dossier.received").count() == 1


def test_submit_as_multipart_upload(api, carried, sign):
    unit = carried("VNPT")
    receipt = api("VNPT").submit_dossier_file(sign(unit))
    assert Dossier.objects.filter(transaction_code=receipt["transaction_code"]).exists()


def test_multipart_without_the_file_is_a_validation_problem(api, carried):
    client = api("VNPT")
    with pytest.raises(ApiError) as refused:
        client.request("POST", "dossiers", files={"other": ("x.xml", b"<a/>")})
    assert (refused.value.status, refused.value.code) == (400, "IVAN_VALIDATION")


def test_refusals_carry_the_same_codes_as_the_browser_intake(api, carried, sign):
    unit = carried("VNPT")
    bad = sign(unit, [worker(1, MasoBHXH="12AB"), worker(2, NgaySinh="31/02/1990")])
    direct = intake_submit(data=bad, channel="cli")
    assert direct.errors
    with pytest.raises(ApiError) as refused:
        api("VNPT").submit_dossier(bad)
    problem = refused.value.problem
    assert refused.value.status == 422
    assert [e["code"] for e in problem["errors"]] == [e.code for e in direct.errors]
    assert problem["code"] == direct.errors[0].code
    assert all(e["message"] and e["location"] for e in problem["errors"])
    assert not Dossier.objects.exists()


def test_garbage_body_is_refused_with_an_intake_code(api, carried):
    with pytest.raises(ApiError) as refused:
        api("VNPT").submit_dossier(b"not xml at all")
    assert refused.value.status == 422 and refused.value.code.startswith("XML_")


def test_same_key_and_body_returns_the_first_receipt(api, carried, sign):
    unit = carried("VNPT")
    client = api("VNPT")
    envelope, key = sign(unit), str(uuid.uuid4())
    first = client.request(
        "POST",
        "dossiers",
        data=envelope,
        headers={"Content-Type": "application/xml", "Idempotency-Key": key},
    )
    again = client.request(
        "POST",
        "dossiers",
        data=envelope,
        headers={"Content-Type": "application/xml", "Idempotency-Key": key},
    )
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert Dossier.objects.count() == 1


def test_same_key_with_another_body_is_refused(api, carried, sign):
    unit = carried("VNPT")
    client = api("VNPT")
    client.submit_dossier(sign(unit), idempotency_key="hoso-2026-10")
    with pytest.raises(ApiError) as refused:
        client.submit_dossier(sign(unit, [worker(7)]), idempotency_key="hoso-2026-10")
    assert (refused.value.status, refused.value.code) == (422, "IVAN_IDEMPOTENCY_CONFLICT")
    assert Dossier.objects.count() == 1


def test_a_refusal_is_replayed_too(api, carried, sign):
    unit = carried("VNPT")
    client = api("VNPT")
    bad = sign(unit, [worker(1, MasoBHXH="12AB")])
    codes = []
    for _ in range(2):
        with pytest.raises(ApiError) as refused:
            client.submit_dossier(bad, idempotency_key="k-bad")
        codes.append((refused.value.status, refused.value.problem["errors"]))
    assert codes[0] == codes[1]
    assert IdempotencyRecord.objects.get(key="k-bad").status_code == 422


def test_keys_belong_to_one_client(api, carried, sign):
    unit = carried("VNPT")
    a, b = api("VNPT"), api("VNPT")
    first = a.submit_dossier(sign(unit), idempotency_key="shared")
    second = b.submit_dossier(sign(unit, [worker(5)]), idempotency_key="shared")
    assert first["transaction_code"] != second["transaction_code"]


def test_concurrent_repeats_make_one_dossier(api, carried, sign):
    unit = carried("VNPT")
    client = api("VNPT")
    token = client.token()
    envelope = sign(unit)
    answers, barrier = [], threading.Barrier(6)

    def send():
        barrier.wait()
        response = requests.post(
            f"{client.base_url}/dossiers",
            data=envelope,
            headers={
                "Authorization": f"Bearer {token}",
                "Content-Type": "application/xml",
                "Idempotency-Key": "together",
            },
            timeout=60,
        )
        answers.append((response.status_code, response.json()))

    threads = [threading.Thread(target=send) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(answers) == 6
    assert {status for status, _ in answers} == {201}
    assert len({body["transaction_code"] for _, body in answers}) == 1
    assert Dossier.objects.count() == 1


def test_same_envelope_without_key_is_the_intake_duplicate(api, carried, sign):
    unit = carried("VNPT")
    client = api("VNPT")
    envelope = sign(unit)
    first = client.submit_dossier(envelope, idempotency_key="a")
    second = client.submit_dossier(envelope, idempotency_key="b")
    assert second["duplicate"] is True
    assert second["transaction_code"] == first["transaction_code"]


def test_list_filters_and_cursor(api, carried, sign):
    a = carried("VNPT", "VN0001A")
    b = carried("VNPT", "VN0002B")
    client = api("VNPT")
    codes = [client.submit_dossier(sign(a, [worker(i)]))["transaction_code"] for i in (1, 2, 3)]
    codes.append(client.submit_dossier(sign(b))["transaction_code"])
    every = list(client.iterate("dossiers", page_size=1))
    assert [d["transaction_code"] for d in every] == codes[::-1]
    only_a = list(client.dossiers(unit_code="VN0001A"))
    assert sorted(d["transaction_code"] for d in only_a) == sorted(codes[:3])
    assert list(client.dossiers(status="accepted")) == []
    assert len(list(client.dossiers(procedure="600", received_from="2000-01-01"))) == 4
    with pytest.raises(ApiError) as refused:
        list(client.dossiers(received_from="not-a-date"))
    assert refused.value.status == 400


def test_suspended_contract_refuses_a_submit_at_once(api, carried, sign):
    unit = carried("TS24")
    client = api("TS24")
    client.me()
    services.contract_set_state(
        actor=None, contract=Contract.objects.get(provider__code="TS24"), state="suspended"
    )
    with pytest.raises(ApiError) as refused:
        client.submit_dossier(sign(unit))
    assert (refused.value.status, refused.value.code) == (401, "IVAN_UNAUTHENTICATED")
    Contract.objects.filter(provider__code="TS24").update(state="active")
    client2 = api("TS24")
    client2.token()
    Contract.objects.filter(provider__code="TS24").update(state="suspended")
    with pytest.raises(ApiError) as refused:
        client2.submit_dossier(sign(unit))
    assert (refused.value.status, refused.value.code) == (401, "IVAN_CONTRACT_INACTIVE")
    assert not Dossier.objects.exists()


def test_sandbox_runs_the_pipeline_but_never_reaches_an_office(api, carried, sign):
    unit = carried("VNPT")
    sandbox, live = api("VNPT", sandbox=True), api("VNPT")
    receipt = sandbox.submit_dossier(sign(unit))
    assert receipt["sandbox"] is True and receipt["receipt"]["number"].startswith("TB-")
    dossier = Dossier.objects.get(transaction_code=receipt["transaction_code"])
    assert dossier.sandbox is True
    # Real error codes too.
    with pytest.raises(ApiError) as refused:
        sandbox.submit_dossier(sign(unit, [worker(1, MasoBHXH="12AB")]))
    assert refused.value.problem["errors"][0]["code"] == "ROW_BHXH_FORMAT"
    # Not in the live realm, not e-mailed to the employer, not in any office's view.
    assert list(live.dossiers()) == []
    with pytest.raises(ApiError):
        live.dossier(receipt["transaction_code"])
    assert [d["transaction_code"] for d in sandbox.dossiers()] == [receipt["transaction_code"]]
    assert not OutboxMessage.objects.filter(kind="email").exists()
    officer = UserFactory()
    grant(officer, "receiving_officer", unit.managing_office)
    assert not dossier_history(user=officer).filter(pk=dossier.pk).exists()
    # A live submit of the same envelope is not a duplicate of the sandbox one.
    real = live.submit_dossier(sign(unit))
    assert real["sandbox"] is False and real["duplicate"] is False
    assert dossier_history(user=officer).filter(transaction_code=real["transaction_code"]).exists()


def test_submit_needs_its_scope(api, carried, sign):
    unit = carried("VNPT")
    with pytest.raises(ApiError) as refused:
        api("VNPT", scopes=["dossiers:read"]).submit_dossier(sign(unit))
    assert refused.value.status == 403
    assert Provider.objects.get(code="VNPT").dossiers.count() == 0
