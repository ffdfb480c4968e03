"""The unit's 05/SD-IVAN (change) and 06/NG-IVAN (stop) signed in the portal: composed on the
e-transaction page, signed through the same hash-then-sign session with the registered
certificate (a SoftHSM token through the local signer, a key standing in for one, or the
trial credential), applied by the same service as the I-VAN API's; a refused step changes
nothing."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEntry
from declarations.employers.channel_forms import change_form_build, stop_form_build
from declarations.employers.models import EmployerChannel, EStatus, Provider
from declarations.employers.pki.signing import sign_form
from declarations.employers.services import channel_form_submit, trial_credential_issue
from declarations.signing.models import Kind, SigningSession, State
from tests.csc_service.fixtures import csc_pki, csc_service  # noqa: F401  (fixtures)
from tests.declarations.signing.test_hash_then_sign import DigestSigner
from tests.declarations.signing.test_remote_signing import (  # noqa: F401  (fixtures)
    _no_cached_tokens,
    pending_request,
    remote_account,
)
from tests.factories import EmployerFactory, employer_user
from tests.signer.conftest import PORTAL_ORIGIN, softhsm_required
from tests.signer.process import CONFIRM_PROMPT, PIN_PROMPT, SignerProcess
from tests.signer.softhsm import softhsm_token_create

CHANNEL = "/giao-dich/ky-so/giao-dich-dien-tu/"


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


def post_step(client, name, session, body=None):
    response = client.post(
        reverse(f"declarations:signing_{name}", args=[session.pk]),
        json.dumps(body or {}),
        content_type="application/json",
    )
    return response.status_code, response.json()


def compose_change(client, **fields) -> SigningSession:
    data = {"action": "change", "sd-result_delivery": "office"}
    data.update({f"sd-{name}": value for name, value in fields.items()})
    response = client.post(CHANNEL, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    session = SigningSession.objects.latest("created_at")
    assert response["Location"] == reverse("declarations:signing_page", args=[session.pk])
    return session


def compose_stop(client, reason="Đơn vị chuyển sang nhà cung cấp khác") -> SigningSession:
    response = client.post(CHANNEL, {"action": "stop", "ng-reason": reason, "ng-confirm": "on"})
    assert response.status_code == 302
    return SigningSession.objects.latest("created_at")


def start_token(client, session, der: bytes):
    status, answer = post_step(
        client,
        "start",
        session,
        {"method": "token", "certificate_der": base64.b64encode(der).decode()},
    )
    assert status == 200, answer
    return answer


# --- the token through the running local signer ---------------------------------------------------
@pytest.fixture
def token_signer(tmp_path, demo_pki):
    """The unit's key (``demo_pki.good``) on a SoftHSM token, served by the local signer."""
    softhsm_required()
    hsm = softhsm_token_create(tmp_path / "softhsm", label="TZH490L", pin="135790")
    hsm.key_import(
        key_pem=demo_pki.good.key_pem, cert_pem=demo_pki.good.cert_pem, key_id="77", label="TZH490L"
    )
    signer = SignerProcess(module=hsm.module, env=hsm.env, origins=[PORTAL_ORIGIN])
    yield hsm, signer
    signer.stop()


def test_a_05_signed_with_the_softhsm_token_changes_the_units_data(
    member, employer, token, token_signer
):
    hsm, signer = token_signer
    session = compose_change(
        member, contact_email="nhansu@tzh490l.example.vn", address="99 Nguyễn Huệ, Quận 1"
    )
    assert session.kind == Kind.CHANGE and b"<ToKhai05SDIVAN>" in bytes(session.document)
    page = member.get(reverse("declarations:signing_page", args=[session.pk]))
    assert b"05/SD-IVAN" in page.content and b'id="sign-token"' in page.content
    answer = start_token(member, session, token.der)
    assert [d["id"] for d in answer["digests"]] == ["05-SD-IVAN"]
    assert "05/SD-IVAN" in answer["summary"]

    # The digest to the token, through the signer, as the page's script sends it.
    result = {}
    import threading

    def run():
        result["status"], _h, result["body"] = signer.request(
            "POST",
            "/v1/sign",
            origin=PORTAL_ORIGIN,
            body={
                "certificate_id": "77",
                "algorithm": "rsa-pkcs1-sha256",
                "digests": answer["digests"],
                "summary": answer["summary"],
            },
        )

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    signer.type("y", after=CONFIRM_PROMPT)
    signer.type(hsm.pin, after=PIN_PROMPT)
    thread.join(60)
    assert result["status"] == 200, result

    status, done = post_step(
        member, "round", session, {"round": 2, "signatures": result["body"]["signatures"]}
    )
    assert status == 200 and done == {"done": True, "redirect": CHANNEL}
    employer.refresh_from_db()
    assert employer.contact_email == "nhansu@tzh490l.example.vn"
    assert employer.address == "99 Nguyễn Huệ, Quận 1"
    session.refresh_from_db()
    assert session.state == State.DONE
    entry = AuditEntry.objects.get(action="employer.changed")
    assert entry.data["form"] == "05/SD-IVAN" and entry.data["trial"] is False
    assert entry.data["after"]["contact_email"] == "nhansu@tzh490l.example.vn"
    assert "05/SD-IVAN" in signer.output


