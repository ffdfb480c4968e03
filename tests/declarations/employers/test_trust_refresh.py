"""CA operations: the licensed CAs as data, their CRLs downloaded (from a local server),
verified against the CA and kept; a stale CRL alerted, then refused after the grace
period; a certificate revoked on a refreshed CRL refused by intake."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.models import AuditEntry
from core.refusals import Refused
from declarations.employers.authorities import authority_refresh
from declarations.employers.models import CaRevocationList, CertificateAuthority
from declarations.employers.pki import demo_ca as pki
from declarations.employers.pki.trust import chain_check, trust_changed, trust_store
from declarations.intake.pipeline import intake_submit
from tests.declarations.conftest import worker
from tests.declarations.trust_world import authority_create
from tests.factories import UserFactory, grant

pytestmark = pytest.mark.usefixtures("trust_caches")

DER = serialization.Encoding.DER


def _codes(result) -> set[str]:
    return {e.code for e in result.errors}


def _now():
    return datetime.now(UTC)


def test_the_public_cas_are_seeded_as_inactive_placeholders(db):
    seeded = CertificateAuthority.objects.filter(placeholder=True)
    codes = set(seeded.values_list("code", flat=True))
    assert {"vnpt-ca", "viettel-ca", "bkav-ca", "fpt-ca", "ca2-nacencomm", "newtel-ca"} <= codes
    assert {"smartsign", "efy-ca"} <= codes
    assert not seeded.filter(active=True).exists()
    assert all(not ca.certificates() and not ca.crl_url_list() for ca in seeded)


def test_refresh_downloads_verifies_and_keeps_the_crl(db, pki_server, demo_pki):
    url = pki_server.crl("/demo.crl", pki.crl_create(demo_pki.ca, [], encoding=DER))
    authority = authority_create(demo_pki.ca, urls=[url])
    call_command("trust_refresh")
    kept = CaRevocationList.objects.get(authority=authority)
    assert kept.source_url == url and kept.next_update > _now() > kept.this_update
    assert AuditEntry.objects.filter(action="trust.crl_updated").count() == 1
    call_command("trust_refresh")  # the same CRL again: nothing new, nothing audited
    assert pki_server.count("/demo.crl") == 2
    assert AuditEntry.objects.filter(action="trust.crl_updated").count() == 1
    authority.refresh_from_db()
    assert authority.last_attempt_at is not None and authority.last_error == ""


def test_a_crl_signed_by_another_key_is_refused_and_the_last_good_one_kept(
    db, pki_server, demo_pki
):
    url = pki_server.crl("/demo.crl", pki.crl_create(demo_pki.ca, []))
    authority = authority_create(demo_pki.ca, urls=[url])
    assert authority_refresh(authority_id=authority.pk).stored == 1
    good = CaRevocationList.objects.get(authority=authority)
    forger = pki.ca_create(name="BHXH Demo CA")  # same name, another key
    pki_server.crl(
        "/demo.crl",
        pki.crl_create(
            demo_pki.ca, [demo_pki.good.cert], this_update=_now(), signing_key=forger.key
        ),
    )
    with pytest.raises(CommandError):
        call_command("trust_refresh")
    kept = CaRevocationList.objects.get(authority=authority)
    assert (kept.this_update, bytes(kept.der)) == (good.this_update, bytes(good.der))
    authority.refresh_from_db()
    assert "not signed by a certificate of this CA" in authority.last_error
    assert AuditEntry.objects.filter(action="trust.crl_refresh_failed").count() == 1


def test_an_older_crl_never_replaces_the_one_kept(db, pki_server, demo_pki):
    url = pki_server.crl("/demo.crl", pki.crl_create(demo_pki.ca, [demo_pki.good.cert]))
    authority = authority_create(demo_pki.ca, urls=[url])
    authority_refresh(authority_id=authority.pk)
    # A replayed CRL from before the revocation would un-revoke the certificate.
    pki_server.crl(
        "/demo.crl", pki.crl_create(demo_pki.ca, [], this_update=_now() - timedelta(days=3))
    )
    outcome = authority_refresh(authority_id=authority.pk)
    assert not outcome.ok and "older than the CRL kept" in outcome.errors[0]
    assert CaRevocationList.objects.get(authority=authority).entries == 1


def test_unreachable_or_garbage_crl_urls_are_recorded_not_raised(db, pki_server, demo_pki):
    pki_server.routes["/junk.crl"] = (200, "text/html", b"<html>maintenance</html>")
    authority = authority_create(
        demo_pki.ca, urls=[pki_server.url("/missing.crl"), pki_server.url("/junk.crl")]
    )
    outcome = authority_refresh(authority_id=authority.pk)
    assert [e.split(": ", 1)[1] for e in outcome.errors] == ["HTTP 404", "not a CRL (DER or PEM)"]
    assert not CaRevocationList.objects.exists()


def test_a_certificate_revoked_on_a_refreshed_crl_is_refused_by_intake(
    signed, pki_server, demo_pki
):
    url = pki_server.crl("/demo.crl", pki.crl_create(demo_pki.ca, []))
    authority = authority_create(demo_pki.ca, urls=[url])
    call_command("trust_refresh")
    assert intake_submit(data=signed([worker(1)]), channel="cli").ok
    pki_server.crl(
        "/demo.crl", pki.crl_create(demo_pki.ca, [demo_pki.good.cert], this_update=_now())
    )
    authority_refresh(authority_id=authority.pk)
    refused = intake_submit(data=signed([worker(2)]), channel="cli")
    assert _codes(refused) == {"CERT_REVOKED"}


def test_revocation_is_judged_at_the_trusted_time(db, pki_server, demo_pki):
    revoked_at = _now() - timedelta(hours=2)
    url = pki_server.crl(
        "/demo.crl", pki.crl_create(demo_pki.ca, [demo_pki.good.cert], revoked_at=revoked_at)
    )
    authority_refresh(authority_id=authority_create(demo_pki.ca, urls=[url]).pk)
    store = trust_store("/nonexistent-folder")  # the CA held as data only
    chain_check(demo_pki.good.cert, at=revoked_at - timedelta(minutes=1), store=store)
    for at in (revoked_at, _now()):
        with pytest.raises(Refused) as refusal:
            chain_check(demo_pki.good.cert, at=at, store=store)
        assert refusal.value.errors[0].code == "CERT_REVOKED"


def _stale(demo_pki, pki_server, *, hours_past: int):
    url = pki_server.crl(
        "/demo.crl",
        pki.crl_create(
            demo_pki.ca,
            [],
            this_update=_now() - timedelta(days=8),
            next_update=_now() - timedelta(hours=hours_past),
        ),
    )
    authority = authority_create(demo_pki.ca, urls=[url])
    assert authority_refresh(authority_id=authority.pk).stored == 1  # the best there is
    return authority


def _it_staff(office):
    user = UserFactory(email="cntt@bhxh.gov.vn")
    grant(user, "it_staff", office("01"))
    return user


def test_a_stale_crl_within_the_grace_period_is_alerted_and_accepted(
    signed, pki_server, demo_pki, client, office, settings
):
    settings.TRUST_CRL_GRACE_HOURS = 24
    _stale(demo_pki, pki_server, hours_past=2)
    assert intake_submit(data=signed([worker(1)]), channel="cli").ok
    client.force_login(_it_staff(office))
    page = client.get(reverse("home")).content.decode()
    assert 'data-testid="trust-banner"' in page and 'data-ca="test-ca"' in page
    assert 'data-testid="trust-refusing"' not in page


def test_a_stale_crl_past_the_grace_period_refuses_with_status_unknown(
    signed, pki_server, demo_pki, client, office, settings
):
    settings.TRUST_CRL_GRACE_HOURS = 24
    _stale(demo_pki, pki_server, hours_past=30)
    refused = intake_submit(data=signed([worker(1)]), channel="cli")
    assert _codes(refused) == {"CERT_STATUS_UNKNOWN"}
    assert "tổ chức chứng thực test-ca" in refused.errors[0].text("vi")
    assert "certification authority test-ca" in refused.errors[0].text("en")
    client.force_login(_it_staff(office))
    assert 'data-testid="trust-refusing"' in client.get(reverse("home")).content.decode()
    settings.TRUST_CRL_GRACE_HOURS = 48  # a longer grace accepts it again
    assert intake_submit(data=signed([worker(2)]), channel="cli").ok


def test_the_banner_is_for_it_staff_only(signed, pki_server, demo_pki, client, employer):
    from tests.factories import employer_user

    _stale(demo_pki, pki_server, hours_past=30)
    client.force_login(employer_user(employer))
    assert 'data-testid="trust-banner"' not in client.get(reverse("home")).content.decode()


def test_a_ca_never_refreshed_is_refused_only_after_the_grace_period(
    signed, pki_server, demo_pki, settings
):
    settings.TRUST_CRL_GRACE_HOURS = 24
    authority = authority_create(demo_pki.ca, urls=[pki_server.url("/not-yet.crl")])
    assert intake_submit(data=signed([worker(1)]), channel="cli").ok
    CertificateAuthority.objects.filter(pk=authority.pk).update(
        activated_at=_now() - timedelta(hours=25)
    )
    trust_changed()  # as the admin does (a bulk update announces nothing)
    assert _codes(intake_submit(data=signed([worker(2)]), channel="cli")) == {"CERT_STATUS_UNKNOWN"}


def test_a_folder_ca_keeps_todays_behaviour_whatever_its_crls_next_update(
    signed, trust_dir, demo_pki
):
    (trust_dir / "demo-ca.crl").write_bytes(
        pki.crl_create(
            demo_pki.ca,
            [demo_pki.revoked.cert],
            this_update=_now() - timedelta(days=20),
            next_update=_now() - timedelta(days=10),
        )
    )
    assert intake_submit(data=signed([worker(1)]), channel="cli").ok


def test_the_beat_job_refreshes_every_active_ca(db, pki_server, demo_pki):
    from declarations.employers.tasks import trust_refresh

    url = pki_server.crl("/demo.crl", pki.crl_create(demo_pki.ca, []))
    authority_create(demo_pki.ca, urls=[url])
    authority_create(demo_pki.ca, urls=[url], code="switched-off", active=False)
    assert trust_refresh() == 1  # one task per active CA (run in-process in the tests)
    assert CaRevocationList.objects.get().authority.code == "test-ca"


def test_central_it_edits_cas_in_the_admin_audited_and_checked(
    db, reference_data, client, office, demo_pki
):
    user = UserFactory(is_staff=True)
    grant(user, "central_it", office("00"))
    client.force_login(user)
    vnpt = CertificateAuthority.objects.get(code="vnpt-ca")
    change = reverse("admin:employers_certificateauthority_change", args=[vnpt.pk])
    assert client.get(change).status_code == 200
    form = {
        "code": "vnpt-ca",
        "name": "VNPT-CA",
        "certificates_pem": demo_pki.good.cert_pem.decode(),  # not a CA certificate
        "crl_urls": "ftp://example.invalid/x.crl",
        "active": "on",
        "crls-TOTAL_FORMS": "0",
        "crls-INITIAL_FORMS": "0",
    }
    page = client.post(change, form)
    assert page.status_code == 200 and "not a CA certificate" in page.content.decode()
    form.update(certificates_pem=demo_pki.ca.cert_pem.decode(), crl_urls="http://127.0.0.1:9/a.crl")
    assert client.post(change, form).status_code == 302
    vnpt.refresh_from_db()
    assert vnpt.active and vnpt.activated_at and vnpt.certificates() == [demo_pki.ca.cert]
    assert AuditEntry.objects.filter(action="trust.ca_changed", actor=user).exists()
