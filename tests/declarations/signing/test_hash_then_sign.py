"""Hash-then-sign in the portal, the token path end to end: the page's JSON steps driven by a
test signer that signs digests with the employer's key (as the local signer does with the
token), the receipt and the stored dossier; and every refusal, each leaving no dossier."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import timedelta

import pytest
import time_machine
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from declarations.dossiers.models import Dossier
from declarations.employers.pki.signing import sign_dossier
from declarations.signing.models import SigningSession, State
from tests.declarations.conftest import dossier_xml, worker
from tests.factories import employer_user


class DigestSigner:
    """Signs each digest as the local signer's ``/v1/sign`` does: RSASSA-PKCS1-v1_5 over
    DigestInfo(SHA-256, digest), with a private key (here from the key file)."""

    def __init__(self, issued):
        self.key = serialization.load_pem_private_key(issued.key_pem, None)
        self.der = issued.cert.public_bytes(serialization.Encoding.DER)
        self.calls = 0

    def sign(self, digests: list[dict]) -> list[dict]:
        self.calls += 1
        return [
            {
                "id": d["id"],
                "value": base64.b64encode(
                    self.key.sign(
                        base64.b64decode(d["sha256"]),
                        padding.PKCS1v15(),
                        Prehashed(hashes.SHA256()),
                    )
                ).decode(),
            }
            for d in digests
        ]


def post_json(client, url, body) -> tuple[int, dict]:
    response = client.post(url, json.dumps(body), content_type="application/json")
    return response.status_code, response.json()


@pytest.fixture
def user(employer):
    return employer_user(employer)


@pytest.fixture
def member(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def token(demo_pki):
    return DigestSigner(demo_pki.good)


def prepare(client, data: bytes, **query) -> SigningSession:
    url = reverse("declarations:signing_upload")
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    response = client.post(url, {"file": SimpleUploadedFile("hoso.xml", data)})
    assert response.status_code == 302, response.content[:500]
    session = SigningSession.objects.get()
    assert response["Location"] == reverse("declarations:signing_page", args=[session.pk])
    return session


def urls(session) -> dict:
    return {
        name: reverse(f"declarations:signing_{name}", args=[session.pk])
        for name in ("start", "round", "page")
    }


def start(client, session, signer) -> dict:
    status, answer = post_json(
        client,
        urls(session)["start"],
        {"method": "token", "certificate_der": base64.b64encode(signer.der).decode()},
    )
    assert status == 200, answer
    return answer


def sign_all(client, session, signer) -> dict:
    answer = start(client, session, signer)
    while not answer.get("done"):
        status, answer = post_json(
            client,
            urls(session)["round"],
            {"round": answer["round"], "signatures": signer.sign(answer["digests"])},
        )
        assert status == 200, answer
    return answer


def test_token_path_signs_and_sends_to_the_receipt(member, employer, token):
    data = dossier_xml(employer, [worker(1), worker(2)])
    session = prepare(member, data)
    page = member.get(urls(session)["page"])
    assert page.status_code == 200
    assert "http://127.0.0.1:47815" in page["Content-Security-Policy"]
    for element_id in ("signing", "certificate", "find-certificates", "sign-token", "progress"):
        assert f'id="{element_id}"'.encode() in page.content

    first = start(member, session, token)
    assert first["round"] == 1 and [d["id"] for d in first["digests"]] == ["form-1"]
    assert "TZH490L" in first["summary"]
    status, second = post_json(
        member,
        urls(session)["round"],
        {"round": 1, "signatures": token.sign(first["digests"])},
    )
    assert status == 200 and second["round"] == 2
    assert [d["id"] for d in second["digests"]] == ["envelope"]
    status, done = post_json(
        member,
        urls(session)["round"],
        {"round": 2, "signatures": token.sign(second["digests"])},
    )
    assert status == 200 and done["done"] is True
    dossier = Dossier.objects.get()
    assert done["redirect"] == reverse("declarations:dossier", args=[dossier.pk])
    assert done["transaction_code"] == dossier.transaction_code
    assert dossier.channel == "portal" and dossier.employer == employer
    assert dossier.notices.filter(kind="receipt").exists()
    session.refresh_from_db()
    assert session.state == State.DONE and session.dossier_id == dossier.pk
    assert session.used_at is not None
    # The receipt page follows, with the message of intake's receipt.
    receipt = member.get(done["redirect"])
    assert dossier.transaction_code in receipt.content.decode()


def test_layout_is_byte_identical_to_sign_dossier(member, employer, token, demo_pki):
    """The same key and time: hash-then-sign stores exactly what ``sign_dossier`` makes."""
    data = dossier_xml(employer, [worker(1)])
    session = prepare(member, data)
    sign_all(member, session, token)
    session.refresh_from_db()
    reference = sign_dossier(
        data,
        key_pem=demo_pki.good.key_pem,
        cert_pem=demo_pki.good.cert_pem,
        signing_time=session.signing_time,
    )
    assert Dossier.objects.get().content_sha256 == hashlib.sha256(reference).hexdigest()


def test_a_signature_over_another_digest_is_refused(member, employer, token):
    session = prepare(member, dossier_xml(employer))
    first = start(member, session, token)
    forged = token.sign(
        [{"id": "form-1", "sha256": base64.b64encode(hashlib.sha256(b"other").digest()).decode()}]
    )
    status, answer = post_json(member, urls(session)["round"], {"round": 1, "signatures": forged})
    assert status == 400 and answer["code"] == "signing.signature_invalid"
    assert first["digests"][0]["sha256"] != forged[0]["value"]
    assert not Dossier.objects.exists()
    session.refresh_from_db()
    assert session.state == State.FAILED and session.form_values == []


def test_a_signature_by_another_key_is_refused(member, employer, token, demo_pki):
    session = prepare(member, dossier_xml(employer))
    first = start(member, session, token)
    other = DigestSigner(demo_pki.other)
    status, answer = post_json(
        member, urls(session)["round"], {"round": 1, "signatures": other.sign(first["digests"])}
    )
    assert status == 400 and answer["code"] == "signing.signature_invalid"
    assert not Dossier.objects.exists()


def test_missing_values_are_refused(member, employer, token):
    session = prepare(member, dossier_xml(employer))
    start(member, session, token)
    status, answer = post_json(member, urls(session)["round"], {"round": 1, "signatures": []})
    assert status == 400 and answer["code"] == "signing.signature_missing"
    assert not Dossier.objects.exists()


def test_a_replayed_session_is_refused(member, employer, token):
    session = prepare(member, dossier_xml(employer))
    first = start(member, session, token)
    status, second = post_json(
        member, urls(session)["round"], {"round": 1, "signatures": token.sign(first["digests"])}
    )
    final = {"round": 2, "signatures": token.sign(second["digests"])}
    assert post_json(member, urls(session)["round"], final)[0] == 200
    status, answer = post_json(member, urls(session)["round"], final)
    assert status == 409 and answer["code"] == "signing.session_used"
    status, answer = post_json(
        member,
        urls(session)["start"],
        {"method": "token", "certificate_der": base64.b64encode(token.der).decode()},
    )
    assert status == 409 and answer["code"] == "signing.session_used"
    assert Dossier.objects.count() == 1


def test_an_expired_session_is_refused(member, employer, token, settings):
    session = prepare(member, dossier_xml(employer))
    first = start(member, session, token)
    later = timezone.now() + timedelta(seconds=settings.SIGNING_SESSION_SECONDS + 1)
    with time_machine.travel(later, tick=False):
        status, answer = post_json(
            member,
            urls(session)["round"],
            {"round": 1, "signatures": token.sign(first["digests"])},
        )
    assert status == 410 and answer["code"] == "signing.session_expired"
    assert not Dossier.objects.exists()


def test_another_users_session_is_refused(client, member, employer, token):
    session = prepare(member, dossier_xml(employer))
    first = start(member, session, token)
    client.force_login(employer_user(employer))
    status, answer = post_json(
        client, urls(session)["round"], {"round": 1, "signatures": token.sign(first["digests"])}
    )
    assert status == 404 and answer["code"] == "signing.session_unknown"
    status, answer = post_json(
        client,
        urls(session)["start"],
        {"method": "token", "certificate_der": base64.b64encode(token.der).decode()},
    )
    assert status == 404 and answer["code"] == "signing.session_unknown"
    assert client.get(urls(session)["page"]).status_code == 404
    assert not Dossier.objects.exists()


@pytest.mark.parametrize("which", ["other", "expired", "renewed"])
def test_a_certificate_not_the_employers_in_force_is_refused_before_any_digest(
    member, employer, demo_pki, which
):
    """Another unit's certificate, or the unit's own not registered: refused at the start,
    and the answer carries no digest."""
    session = prepare(member, dossier_xml(employer))
    status, answer = post_json(
        member,
        urls(session)["start"],
        {
            "method": "token",
            "certificate_der": base64.b64encode(
                DigestSigner(getattr(demo_pki, which)).der
            ).decode(),
        },
    )
    assert status == 400 and answer["code"] == "signing.certificate_unregistered"
    assert "digests" not in answer
    session.refresh_from_db()
    assert session.state == State.PREPARED and session.expected == []
    assert not Dossier.objects.exists()


def test_a_replaced_certificate_is_refused_before_any_digest(member, employer, token):
    employer.certificates.update(replaced_at=timezone.now() - timedelta(days=1))
    session = prepare(member, dossier_xml(employer))
    status, answer = post_json(
        member,
        urls(session)["start"],
        {"method": "token", "certificate_der": base64.b64encode(token.der).decode()},
    )
    assert status == 400 and answer["code"] == "signing.certificate_replaced"
    assert "digests" not in answer


def test_intake_refusal_after_signing_stores_nothing(member, employer, token):
    """Signed correctly, refused by intake's rules (a salary below the minimum wage): the
    session fails with intake's errors and no dossier row is written."""
    session = prepare(member, dossier_xml(employer, [worker(1, TienLuong="1000")]))
    answer = start(member, session, token)
    status, answer = post_json(
        member, urls(session)["round"], {"round": 1, "signatures": token.sign(answer["digests"])}
    )
    status, answer = post_json(
        member, urls(session)["round"], {"round": 2, "signatures": token.sign(answer["digests"])}
    )
    assert status == 400 and answer["errors"]
    assert not Dossier.objects.exists()
    session.refresh_from_db()
    assert session.state == State.FAILED