# --- with a key standing in for the token ----------------------------------------------------------
def test_a_06_stops_the_units_channel(member, employer, token):
    provider, _created = Provider.objects.get_or_create(code="TS24", defaults={"name": "TS24"})
    EmployerChannel.objects.create(employer=employer, provider=provider)
    session = compose_stop(member)
    assert b"<MaIVAN>TS24</MaIVAN>" in bytes(session.document)
    answer = start_token(member, session, token.der)
    assert [d["id"] for d in answer["digests"]] == ["06-NG-IVAN"]
    status, done = post_step(
        member, "round", session, {"round": 2, "signatures": token.sign(answer["digests"])}
    )
    assert status == 200 and done["done"] is True
    employer.refresh_from_db()
    assert employer.e_status == EStatus.STOPPED
    assert employer.e_stopped_on == timezone.localdate()
    assert not EmployerChannel.objects.filter(employer=employer).exists()
    entry = AuditEntry.objects.get(action="employer.stopped")
    assert entry.data["provider"] == "TS24"
    assert entry.data["reason"] == "Đơn vị chuyển sang nhà cung cấp khác"
    # Stopped: the page offers neither form any more.
    page = member.get(CHANNEL)
    assert b'id="sign-05"' not in page.content and b'id="sign-06"' not in page.content


def test_a_signature_over_another_digest_is_refused_and_changes_nothing(member, employer, token):
    session = compose_change(member, contact_phone="0287654321")
    answer = start_token(member, session, token.der)
    other = [
        {"id": "05-SD-IVAN", "sha256": base64.b64encode(hashlib.sha256(b"x").digest()).decode()}
    ]
    status, refused = post_step(
        member, "round", session, {"round": 2, "signatures": token.sign(other)}
    )
    assert status == 400 and refused["code"] == "signing.signature_invalid"
    assert "không khớp" in refused["message"] or "nothing was stored" in refused["message"]
    employer.refresh_from_db()
    assert employer.contact_phone != "0287654321"
    assert not AuditEntry.objects.filter(action="employer.changed").exists()
    session.refresh_from_db()
    assert session.state == State.FAILED
    # The right values after a failure: the session started again signs once.
    answer = start_token(member, session, token.der)
    status, done = post_step(
        member, "round", session, {"round": 2, "signatures": token.sign(answer["digests"])}
    )
    assert status == 200 and done["done"] is True
    status, again = post_step(
        member, "round", session, {"round": 2, "signatures": token.sign(answer["digests"])}
    )
    assert status == 409 and again["code"] == "signing.session_used"
    assert AuditEntry.objects.filter(action="employer.changed").count() == 1


def test_another_users_session_is_unknown(client, member, employer, token):
    session = compose_stop(member)
    stranger_unit = EmployerFactory(unit_code="DV0999Z", e_status=EStatus.ACTIVE)
    client.force_login(employer_user(stranger_unit, username="khac"))
    status, answer = post_step(
        client,
        "start",
        session,
        {"method": "token", "certificate_der": base64.b64encode(token.der).decode()},
    )
    assert status == 404 and answer["code"] == "signing.session_unknown"
    employer.refresh_from_db()
    assert employer.e_status == EStatus.ACTIVE


def test_an_unregistered_certificate_is_refused_before_any_digest(member, employer, demo_pki):
    session = compose_change(member, contact_phone="0287654321")
    other = DigestSigner(demo_pki.renewed)
    status, answer = post_step(
        member,
        "start",
        session,
        {"method": "token", "certificate_der": base64.b64encode(other.der).decode()},
    )
    assert status == 400 and answer["code"] == "signing.certificate_unregistered"
    session.refresh_from_db()
    assert session.expected == []


