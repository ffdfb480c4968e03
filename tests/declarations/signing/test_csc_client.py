"""The portal's CSC client against the signing service over real HTTP: list, approve on
the holder's page, poll, sign; refusal, timeout, SADs misused, wrong secret, service down."""

from __future__ import annotations

import hashlib
import re
import socket
from datetime import timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
from cryptography.hazmat.primitives.serialization import Encoding
from django.utils import timezone
from django.utils.translation import override

from csc_service.models import CscAuthorization
from declarations.signing.csc_client import (
    CscError,
    csc_authorize_check,
    csc_authorize_start,
    csc_credential_info,
    csc_credentials_list,
    csc_providers,
    csc_sign_hash,
    csc_tokens_forget,
)
from tests.csc_service.fixtures import (  # noqa: F401  (fixtures)
    CREDENTIAL_ID,
    HOLDER,
    csc_pki,
    csc_service,
)

DIGESTS = [hashlib.sha256(b"SignedInfo of D02-LT").digest(), hashlib.sha256(b"Hoso").digest()]


@pytest.fixture(autouse=True)
def _no_cached_tokens():
    csc_tokens_forget()
    yield
    csc_tokens_forget()


@pytest.fixture
def provider(csc_service):  # noqa: F811
    return csc_providers()["demo-ca"]


def _approved(csc_service, provider, digests=DIGESTS):  # noqa: F811
    request_id = csc_authorize_start(
        provider,
        credential_id=CREDENTIAL_ID,
        user_ref=HOLDER,
        hashes=digests,
        description="Hồ sơ 600 — kỳ 03/2026",
    )
    assert csc_authorize_check(provider, request_id=request_id).state == "pending"
    csc_service.answer(request_id, "approve")
    answer = csc_authorize_check(provider, request_id=request_id)
    assert answer.state == "approved" and answer.sad
    return answer


def _verify(certificate_der: bytes, signature: bytes, digest: bytes) -> None:
    public_key = x509.load_der_x509_certificate(certificate_der).public_key()
    public_key.verify(signature, digest, padding.PKCS1v15(), Prehashed(hashes.SHA256()))


def test_list_gives_the_enrolled_certificate_and_its_chain(csc_service, provider):  # noqa: F811
    [credential] = csc_credentials_list(provider, user_ref=HOLDER)
    enrolled = x509.load_pem_x509_certificate(
        (csc_service.folder / "TZH490L.cert.pem").read_bytes()
    )
    ca = x509.load_pem_x509_certificate((csc_service.folder / "ca" / "ca.pem").read_bytes())
    assert credential.id == CREDENTIAL_ID
    assert credential.certificate == enrolled.public_bytes(Encoding.DER)
    assert credential.chain == (ca.public_bytes(Encoding.DER),)
    assert credential.key_algorithm == "RSA" and credential.scal == "2"
    assert csc_credentials_list(provider, user_ref="0000000000") == []
    assert csc_credential_info(provider, credential_id=CREDENTIAL_ID) == credential


def test_approved_hashes_are_signed_with_the_enrolled_key(csc_service, provider):  # noqa: F811
    answer = _approved(csc_service, provider)
    signatures = csc_sign_hash(
        provider, credential_id=CREDENTIAL_ID, sad=answer.sad, hashes=DIGESTS
    )
    [credential] = csc_credentials_list(provider, user_ref=HOLDER)
    assert len(signatures) == 2
    for signature, digest in zip(signatures, DIGESTS, strict=True):
        _verify(credential.certificate, signature, digest)


def test_refused_on_the_approval_page(csc_service, provider):  # noqa: F811
    request_id = csc_authorize_start(
        provider, credential_id=CREDENTIAL_ID, user_ref=HOLDER, hashes=DIGESTS, description="x"
    )
    csc_service.answer(request_id, "refuse")
    assert csc_authorize_check(provider, request_id=request_id).state == "refused"