def test_a_failed_session_starts_again_and_signs(member, employer, token):
    session = prepare(member, dossier_xml(employer))
    start(member, session, token)
    assert post_json(member, urls(session)["round"], {"round": 1, "signatures": []})[0] == 400
    assert sign_all(member, session, token)["done"] is True
    assert Dossier.objects.count() == 1


def test_another_units_document_is_not_prepared(member, employer):
    from tests.factories import EmployerFactory

    other = EmployerFactory(unit_code="DV0012A")
    response = member.post(
        reverse("declarations:signing_upload"),
        {"file": SimpleUploadedFile("hoso.xml", dossier_xml(other))},
    )
    assert response.status_code == 400
    assert b"signing.document_foreign" in response.content
    assert not SigningSession.objects.exists()


def test_the_compose_page_hands_the_lists_to_signing(member, employer, token):
    rows = [worker(1), worker(2)]
    response = member.post(
        reverse("declarations:signing_compose"),
        {
            "procedure": "600",
            "period": "10/2026",
            "rows_json": json.dumps(rows),
            "people_json": "[]",
        },
    )
    assert response.status_code == 302
    session = SigningSession.objects.get()
    assert response["Location"] == reverse("declarations:signing_page", args=[session.pk])
    assert sign_all(member, session, token)["done"] is True
    assert Dossier.objects.get().procedure_code == "600"


