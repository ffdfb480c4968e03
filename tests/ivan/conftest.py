"""Fixtures for the I-VAN API: providers with API clients, a reference client per provider."""

import pytest

from declarations.employers.models import Provider
from ivan import services
from ivan.client import IvanClient
from tests.declarations.conftest import MST, Pki, dossier_xml, register_cert

ALL_SCOPES = [
    "dossiers:submit",
    "dossiers:read",
    "notices:read",
    "employers:register",
    "employers:read",
    "webhooks:manage",
    "stats:read",
]


@pytest.fixture
def issue_client(reference_data_tx):
    def issue(code="VNPT", scopes=ALL_SCOPES, sandbox=False):
        provider = Provider.objects.get(code=code)
        return services.api_client_create(
            actor=None, provider=provider, scopes=scopes, sandbox=sandbox
        )

    return issue


@pytest.fixture
def api(live_server, issue_client):
    """``api("VNPT", scopes=[...])`` → a reference IvanClient talking to the live server."""

    def make(code="VNPT", scopes=ALL_SCOPES, sandbox=False, request_scopes=None):
        issued = issue_client(code, scopes, sandbox)
        client = IvanClient(
            f"{live_server.url}/api/ivan/v1",
            issued.client_id,
            issued.secret,
            scopes=tuple(request_scopes or scopes),
        )
        client.issued = issued
        return client

    return make


# --- signed dossiers for carried employers ----------------------------------------------------
@pytest.fixture(scope="session")
def pki_demo():
    return Pki()


@pytest.fixture
def trusted(tmp_path, settings, pki_demo):
    folder = tmp_path / "trusted-ca"
    folder.mkdir()
    (folder / "demo-ca.pem").write_bytes(pki_demo.ca.cert_pem)
    (folder / "demo-ca.crl").write_bytes(pki_demo.crl)
    settings.TRUSTED_CA_DIR = folder
    return folder


@pytest.fixture
def carried(reference_data_tx, trusted, pki_demo):
    """``carried("VNPT", "TZH490L")`` → an active employer (certificate registered) whose
    channel is the provider (``code=None``: no provider)."""
    from declarations.employers.models import EStatus
    from declarations.intake.money_tables import money_tables_seed
    from tests.factories import EmployerFactory, carry

    money_tables_seed()

    def make(code="VNPT", unit_code="TZH490L", **kwargs):
        unit = EmployerFactory(
            unit_code=unit_code,
            tax_code=MST,
            e_status=EStatus.ACTIVE,
            contact_email=f"ketoan@{unit_code.lower()}.example.vn",
            **kwargs,
        )
        register_cert(unit, pki_demo.good)
        if code:
            carry(unit, Provider.objects.get(code=code))
        return unit

    return make


@pytest.fixture
def sign(pki_demo):
    """``sign(employer, rows=…, **dossier_xml kwargs)`` → signed envelope bytes."""
    from declarations.employers.pki.signing import sign_dossier

    def make(employer, rows=None, **kwargs) -> bytes:
        return sign_dossier(
            dossier_xml(employer, rows, **kwargs),
            key_pem=pki_demo.good.key_pem,
            cert_pem=pki_demo.good.cert_pem,
        )

    return make