def test_not_answered_in_time_is_expired(csc_service, provider):  # noqa: F811
    request_id = csc_authorize_start(
        provider, credential_id=CREDENTIAL_ID, user_ref=HOLDER, hashes=DIGESTS, description="x"
    )
    CscAuthorization.objects.filter(handle=request_id).update(
        answer_by=timezone.now() - timedelta(seconds=1)
    )
    assert csc_authorize_check(provider, request_id=request_id).state == "expired"
    # Too late to approve: the holder's answer changes nothing.
    csc_service.answer(request_id, "approve")
    assert csc_authorize_check(provider, request_id=request_id).state == "expired"


def test_a_sad_signs_no_other_hashes(csc_service, provider):  # noqa: F811
    answer = _approved(csc_service, provider, digests=DIGESTS[:1])
    with pytest.raises(CscError) as refused:
        csc_sign_hash(provider, credential_id=CREDENTIAL_ID, sad=answer.sad, hashes=DIGESTS[1:])
    assert refused.value.code == "signing.csc_rejected"
    assert refused.value.params["error"] == "invalid_request"


def test_a_sad_signs_once(csc_service, provider):  # noqa: F811
    answer = _approved(csc_service, provider)
    csc_sign_hash(provider, credential_id=CREDENTIAL_ID, sad=answer.sad, hashes=DIGESTS)
    with pytest.raises(CscError) as replayed:
        csc_sign_hash(provider, credential_id=CREDENTIAL_ID, sad=answer.sad, hashes=DIGESTS)
    assert replayed.value.code == "signing.csc_rejected"


def test_a_sad_past_its_lifetime_signs_nothing(csc_service, provider):  # noqa: F811
    answer = _approved(csc_service, provider)
    CscAuthorization.objects.update(sad_expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(CscError, match="signing.csc_rejected"):
        csc_sign_hash(provider, credential_id=CREDENTIAL_ID, sad=answer.sad, hashes=DIGESTS)


def test_wrong_client_secret_is_refused(csc_service, settings):  # noqa: F811
    settings.SIGNING_CSC_PROVIDERS["demo-ca"]["client_secret"] = "not-the-secret-0123456789"
    provider = csc_providers()["demo-ca"]
    with pytest.raises(CscError) as refused:
        csc_credentials_list(provider, user_ref=HOLDER)
    assert refused.value.code == "signing.csc_rejected"
    assert refused.value.params["error"] == "invalid_client"
    with override("vi"):
        assert "từ chối" in str(refused.value.message)


def test_service_down_is_unreachable(settings):
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    settings.SIGNING_CSC_PROVIDERS = {
        "down": {
            "name": "CA vắng mặt",
            "base_url": f"http://127.0.0.1:{port}/csc/v2",
            "client_id": "x",
            "client_secret": "y" * 20,
            "timeout": 2.0,
        }
    }
    with pytest.raises(CscError) as down:
        csc_credentials_list(csc_providers()["down"], user_ref=HOLDER)
    assert down.value.code == "signing.csc_unreachable"
    with override("vi"):
        assert "không kết nối được" in str(down.value.message)


@pytest.mark.parametrize(
    ("value", "complaint"),
    [
        ("[1, 2]", "must be a JSON object"),
        ('{"x": {"name": "X", "base_url": "ftp://x", "client_id": "a", "client_secret": "b"}}', "http(s) URL"),
        ('{"x": {"name": "X", "base_url": "https://x/csc/v2", "client_id": "a"}}', "client_secret is required"),
        ('{"x": {"name": "X", "base_url": "https://x", "client_id": "a", "client_secret": "b", "timeout": 0}}', "timeout"),
        ('{"x": {"name": "X", "base_url": "https://x", "client_id": "a", "client_secret": "b", "pin": 1}}', "unknown fields"),
        ("{not json", "must be JSON"),
    ],
)  # fmt: skip
def test_a_malformed_provider_setting_stops_start_up(monkeypatch, value, complaint):
    from django.core.exceptions import ImproperlyConfigured

    from portal.settings.base import _env_csc_providers

    monkeypatch.setenv("SIGNING_CSC_PROVIDERS_TRY", value)
    with pytest.raises(ImproperlyConfigured, match=re.escape(complaint)):
        _env_csc_providers("SIGNING_CSC_PROVIDERS_TRY")
