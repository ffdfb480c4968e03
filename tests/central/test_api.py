"""The central store's API: signed requests, idempotent upsert, replay and rotation."""

import hashlib
import json
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from central.models import CentralClosure, CentralCredential, CentralKeyUsage
from central.services import record_clean, record_digest
from closure_protocol.credentials import credential_file, credentials_render
from closure_protocol.signing import request_sign
from tests.closure_sync.helpers import credential

pytestmark = pytest.mark.django_db(databases=["default", "central"])

BATCH = "/central/api/v1/closures/batch"


def record(ref="0101-A1", version=1, **over):
    rec = {
        "reference": ref,
        "version": version,
        "office_code": "0101",
        "unit_code": "TZH490L",
        "book_number": "0123456789",
        "si_number": "0123456789",
        "full_name": "Nguyễn Thị Lan",
        "birth_date": "1990-05-01",
        "kind": "bhxh",
        "confirmed_on": "2026-11-20",
        "confirmed_by": "thu_badinh",
        "periods": [
            {"from": "2019-01-01", "to": "2020-12-01", "salary": "5000000", "rate": "8.00"}
        ],
    }
    rec.update(over)
    return rec


@pytest.fixture
def keyfile(tmp_path, settings):
    def write(current, previous=None):
        path = tmp_path / "central.ini"
        path.write_text(credentials_render(current, previous))
        settings.CENTRAL_CREDENTIALS_FILE = str(path)
        return path

    return write


def post(client, cred, body, path=BATCH, headers=None):
    raw = json.dumps(body).encode()
    headers = headers or request_sign(credential=cred, method="POST", path=path, body=raw)
    return client.post(path, data=raw, content_type="application/json", headers=headers), headers


def test_batch_upsert_is_idempotent_and_answers_the_same_receipt(client, keyfile):
    key = credential()
    keyfile(key)
    first, _ = post(client, key, {"records": [record(), record("0101-A2")]})
    assert first.status_code == 200
    results = first.json()["results"]
    assert [r["status"] for r in results] == ["created", "created"]
    again, _ = post(client, key, {"records": [record(), record("0101-A2")]})
    assert [r["status"] for r in again.json()["results"]] == ["existing", "existing"]
    assert [r["receipt"] for r in again.json()["results"]] == [r["receipt"] for r in results]
    assert CentralClosure.objects.using("central").count() == 2
    usage = CentralKeyUsage.objects.using("central").get(office_code="0101")
    assert usage.key_id == key.key_id


def test_a_new_version_is_a_new_row_and_a_changed_version_is_a_conflict(client, keyfile):
    key = credential()
    keyfile(key)
    post(client, key, {"records": [record()]})
    changed = record(full_name="Nguyễn Thị Lanh")
    resp, _ = post(
        client, key, {"records": [changed, record(version=2, full_name="Nguyễn Thị Lanh")]}
    )
    statuses = [r["status"] for r in resp.json()["results"]]
    assert statuses == ["conflict", "created"]
    assert CentralClosure.objects.using("central").filter(reference="0101-A1").count() == 2


def test_invalid_records_are_rejected_one_by_one(client, keyfile):
    key = credential()
    keyfile(key)
    resp, _ = post(client, key, {"records": [record(kind="xyz"), record("0101-A3")]})
    assert [r["status"] for r in resp.json()["results"]] == ["rejected", "created"]


