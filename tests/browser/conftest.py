"""Fixtures of the browser tests: a CA the portal trusts and a unit's key and certificate."""

from __future__ import annotations

import pytest

from tests.declarations.conftest import Pki


@pytest.fixture
def unit_pki(tmp_path, settings, reference_data_tx):
    """(folder, pki): the CA trusted by the portal, the unit's key and certificate as files
    in the folder (``unit.key.pem``, ``unit.cert.pem``), and the Pki they come from."""
    from declarations.intake.money_tables import money_tables_seed

    money_tables_seed()  # an earlier transactional test may have emptied the tables
    pki = Pki()
    trusted = tmp_path / "ca"
    trusted.mkdir()
    (trusted / "ca.pem").write_bytes(pki.ca.cert_pem)
    (trusted / "ca.crl").write_bytes(pki.crl)
    settings.TRUSTED_CA_DIR = trusted
    (tmp_path / "unit.key.pem").write_bytes(pki.good.key_pem)
    (tmp_path / "unit.cert.pem").write_bytes(pki.good.cert_pem)
    return tmp_path, pki


@pytest.fixture
def pki_files(unit_pki):
    return unit_pki[0]
