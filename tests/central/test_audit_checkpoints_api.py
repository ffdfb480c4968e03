"""The central store keeps portals' audit checkpoints write-once, behind signed requests."""

import json

import pytest

from central.models import CentralAuditCheckpoint
from closure_protocol.credentials import credentials_render
from closure_protocol.signing import request_sign
from tests.closure_sync.helpers import credential

pytestmark = pytest.mark.django_db(databases=["default", "central"])

PATH = "/central/api/v1/audit-checkpoints"


def checkpoint(seq=7, digest="a" * 64, **over):
    body = {
        "source": "portal",
        "seq": seq,
        "hash": digest,
        "at": "2026-12-01T03:00:00.000000+00:00",
        "key_id": "0123456789abcdef",
        "signature": "c2lnbmF0dXJl",
    }
    body.update(over)
    return body


@pytest.fixture
def key(tmp_path, settings):
    cred = credential()
    path = tmp_path / "central.ini"
    path.write_text(credentials_render(cred))
    settings.CENTRAL_CREDENTIALS_FILE = str(path)
    return cred


def post(client, key, body):
    raw = json.dumps(body).encode()
    headers = request_sign(credential=key, method="POST", path=PATH, body=raw)
    return client.post(PATH, data=raw, content_type="application/json", headers=headers)


def get(client, key, query):
    path = f"{PATH}?{query}"
    headers = request_sign(credential=key, method="GET", path=path, body=b"")
    return client.get(path, headers=headers)


def test_a_checkpoint_is_kept_once_and_a_retry_answers_the_same(client, key):
    first = post(client, key, checkpoint())
    assert first.status_code == 201 and first.json()["created"] is True
    again = post(client, key, checkpoint(signature="b3RoZXI="))
    assert again.status_code == 200 and again.json()["created"] is False
    assert again.json()["checkpoint"]["signature"] == "c2lnbmF0dXJl"  # the first word stands
    assert CentralAuditCheckpoint.objects.using("central").count() == 1


def test_another_hash_at_a_kept_place_is_refused(client, key):
    post(client, key, checkpoint())
    refused = post(client, key, checkpoint(digest="b" * 64))
    assert refused.status_code == 409
    assert refused.json()["code"] == "central.checkpoint.conflict"
    assert CentralAuditCheckpoint.objects.using("central").get().hash == "a" * 64


def test_checkpoints_are_listed_by_source_in_order(client, key):
    for seq in (9, 3, 6):
        post(client, key, checkpoint(seq=seq))
    post(client, key, checkpoint(seq=4, source="another-portal"))
    listed = get(client, key, "source=portal&after=3").json()
    assert [c["seq"] for c in listed["results"]] == [6, 9]
    assert listed["next_after"] is None


@pytest.mark.parametrize(
    "change",
    [{"hash": "xyz"}, {"seq": 0}, {"at": "yesterday"}, {"source": ""}, {"signature": ""}],
)
def test_a_malformed_checkpoint_is_refused(client, key, change):
    assert post(client, key, checkpoint(**change)).status_code == 400
    assert not CentralAuditCheckpoint.objects.using("central").exists()


def test_an_unsigned_request_is_refused(client, key):
    raw = json.dumps(checkpoint()).encode()
    resp = client.post(PATH, data=raw, content_type="application/json")
    assert resp.status_code == 401
    assert not CentralAuditCheckpoint.objects.using("central").exists()