def test_a_batch_mixing_stored_new_and_updated_versions_stores_each_version_once(client, keyfile):
    key = credential()
    keyfile(key)
    first, _ = post(client, key, {"records": [record("0101-A1"), record("0101-A2")]})
    receipts = {r["reference"]: r["receipt"] for r in first.json()["results"]}
    batch = [
        record("0101-A1"),  # stored already, same content
        record("0101-A2", version=2, full_name="Nguyễn Thị Lanh"),  # a correction
        record("0101-A3"),  # new
        record("0101-A1"),  # the same version twice in one batch
        record("0101-A3", full_name="Khác"),  # the new one again, other content
    ]
    resp, _ = post(client, key, {"records": batch})
    results = resp.json()["results"]
    statuses = [r["status"] for r in results]
    assert statuses == ["existing", "created", "created", "existing", "conflict"]
    assert results[0]["receipt"] == results[3]["receipt"] == receipts["0101-A1"]
    assert "receipt" not in results[4]
    stored = CentralClosure.objects.using("central")
    assert sorted(stored.values_list("reference", "version")) == [
        ("0101-A1", 1),
        ("0101-A2", 1),
        ("0101-A2", 2),
        ("0101-A3", 1),
    ]
    assert stored.get(reference="0101-A3").full_name == "Nguyễn Thị Lan"
    assert stored.get(reference="0101-A3").receipt == results[2]["receipt"]


@pytest.mark.parametrize(
    "bad",
    [
        {"version": 2**31},  # above the integer column
        {"version": True},
        {"full_name": "Nguyễn\x00Lan"},  # PostgreSQL text holds no NUL
        {"kind": ["bhxh"]},
        {"periods": [{"from": "2019-01-01", "to": "2019-01-01", "salary": "5\x00", "rate": "8"}]},
        {"confirmed_on": "20/11/2026"},
        {"unit_code": 7},
    ],
)
def test_a_hostile_record_is_rejected_alone_without_a_server_error(client, keyfile, bad):
    key = credential()
    keyfile(key)
    resp, _ = post(client, key, {"records": [record("0101-BAD", **bad), record("0101-OK")]})
    assert resp.status_code == 200
    assert [r["status"] for r in resp.json()["results"]] == ["rejected", "created"]
    assert list(CentralClosure.objects.using("central").values_list("reference", flat=True)) == [
        "0101-OK"
    ]


def test_a_body_that_is_not_a_records_object_is_refused_with_a_stable_code(client, keyfile):
    key = credential()
    keyfile(key)
    for body in ([record()], {"records": {"0": record()}}, "records"):
        resp, _ = post(client, key, body)
        assert resp.status_code == 400
        assert resp.json()["code"] == "central.batch.malformed"
    raw = b'{"records": [{"reference": "\\ud800"}]}'  # a lone surrogate is not UTF-8
    headers = request_sign(credential=key, method="POST", path=BATCH, body=raw)
    resp = client.post(BATCH, data=raw, content_type="application/json", headers=headers)
    assert resp.status_code == 400
    assert resp.json()["code"] == "central.batch.malformed"


