"""The signing service's CSC API (through Django's test client; the portal's client runs
it over real HTTP in tests/declarations/signing/test_csc_client.py)."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.utils import timezone

from csc_service.keystore import private_key_open
from csc_service.models import CscAccessToken, CscAuthorization, CscCredential
from csc_service.services import client_register
from tests.csc_service.fixtures import CREDENTIAL_ID, HOLDER
from tests.csc_service.helpers import DIGESTS, b64, call, token


def test_info_names_the_oauth2_server_and_the_methods(client):
    info = client.post("/csc/v2/info", {}, content_type="application/json").json()
    assert info["authType"] == ["oauth2client"]
    assert info["oauth2"] == "http://testserver/csc/"
    assert {"credentials/authorizeCheck", "signatures/signHash"} <= set(info["methods"])


@pytest.mark.parametrize(
    ("form", "status", "error"),
    [
        ({"grant_type": "client_credentials", "client_id": "bhxh-portal", "client_secret": "x" * 20}, 401, "invalid_client"),
        ({"grant_type": "client_credentials", "client_id": "nobody", "client_secret": "x" * 20}, 401, "invalid_client"),
        ({"grant_type": "client_credentials", "client_id": "bhxh-portal"}, 401, "invalid_client"),
        ({"grant_type": "password", "username": "a", "password": "b"}, 400, "unsupported_grant_type"),
    ],
)  # fmt: skip
def test_token_refusals(client, csc_enrolled, form, status, error):
    answer = client.post("/csc/oauth2/token", form)
    assert (answer.status_code, answer.json()["error"]) == (status, error)
    assert not CscAccessToken.objects.exists()


def test_token_by_http_basic(client, csc_enrolled):
    basic = base64.b64encode(b"bhxh-portal:portal-secret-for-tests-0123456789").decode()
    answer = client.post(
        "/csc/oauth2/token",
        {"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert answer.status_code == 200
    assert answer.json()["token_type"] == "Bearer" and answer["Cache-Control"] == "no-store"


def test_api_needs_a_live_token(client, csc_enrolled):
    body = {"userID": HOLDER}
    assert call(client, "credentials/list", body, "forged").json()["error"] == "invalid_token"
    bearer = token(client)
    assert call(client, "credentials/list", body, bearer).status_code == 200
    CscAccessToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    answer = call(client, "credentials/list", body, bearer)
    assert (answer.status_code, answer.json()["error"]) == (401, "expired_token")


def test_credential_info_scal2_chain_and_details(client, csc_enrolled):
    info = call(
        client,
        "credentials/info",
        {
            "credentialID": CREDENTIAL_ID,
            "certificates": "chain",
            "certInfo": True,
            "authInfo": True,
        },
        token(client),
    ).json()
    cert = x509.load_pem_x509_certificate((csc_enrolled / "TZH490L.cert.pem").read_bytes())
    assert info["SCAL"] == "2" and info["authMode"] == "explicit"
    assert info["auth"] == {"mode": "explicit", "expression": "", "objects": []}
    assert info["key"] == {
        "status": "enabled",
        "algo": ["1.2.840.113549.1.1.1", "1.2.840.113549.1.1.11"],
        "len": 2048,
    }
    assert len(info["cert"]["certificates"]) == 2
    assert base64.b64decode(info["cert"]["certificates"][0]) == cert.public_bytes(
        serialization.Encoding.DER
    )
    assert info["cert"]["serialNumber"] == format(cert.serial_number, "X")
    assert "MST:" + HOLDER in info["cert"]["subjectDN"] or HOLDER in info["cert"]["subjectDN"]


@pytest.mark.parametrize(
    ("change", "description"),
    [
        ({"numSignatures": 3}, "numSignatures must equal the number of distinct hashes"),
        ({"hashes": ["not base64!"]}, "Invalid Base64 hash string parameter"),
        ({"hashes": b64([b"short"])}, "Invalid Base64 hash string parameter"),
        ({"hashAlgorithmOID": "1.3.14.3.2.26"}, "Invalid parameter hashAlgorithmOID"),
        ({"credentialID": "NOPE"}, "Invalid parameter credentialID"),
        ({"numSignatures": 99}, "Numbers of signatures is too high"),
    ],
)
def test_authorize_refuses_bad_requests(client, csc_enrolled, change, description):
    body = {
        "credentialID": CREDENTIAL_ID,
        "numSignatures": 2,
        "hashes": b64(DIGESTS),
        "hashAlgorithmOID": "2.16.840.1.101.3.4.2.1",
        **change,
    }
    answer = call(client, "credentials/authorize", body, token(client))
    assert answer.status_code == 400
    assert answer.json() == {"error": "invalid_request", "error_description": description}
    assert not CscAuthorization.objects.exists()


def test_another_client_can_neither_poll_nor_use_the_sad(client, csc_enrolled):
    bearer = token(client)
    handle = call(
        client,
        "credentials/authorize",
        {
            "credentialID": CREDENTIAL_ID,
            "numSignatures": 1,
            "hashes": b64(DIGESTS[:1]),
            "hashAlgorithmOID": "2.16.840.1.101.3.4.2.1",
        },
        bearer,
    ).json()["handle"]
    CscAuthorization.objects.update(state="approved", decided_at=timezone.now())
    client_register(client_id="other-rp", secret="other-secret-0123456789", name="Khác")
    other = token(client, "other-rp", "other-secret-0123456789")
    polled = call(client, "credentials/authorizeCheck", {"handle": handle}, other)
    assert polled.json()["error_description"] == "Invalid parameter handle"
    sad = call(client, "credentials/authorizeCheck", {"handle": handle}, bearer).json()["SAD"]
    # Handed out once: a second poll gets no second SAD.
    again = call(client, "credentials/authorizeCheck", {"handle": handle}, bearer)
    assert again.status_code == 400
    body = {
        "credentialID": CREDENTIAL_ID,
        "SAD": sad,
        "hashes": b64(DIGESTS[:1]),
        "signAlgo": "1.2.840.113549.1.1.11",
    }
    stolen = call(client, "signatures/signHash", body, other)
    assert stolen.json()["error_description"] == "Invalid parameter SAD"
    assert call(client, "signatures/signHash", body, bearer).status_code == 200


def test_private_key_is_encrypted_at_rest(csc_enrolled, settings):
    key = serialization.load_pem_private_key(
        (csc_enrolled / "TZH490L.key.pem").read_bytes(), password=None
    )
    der = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    stored = bytes(CscCredential.objects.get().private_key)
    assert der not in stored and der[-64:] not in stored
    assert private_key_open(stored).private_numbers() == key.private_numbers()
    # A new storage key first: old rows still open (rotation); without the old key, none.
    new = "7Qv9b3q0rJm9mC0iVZQ3cXlq0mWm2oJ7m8hGJf3YJ0Y="
    settings.CSC_SERVICE_STORAGE_KEYS = [new, *settings.CSC_SERVICE_STORAGE_KEYS]
    assert private_key_open(stored).private_numbers() == key.private_numbers()
    settings.CSC_SERVICE_STORAGE_KEYS = [new]
    with pytest.raises(ImproperlyConfigured):
        private_key_open(stored)


def test_enrol_refuses_a_certificate_of_another_key(csc_enrolled, tmp_path):
    from declarations.employers.pki.demo_ca import demo_pki_write

    demo_pki_write(tmp_path, [("OTHER", "0301234562", "Khác")])
    with pytest.raises(CommandError, match="not the key's"):
        call_command(
            "csc_credential_enrol",
            HOLDER,
            key=str(csc_enrolled / "TZH490L.key.pem"),
            cert=str(tmp_path / "OTHER.cert.pem"),
        )
