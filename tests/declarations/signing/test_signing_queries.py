"""What the signing steps' shortcuts must not change: the written-out session read answers
as its queryset, a locked step does not wait for the WAL flush (and only that step), and the
values put into the kept halves give the bytes ``sign_dossier`` makes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
from django.db import connection, transaction
from django.forms.models import model_to_dict
from django.utils import timezone

from declarations.employers.pki.signing import sign_dossier
from declarations.intake.envelope import d02lt_build
from declarations.signing import layout, services
from declarations.signing.models import SigningSession
from tests.declarations.conftest import dossier_xml, worker
from tests.factories import employer_user

# A form whose own content holds what a placeholder's SignatureValue looks like.
DECOY = (
    b"<?xml version='1.0' encoding='utf-8'?>\n"
    b"<ToKhai><SignatureValue>AA==</SignatureValue><Ghi>x</Ghi></ToKhai>"
)


def _session(employer, *, user=None, browser="") -> SigningSession:
    now = timezone.now()
    return SigningSession.objects.create(
        user=user,
        browser=browser,
        employer=employer,
        document=dossier_xml(employer),
        document_sha256="ab" * 32,
        forms=["eA=="],
        expected=[{"id": "form-1", "sha256": "eA=="}],
        created_at=now,
        expires_at=now + timedelta(minutes=5),
    )


def _loaded(session) -> tuple:
    return model_to_dict(session), model_to_dict(session.employer), session.employer_id


def test_the_written_out_session_read_answers_as_its_queryset(employer):
    if connection.vendor != "postgresql":
        pytest.skip("elsewhere the steps run the queryset itself")
    user, other = employer_user(employer), employer_user(employer, username="khac")
    own = _session(employer, user=user)
    browser = services.Browser.of("phien-trinh-duyet")
    public = _session(employer, browser=browser.key)
    for lock in (False, True):
        with transaction.atomic():
            got = services.session_get(user=user, session_id=own.pk, lock=lock)
            query = services._session_query({"user": user}, own.pk, lock=lock).first()
            assert _loaded(got) == _loaded(query)
            assert got.user is user
            got = services.session_get(user=browser, session_id=str(public.pk), lock=lock)
            query = services._session_query(
                {"user": None, "browser": browser.key}, public.pk, lock=lock
            ).first()
            assert _loaded(got) == _loaded(query)
    # Another's session, a browser's through a user, a made-up id: all equally unknown.
    for owner, session_id in (
        (other, own.pk),
        (user, public.pk),
        (services.Browser.of("khac"), public.pk),
        (user, "khong-phai-uuid"),
    ):
        with pytest.raises(services.SigningRefused) as refused:
            services.session_get(user=owner, session_id=session_id)
        assert refused.value.code == "signing.session_unknown"


def test_the_written_out_certificate_read_answers_as_its_queryset(employer, demo_pki):
    if connection.vendor != "postgresql":
        pytest.skip("elsewhere the start runs the queryset itself")
    from declarations.employers.models import RegisteredCertificate
    from tests.declarations.conftest import register_cert

    good = demo_pki.good.cert.public_bytes(serialization.Encoding.DER)
    other = demo_pki.other.cert.public_bytes(serialization.Encoding.DER)

    def both(der: bytes) -> tuple:
        fingerprint = RegisteredCertificate.fingerprint_of(der)
        query = services._certificate_query(employer.pk, fingerprint).first()
        try:
            written = services.certificate_check(employer=employer, der=der, at=timezone.now())
        except services.SigningRefused as refused:
            written = refused.code
        return None if query is None else model_to_dict(query), (
            written if isinstance(written, str) else model_to_dict(written)
        )

    query, written = both(good)
    assert written == query and query is not None
    assert both(other) == (None, "signing.certificate_unregistered")
    # The same certificate registered twice, one row with a replacement date: one order.
    register_cert(employer, demo_pki.good, replaced_at=timezone.now() + timedelta(days=1))
    query, written = both(good)
    assert written == query


@pytest.mark.django_db(transaction=True)
def test_a_locked_step_does_not_wait_for_the_flush_and_only_it(employer):
    if connection.vendor != "postgresql":
        pytest.skip("synchronous_commit is PostgreSQL's")
    user = employer_user(employer)
    session = _session(employer, user=user)

    def setting() -> str:
        with connection.cursor() as cur:
            cur.execute("SHOW synchronous_commit")
            return cur.fetchone()[0]

    before = setting()
    with transaction.atomic():
        services.session_get(user=user, session_id=session.pk, lock=True)
        assert setting() == "off"
    assert setting() == before != "off"
    with transaction.atomic():
        services.session_get(user=user, session_id=session.pk)
        assert setting() == before
    # Inside a caller's transaction the step's setting would hold for all of it: none.
    with transaction.atomic(), transaction.atomic():
        services.session_get(user=user, session_id=session.pk, lock=True)
        assert setting() == before


def _values(key, digests: list[bytes]) -> list[bytes]:
    return [key.sign(d, padding.PKCS1v15(), Prehashed(hashes.SHA256())) for d in digests]


def test_values_put_into_the_kept_halves_give_sign_dossiers_bytes(employer, demo_pki):
    """Three forms, one holding a SignatureValue of its own that looks like the placeholder's:
    each value lands in its own form's signature, and the result is sign_dossier's."""
    issued = demo_pki.good
    key = serialization.load_pem_private_key(issued.key_pem, None)
    at = datetime(2026, 12, 7, 8, 30, tzinfo=UTC)
    data = dossier_xml(
        employer,
        [worker(1)],
        extra_files=[
            ("TK1-TS", "TK1-TS.xml", "xml", DECOY),
            ("D02-LT", "D02-LT-2.xml", "xml", d02lt_build([worker(2), worker(3)])),
        ],
    )
    forms, prepared = layout.forms_prepare(data, cert_pem=issued.cert_pem, signing_time=at)
    assert len(forms) == 3
    envelope, kept = layout.envelope_prepare(
        prepared, _values(key, forms), cert_pem=issued.cert_pem, signing_time=at
    )
    signed = layout.envelope_fill(kept, _values(key, [envelope])[0])

    assert signed == sign_dossier(
        data, key_pem=issued.key_pem, cert_pem=issued.cert_pem, signing_time=at
    )


def test_values_for_fewer_forms_than_kept_are_refused(employer, demo_pki):
    issued = demo_pki.good
    at = datetime(2026, 12, 7, 8, 30, tzinfo=UTC)
    data = dossier_xml(employer, extra_files=[("TK1-TS", "TK1-TS.xml", "xml", DECOY)])
    forms, prepared = layout.forms_prepare(data, cert_pem=issued.cert_pem, signing_time=at)
    with pytest.raises(services.SigningRefused) as refused:
        layout.envelope_prepare(prepared, [b"x"], cert_pem=issued.cert_pem, signing_time=at)
    assert refused.value.code == "signing.document_changed"
    with pytest.raises(services.SigningRefused):
        layout.envelope_fill(data, b"x")  # nothing signed with the placeholder in it