def test_the_digest_is_the_canonical_json_of_the_clean_record():
    """Receipts already issued stay valid: the digest keeps its byte-exact definition."""
    clean = record_clean(record(full_name='Nguyễn "Thị" Lan\t𝔘', confirmed_by="thu_badinh"))
    canonical = json.dumps(clean, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert record_digest(clean) == hashlib.sha256(canonical.encode()).hexdigest()


def test_a_replayed_request_is_refused(client, keyfile):
    key = credential()
    keyfile(key)
    first, headers = post(client, key, {"records": [record()]})
    assert first.status_code == 200
    replay, _ = post(client, key, {"records": [record()]}, headers=headers)
    assert replay.status_code == 401
    assert replay.json()["code"] == "central.auth.replay"


def test_a_stale_request_is_refused(client, keyfile):
    key = credential()
    keyfile(key)
    raw = json.dumps({"records": [record()]}).encode()
    with time_machine.travel(timezone.now() - timedelta(minutes=10)):
        headers = request_sign(credential=key, method="POST", path=BATCH, body=raw)
    resp = client.post(BATCH, data=raw, content_type="application/json", headers=headers)
    assert resp.status_code == 401
    assert resp.json()["code"] == "central.auth.stale"
    assert not CentralClosure.objects.using("central").exists()


@pytest.mark.parametrize(
    "tamper, code",
    [
        ("body", "central.auth.bad_signature"),
        ("path", "central.auth.bad_signature"),
        ("secret", "central.auth.bad_signature"),
        ("key", "central.auth.unknown_key"),
        ("missing", "central.auth.missing"),
    ],
)
def test_tampered_or_unsigned_requests_are_refused(client, keyfile, tamper, code):
    key = credential()
    keyfile(key)
    raw = json.dumps({"records": [record()]}).encode()
    signer = key
    if tamper == "secret":
        signer = credential(key.key_id, secret="another-secret-0123456789")
    if tamper == "key":
        signer = credential("STRANGER")
    path = "/central/api/v1/closures/search" if tamper == "path" else BATCH
    headers = request_sign(credential=signer, method="POST", path=path, body=raw)
    if tamper == "body":
        raw = json.dumps({"records": [record(full_name="Kẻ giả mạo")]}).encode()
    if tamper == "missing":
        headers = {}
    resp = client.post(BATCH, data=raw, content_type="application/json", headers=headers)
    assert resp.status_code == 401
    assert resp.json()["code"] == code
    assert not CentralClosure.objects.using("central").exists()


def test_rotation_accepts_current_and_previous_during_the_overlap_only(client, keyfile):
    old = credential("K-OLD", days_before=90, days_after=1)
    new = credential("K-NEW", days_before=0, days_after=90)
    keyfile(new, old)
    assert post(client, old, {"records": [record("R1")]})[0].status_code == 200
    assert post(client, new, {"records": [record("R2")]})[0].status_code == 200
    # After the previous key's validity ends, only the current one is accepted.
    with time_machine.travel(timezone.now() + timedelta(days=2)):
        refused, _ = post(client, old, {"records": [record("R3")]})
        assert refused.status_code == 401
        assert refused.json()["code"] == "central.auth.unknown_key"
        assert post(client, new, {"records": [record("R4")]})[0].status_code == 200


def test_a_key_older_than_the_previous_one_is_refused_even_if_still_valid(client, keyfile):
    oldest = credential("K1", days_before=60, days_after=60)
    keyfile(credential("K3", days_before=1), credential("K2", days_before=30))
    CentralCredential.objects.using("central").create(
        key_id=oldest.key_id,
        secret=oldest.secret,
        valid_from=oldest.valid_from,
        valid_until=oldest.valid_until,
    )
    resp, _ = post(client, oldest, {"records": [record()]})
    assert resp.json()["code"] == "central.auth.unknown_key"


def test_the_client_rereads_a_replaced_credential_file(tmp_path):
    path = tmp_path / "client.ini"
    path.write_text(credentials_render(credential("K-A")))
    watcher = credential_file(str(path))
    assert watcher.signing_key().key_id == "K-A"
    path.write_text(credentials_render(credential("K-BB"), credential("K-A")))
    assert watcher.signing_key().key_id == "K-BB"


def test_the_client_signs_with_the_previous_key_until_the_new_one_is_valid(tmp_path):
    path = tmp_path / "client2.ini"
    future = credential("K-FUTURE", days_before=-1, days_after=90)
    path.write_text(credentials_render(future, credential("K-NOW")))
    assert credential_file(str(path)).signing_key().key_id == "K-NOW"


def test_search_and_fetch_answer_signed_requests(client, keyfile):
    key = credential()
    keyfile(key)
    post(
        client, key, {"records": [record(), record(version=2), record("0101-B", book_number="999")]}
    )
    path = "/central/api/v1/closures/fetch?book_number=0123456789"
    headers = request_sign(credential=key, method="GET", path=path, body=b"")
    fetched = client.get(path, headers=headers).json()["results"]
    assert [(r["reference"], r["version"]) for r in fetched] == [("0101-A1", 2)]
    path = "/central/api/v1/closures/search?unit_code=TZH490L&offices=0101&page_size=2"
    headers = request_sign(credential=key, method="GET", path=path, body=b"")
    found = client.get(path, headers=headers).json()
    assert len(found["results"]) == 2 and found["has_next"] is True
    path = "/central/api/v1/closures/search?unit_code=TZH490L&offices=0102"
    headers = request_sign(credential=key, method="GET", path=path, body=b"")
    assert client.get(path, headers=headers).json()["results"] == []
