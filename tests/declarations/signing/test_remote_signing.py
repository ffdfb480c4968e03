"""Hash-then-sign with the unit's key at a CA's remote signing service (CSC API), over real
HTTP: the page's start and poll steps, the holder's approval (or refusal) on the service's
page, the receipt; a refusal leaves no dossier."""

from __future__ import annotations

import json
import shutil

import pytest
from cryptography import x509

from declarations.dossiers.models import Dossier
from declarations.signing.csc_client import csc_tokens_forget
from declarations.signing.models import RemoteSigningAccount, SigningSession, State
from tests.csc_service.fixtures import HOLDER, csc_pki, csc_service  # noqa: F401  (fixtures)
from tests.declarations.conftest import dossier_xml, register_cert
from tests.factories import employer_user


class _Issued:
    def __init__(self, cert):
        self.cert = cert


@pytest.fixture(autouse=True)
def _no_cached_tokens():
    csc_tokens_forget()
    yield
    csc_tokens_forget()


@pytest.fixture
def remote_account(employer, csc_service, trust_dir):  # noqa: F811
    """The unit's certificate enrolled at the service, registered with the agency, its CA
    trusted, and the unit's account at the service recorded."""
    folder = csc_service.folder
    shutil.copy(folder / "ca" / "ca.pem", trust_dir / "csc-ca.pem")
    shutil.copy(folder / "ca" / "ca.crl", trust_dir / "csc-ca.crl")
    cert = x509.load_pem_x509_certificate((folder / "TZH490L.cert.pem").read_bytes())
    record = register_cert(employer, _Issued(cert))
    return RemoteSigningAccount.objects.create(
        employer=employer, certificate=record, provider="demo-ca", user_ref=HOLDER
    )


@pytest.fixture
def member(client, employer):
    client.force_login(employer_user(employer))
    return client


def post(client, name, session, body=None):
    from django.urls import reverse

    response = client.post(
        reverse(f"declarations:signing_{name}", args=[session.pk]),
        json.dumps(body or {}),
        content_type="application/json",
    )
    return response.status_code, response.json()


def prepared(employer, user) -> SigningSession:
    from declarations.signing.services import signing_prepare

    return signing_prepare(user=user, employer=employer, data=dossier_xml(employer))


def pending_request(session) -> str:
    session.refresh_from_db()
    assert session.remote_request
    return session.remote_request


def test_remote_signing_with_approval_reaches_the_receipt(
    member,
    employer,
    remote_account,
    csc_service,  # noqa: F811
):
    session = prepared(employer, _user(member))
    page = member.get(f"/giao-dich/ky-so/{session.pk}/")
    assert b'id="sign-remote"' in page.content and b"demo-ca" in page.content
    status, answer = post(
        member, "start", session, {"method": "remote", "remote_id": remote_account.pk}
    )
    assert status == 200 and answer["pending"] is True and answer["digests"] == []
    assert post(member, "remote", session)[1]["pending"] is True
    csc_service.answer(pending_request(session), "approve")  # round 1: the forms
    status, answer = post(member, "remote", session)
    assert status == 200 and answer["pending"] is True and answer["round"] == 2
    csc_service.answer(pending_request(session), "approve")  # round 2: the envelope
    status, answer = post(member, "remote", session)
    assert status == 200 and answer["done"] is True, answer
    dossier = Dossier.objects.get()
    assert answer["redirect"].endswith(f"/{dossier.pk}/")
    session.refresh_from_db()
    assert session.state == State.DONE and session.dossier_id == dossier.pk


def test_remote_refusal_stores_nothing(member, employer, remote_account, csc_service):  # noqa: F811
    session = prepared(employer, _user(member))
    post(member, "start", session, {"method": "remote", "remote_id": remote_account.pk})
    csc_service.answer(pending_request(session), "refuse")
    status, answer = post(member, "remote", session)
    assert status == 400 and answer["code"] == "signing.csc_refused"
    assert "từ chối" in answer["message"]
    assert not Dossier.objects.exists()
    session.refresh_from_db()
    assert session.state == State.FAILED


def test_another_units_remote_account_is_unavailable(member, employer, remote_account):
    from tests.factories import EmployerFactory

    other = EmployerFactory(unit_code="DV0012A")
    remote_account.employer = other
    remote_account.save()
    session = prepared(employer, _user(member))
    status, answer = post(
        member, "start", session, {"method": "remote", "remote_id": remote_account.pk}
    )
    assert status == 400 and answer["code"] == "signing.method_unavailable"


def _user(client):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(pk=client.session["_auth_user_id"])


def test_remote_approval_not_given_in_time_stores_nothing(
    member,
    employer,
    remote_account,
    csc_service,  # noqa: F811
):
    from datetime import timedelta

    from django.utils import timezone

    from csc_service.models import CscAuthorization

    session = prepared(employer, _user(member))
    post(member, "start", session, {"method": "remote", "remote_id": remote_account.pk})
    CscAuthorization.objects.filter(handle=pending_request(session)).update(
        answer_by=timezone.now() - timedelta(seconds=1)
    )
    status, answer = post(member, "remote", session)
    assert status == 400 and answer["code"] == "signing.csc_timeout"
    assert not Dossier.objects.exists()
