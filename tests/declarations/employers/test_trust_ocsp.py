"""OCSP for a CA held as data with OCSP on: the responder's answer (from a local server)
decides good, revoked or unknown; a forged answer is not believed; an unreachable
responder falls back to the CRL; answers are cached briefly."""

from __future__ import annotations

import pytest

from declarations.employers.authorities import authority_refresh
from declarations.employers.pki import demo_ca as pki
from declarations.intake.pipeline import intake_submit
from tests.declarations.conftest import MST, register_cert, worker
from tests.declarations.trust_world import authority_create, closed_port_url

pytestmark = pytest.mark.usefixtures("trust_caches")


class OcspWorld:
    """A CA with OCSP on, its CRL refreshed, and an employer certificate naming a responder."""

    def __init__(self, employer, pki_server, *, ocsp_url=None, revoked_on_crl=False):
        self.server = pki_server
        self.ca = pki.ca_create(name="CA Thử nghiệm OCSP")
        self.issued = pki.employer_cert_create(
            self.ca, mst=MST, name="Công ty OCSP", ocsp_url=ocsp_url or pki_server.url("/ocsp")
        )
        revoked = [self.issued.cert] if revoked_on_crl else []
        url = pki_server.crl("/ocsp-ca.crl", pki.crl_create(self.ca, revoked))
        authority = authority_create(self.ca, urls=[url], code="ocsp-ca", ocsp=True)
        assert authority_refresh(authority_id=authority.pk).stored == 1
        register_cert(employer, self.issued)

    def answer(self, **kwargs):
        body = pki.ocsp_response_create(self.ca, self.issued.cert, **kwargs)
        self.server.routes["/ocsp"] = (200, "application/ocsp-response", body)


def _codes(result) -> set[str]:
    return {e.code for e in result.errors}


def test_a_good_answer_accepts_and_is_cached(signed, employer, pki_server):
    world = OcspWorld(employer, pki_server)
    world.answer(status="good")
    assert intake_submit(data=signed([worker(1)], issued=world.issued), channel="cli").ok
    assert intake_submit(data=signed([worker(2)], issued=world.issued), channel="cli").ok
    assert pki_server.count("/ocsp") == 1


def test_a_revoked_answer_from_a_delegated_responder_refuses(signed, employer, pki_server):
    world = OcspWorld(employer, pki_server)  # the CRL does not list it (yet)
    world.answer(status="revoked", responder=pki.ocsp_responder_create(world.ca))
    refused = intake_submit(data=signed([worker(1)], issued=world.issued), channel="cli")
    assert _codes(refused) == {"CERT_REVOKED"}


def test_an_unknown_answer_leaves_the_status_unknown(signed, employer, pki_server):
    world = OcspWorld(employer, pki_server)
    world.answer(status="unknown")
    refused = intake_submit(data=signed([worker(1)], issued=world.issued), channel="cli")
    assert _codes(refused) == {"CERT_STATUS_UNKNOWN"}


def test_an_answer_signed_by_a_responder_the_ca_did_not_authorise_is_ignored(
    signed, employer, pki_server
):
    world = OcspWorld(employer, pki_server)
    stranger = pki.ocsp_responder_create(pki.ca_create(name="CA Lạ"))
    world.answer(status="revoked", responder=stranger)
    # Not believed: the CRL (which does not list the certificate) decides.
    assert intake_submit(data=signed([worker(1)], issued=world.issued), channel="cli").ok


@pytest.mark.parametrize(("revoked_on_crl", "codes"), [(False, set()), (True, {"CERT_REVOKED"})])
def test_an_unreachable_responder_falls_back_to_the_crl(
    revoked_on_crl, codes, signed, employer, pki_server
):
    world = OcspWorld(
        employer, pki_server, ocsp_url=closed_port_url(), revoked_on_crl=revoked_on_crl
    )
    result = intake_submit(data=signed([worker(1)], issued=world.issued), channel="cli")
    assert _codes(result) == codes


def test_a_responder_answering_garbage_falls_back_to_the_crl(signed, employer, pki_server):
    world = OcspWorld(employer, pki_server, revoked_on_crl=True)
    pki_server.routes["/ocsp"] = (200, "application/ocsp-response", b"\x30\x03garbage")
    refused = intake_submit(data=signed([worker(1)], issued=world.issued), channel="cli")
    assert _codes(refused) == {"CERT_REVOKED"}


def test_a_ca_without_ocsp_on_is_never_asked(signed, employer, pki_server):
    world = OcspWorld(employer, pki_server)
    world.answer(status="revoked")
    from declarations.employers.models import CertificateAuthority
    from declarations.employers.pki.trust import trust_changed

    CertificateAuthority.objects.filter(code="ocsp-ca").update(ocsp_enabled=False)
    trust_changed()
    assert intake_submit(data=signed([worker(1)], issued=world.issued), channel="cli").ok
    assert pki_server.count("/ocsp") == 0
