"""The registration's 04/ĐK-IVAN signed in the portal with the certificate on the token (the
proof of possession), on the public page: the session belongs to the browser; the
registration is sent once the signature verifies with the certificate chosen."""

from __future__ import annotations

import base64
import json

import pytest
from django.test import Client
from django.urls import reverse

from declarations.employers.models import EStatus, Registration
from declarations.signing.models import SigningSession, State
from tests.declarations.conftest import MST
from tests.declarations.signing.test_hash_then_sign import DigestSigner
from tests.factories import EmployerFactory


@pytest.fixture
def unit(reference_data, trust_dir):
    return EmployerFactory(unit_code="DV0012A", tax_code=MST, contact_email="")


def fields(unit, **extra) -> dict:
    return {
        "unit_code": unit.unit_code,
        "tax_code": MST,
        "unit_name": unit.name,
        "address": "1 Lê Lợi, Quận 1",
        "email": "ketoan@example.vn",
        "phone": "0281234567",
        "procedures": ["600", "600a"],
        "result_delivery": "office",
        **extra,
    }


def post_json(client, name, session, body):
    response = client.post(
        reverse(f"declarations:signing_{name}", args=[session.pk]),
        json.dumps(body),
        content_type="application/json",
    )
    return response.status_code, response.json()


def test_registration_signed_with_the_token_is_sent(client, unit, demo_pki):
    response = client.post(reverse("declarations:signing_registration"), fields(unit))
    session = SigningSession.objects.get()
    assert response["Location"] == reverse("declarations:signing_page", args=[session.pk])
    assert session.user is None and session.browser
    assert b'id="sign-token"' in client.get(response["Location"]).content
    token = DigestSigner(demo_pki.good)
    status, answer = post_json(
        client,
        "start",
        session,
        {"method": "token", "certificate_der": base64.b64encode(token.der).decode()},
    )
    assert status == 200 and [d["id"] for d in answer["digests"]] == ["04-DK-IVAN"]
    status, done = post_json(
        client, "round", session, {"round": 2, "signatures": token.sign(answer["digests"])}
    )
    assert status == 200 and done["done"] is True
    registration = Registration.objects.get()
    assert registration.employer == unit and registration.procedures == "600,600a"
    assert bytes(registration.cert_der) == token.der
    unit.refresh_from_db()
    assert unit.e_status == EStatus.PENDING
    session.refresh_from_db()
    assert session.state == State.DONE and session.registration == registration
    page = client.get(done["redirect"])
    assert page.status_code == 200


def test_another_browser_cannot_use_the_session(client, unit, demo_pki):
    client.post(reverse("declarations:signing_registration"), fields(unit))
    session = SigningSession.objects.get()
    stranger = Client()
    token = DigestSigner(demo_pki.good)
    status, answer = post_json(
        stranger,
        "start",
        session,
        {"method": "token", "certificate_der": base64.b64encode(token.der).decode()},
    )
    assert status == 404 and answer["code"] == "signing.session_unknown"


def test_a_signature_by_another_key_sends_nothing(client, unit, demo_pki):
    client.post(reverse("declarations:signing_registration"), fields(unit))
    session = SigningSession.objects.get()
    token = DigestSigner(demo_pki.good)
    status, answer = post_json(
        client,
        "start",
        session,
        {"method": "token", "certificate_der": base64.b64encode(token.der).decode()},
    )
    other = DigestSigner(demo_pki.renewed)
    status, answer = post_json(
        client, "round", session, {"round": 2, "signatures": other.sign(answer["digests"])}
    )
    assert status == 400 and answer["code"] == "signing.signature_invalid"
    assert not Registration.objects.exists()


def test_invalid_fields_show_the_registration_page(client, unit):
    response = client.post(
        reverse("declarations:signing_registration"), fields(unit, email="not-an-email")
    )
    assert response.status_code == 200
    assert b'id="download-04"' in response.content
    assert not SigningSession.objects.exists()