def test_the_compose_page_shows_its_errors_instead(member, employer):
    response = member.post(
        reverse("declarations:signing_compose"),
        {
            "procedure": "600",
            "period": "10/2026",
            "rows_json": json.dumps([worker(1, TienLuong="1000")]),
            "people_json": "[]",
        },
    )
    assert response.status_code == 200
    assert b'data-testid="errors"' in response.content
    assert not SigningSession.objects.exists()


def test_the_trial_credential_sends_the_prepared_dossier(member, employer):
    from declarations.employers.services import trial_credential_issue

    _credential, secret = trial_credential_issue(
        actor=None, employer=employer, expires_on=timezone.localdate() + timedelta(days=30)
    )
    session = prepare(member, dossier_xml(employer))
    page = member.get(urls(session)["page"])
    assert b'id="trial-form"' in page.content
    url = reverse("declarations:signing_trial", args=[session.pk])
    wrong = member.post(url, {"trial_secret": "sai-ma"})
    assert wrong.status_code == 302 and not Dossier.objects.exists()
    response = member.post(url, {"trial_secret": secret})
    dossier = Dossier.objects.get()
    assert response["Location"] == reverse("declarations:dossier", args=[dossier.pk])
    assert dossier.trial_credential_id is not None


def test_a_renewal_signs_the_04_with_the_new_certificate_on_the_token(member, employer, demo_pki):
    """The certificates page's "renew with the token": the 04 for the new certificate is
    signed through the same steps (one digest) and the certificate registered; the old one
    is closed."""
    old = employer.certificates.get()
    response = member.post(reverse("declarations:signing_renewal"))
    session = SigningSession.objects.get()
    assert response["Location"] == reverse("declarations:signing_page", args=[session.pk])
    page = member.get(response["Location"])
    assert b'id="sign-token"' in page.content and b"04/" in page.content
    new = DigestSigner(demo_pki.renewed)
    answer = start(member, session, new)
    assert answer["round"] == 2 and [d["id"] for d in answer["digests"]] == ["04-DK-IVAN"]
    assert "04/ĐK-IVAN" in answer["summary"]
    # Signed with the old key: not the proof of possession of the new certificate.
    old_key = DigestSigner(demo_pki.good)
    status, refused = post_json(
        member, urls(session)["round"], {"round": 2, "signatures": old_key.sign(answer["digests"])}
    )
    assert status == 400 and refused["code"] == "signing.signature_invalid"
    assert employer.certificates.count() == 1
    answer = start(member, session, new)
    status, done = post_json(
        member, urls(session)["round"], {"round": 2, "signatures": new.sign(answer["digests"])}
    )
    assert status == 200 and done["redirect"] == reverse("declarations:certificates")
    assert employer.certificates.count() == 2
    old.refresh_from_db()
    assert old.replaced_at is not None
    assert employer.certificates.get(replaced_at__isnull=True).der == new.der


def test_a_renewal_refuses_another_units_certificate_before_any_digest(member, employer, demo_pki):
    member.post(reverse("declarations:signing_renewal"))
    session = SigningSession.objects.get()
    status, answer = post_json(
        member,
        urls(session)["start"],
        {
            "method": "token",
            "certificate_der": base64.b64encode(DigestSigner(demo_pki.other).der).decode(),
        },
    )
    assert status == 400 and answer["code"] == "CERT_MST_MISMATCH"
    assert "digests" not in answer and employer.certificates.count() == 1


def test_the_unit_data_page_hands_its_604_to_signing(member, employer, token):
    from tests.declarations.employers.test_p604 import NEW_ADDRESS, form_of

    response = member.post(
        reverse("declarations:signing_unit_data"), form_of(employer, address=NEW_ADDRESS)
    )
    session = SigningSession.objects.get()
    assert response["Location"] == reverse("declarations:signing_page", args=[session.pk])
    assert sign_all(member, session, token)["done"] is True
    assert Dossier.objects.get().procedure_code == "604"
    bad = member.post(reverse("declarations:signing_unit_data"), form_of(employer))
    assert bad.status_code == 400 and SigningSession.objects.count() == 1