def test_the_trial_credential_sends_a_05_and_a_wrong_one_nothing(member, employer):
    _credential, secret = trial_credential_issue(
        actor=None, employer=employer, expires_on=timezone.localdate() + timedelta(days=30)
    )
    session = compose_change(member, result_delivery="post", postal_address="5 Hai Bà Trưng")
    page = member.get(reverse("declarations:signing_page", args=[session.pk]))
    assert b'id="trial-form"' in page.content
    url = reverse("declarations:signing_trial", args=[session.pk])
    response = member.post(url, {"trial_secret": "TN-SAI"}, follow=True)
    assert "Mã giao dịch thử nghiệm không đúng" in response.content.decode()
    employer.refresh_from_db()
    assert employer.result_delivery == "office"
    response = member.post(url, {"trial_secret": secret})
    assert response["Location"] == CHANNEL
    employer.refresh_from_db()
    assert employer.result_delivery == "post" and employer.postal_address == "5 Hai Bà Trưng"
    assert AuditEntry.objects.get(action="employer.changed").data["trial"] is True


def test_invalid_fields_show_the_page_and_prepare_nothing(member, employer):
    response = member.post(
        CHANNEL,
        {
            "action": "change",
            "sd-contact_email": "khong-phai-email",
            "sd-result_delivery": "office",
        },
    )
    assert response.status_code == 400
    assert (
        b"sd-contact_email_error" in response.content
        or b"id_sd-contact_email_error" in response.content
    )
    response = member.post(CHANNEL, {"action": "change", "sd-result_delivery": "office"})
    assert response.status_code == 400  # nothing changed
    response = member.post(CHANNEL, {"action": "stop", "ng-reason": "x"})
    assert response.status_code == 400  # not confirmed
    assert not SigningSession.objects.exists()


# --- the service on its own: only what is signed, by the registered certificate ------------------
def test_a_05_signed_with_another_certificate_is_refused(employer, demo_pki):
    data = change_form_build(employer=employer, changes={"contact_phone": "0281112222"})
    signed = sign_form(data, key_pem=demo_pki.renewed.key_pem, cert_pem=demo_pki.renewed.cert_pem)
    with pytest.raises(Exception) as refused:
        channel_form_submit(actor=None, employer=employer, data=signed)
    assert refused.value.code == "CHANNEL_FORM_SIGNER"
    employer.refresh_from_db()
    assert employer.contact_phone != "0281112222"


def test_another_units_form_is_refused(employer, demo_pki):
    other = EmployerFactory(unit_code="DV0555B", tax_code=employer.tax_code)
    data = stop_form_build(employer=other)
    signed = sign_form(data, key_pem=demo_pki.good.key_pem, cert_pem=demo_pki.good.cert_pem)
    with pytest.raises(Exception) as refused:
        channel_form_submit(actor=None, employer=employer, data=signed)
    assert refused.value.code == "CHANNEL_FORM_MISMATCH"
    employer.refresh_from_db()
    assert employer.e_status == EStatus.ACTIVE


# --- at the CA's remote signing service (CSC), over real HTTP -------------------------------------
def test_a_06_signed_remotely_with_approval_stops_and_a_refusal_changes_nothing(
    member,
    employer,
    remote_account,  # noqa: F811
    csc_service,  # noqa: F811
):
    session = compose_stop(member)
    page = member.get(reverse("declarations:signing_page", args=[session.pk]))
    assert b'id="sign-remote"' in page.content
    status, answer = post_step(
        member, "start", session, {"method": "remote", "remote_id": remote_account.pk}
    )
    assert status == 200 and answer["pending"] is True
    csc_service.answer(pending_request(session), "refuse")
    status, refused = post_step(member, "remote", session)
    assert status == 400 and refused["code"] == "signing.csc_refused"
    employer.refresh_from_db()
    assert employer.e_status == EStatus.ACTIVE

    # Started again: one approval for the one form, and the unit stops.
    post_step(member, "start", session, {"method": "remote", "remote_id": remote_account.pk})
    csc_service.answer(pending_request(session), "approve")
    status, done = post_step(member, "remote", session)
    assert status == 200 and done == {"done": True, "redirect": CHANNEL}
    employer.refresh_from_db()
    assert employer.e_status == EStatus.STOPPED
    assert AuditEntry.objects.get(action="employer.stopped").data["trial"] is False
