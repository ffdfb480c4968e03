import base64
import hashlib

from tests.csc_service.fixtures import CLIENT_ID, CLIENT_SECRET

DIGESTS = [hashlib.sha256(b"form").digest(), hashlib.sha256(b"envelope").digest()]


def b64(values):
    return [base64.b64encode(v).decode() for v in values]


def token(client, client_id=CLIENT_ID, secret=CLIENT_SECRET) -> str:
    answer = client.post(
        "/csc/oauth2/token",
        {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
    )
    assert answer.status_code == 200, answer.content
    return answer.json()["access_token"]


def call(client, method: str, body: dict, bearer: str):
    return client.post(
        f"/csc/v2/{method}",
        body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {bearer}"},
    )
