"""Fixtures of the declarations tests: a demo PKI, a trust store, signed dossiers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from declarations.employers.models import EStatus, RegisteredCertificate
from declarations.employers.pki import demo_ca as pki
from declarations.employers.pki.signing import sign_dossier
from declarations.employers.procedures import procedure_get
from declarations.intake.envelope import d02lt_build, envelope_build
from tests.factories import EmployerFactory

DATA = Path(__file__).parent / "data"
MST = "0101300842"
OTHER_MST = "0312345675"


class Pki:
    """One CA and the certificates the tests sign with, made once per session."""

    def __init__(self):
        now = datetime.now(UTC)
        self.ca = pki.ca_create()
        self.good = pki.employer_cert_create(self.ca, mst=MST, name="Công ty Thử nghiệm")
        self.renewed = pki.employer_cert_create(self.ca, mst=MST, name="Công ty Thử nghiệm")
        self.other = pki.employer_cert_create(self.ca, mst=OTHER_MST, name="Công ty Khác")
        self.revoked = pki.employer_cert_create(self.ca, mst=MST, name="Công ty Thu hồi")
        self.expired = pki.employer_cert_create(
            self.ca,
            mst=MST,
            name="Hết hạn",
            not_before=now - timedelta(days=400),
            not_after=now - timedelta(days=10),
        )
        self.future = pki.employer_cert_create(
            self.ca,
            mst=MST,
            name="Chưa hiệu lực",
            not_before=now + timedelta(days=10),
            not_after=now + timedelta(days=400),
        )
        self.no_signing = pki.employer_cert_create(self.ca, mst=MST, name="Mã hóa", signing=False)
        self.self_signed = pki.self_signed_create(mst=MST, name="Tự ký")
        self.crl = pki.crl_create(self.ca, [self.revoked.cert])


@pytest.fixture(scope="session")
def demo_pki():
    return Pki()


@pytest.fixture
def trust_dir(tmp_path, settings, demo_pki):
    folder = tmp_path / "trusted-ca"
    folder.mkdir()
    (folder / "demo-ca.pem").write_bytes(demo_pki.ca.cert_pem)
    (folder / "demo-ca.crl").write_bytes(demo_pki.crl)
    settings.TRUSTED_CA_DIR = folder
    return folder


def register_cert(employer, issued, **kwargs):
    from declarations.employers.services import _cert_fields

    return RegisteredCertificate.objects.create(
        employer=employer, **_cert_fields(issued.cert), **kwargs
    )


@pytest.fixture
def employer(reference_data, trust_dir, demo_pki):
    """An employer transacting electronically with ``demo_pki.good`` registered."""
    from declarations.intake.money_tables import money_tables_seed

    money_tables_seed()
    unit = EmployerFactory(
        unit_code="TZH490L",
        tax_code=MST,
        wage_zone="I",
        e_status=EStatus.ACTIVE,
        contact_email="ketoan@tzh490l.example.vn",
    )
    register_cert(unit, demo_pki.good)
    return unit


def form_data(**overrides):
    """The fields of a 04/ĐK-IVAN registration, as the services take them."""
    data = {
        "unit_name": "Công ty TNHH Thử nghiệm",
        "address": "1 Lê Lợi, Quận 1",
        "tax_code": MST,
        "email": "ketoan@example.vn",
        "phone": "0281234567",
        "procedures": "600,600a",
    }
    data.update(overrides)
    return data


def worker(n: int = 1, **overrides) -> dict:
    row = {
        "HoTen": f"Nguyễn Văn {n}",
        "MasoBHXH": f"79{n:08d}",
        "NgaySinh": "26/04/1995",
        "GioiTinh": "1",
        "CMND": f"0790950{n:05d}",
        "ChucVu": "Kế toán",
        "NoiLamViec": "TP Hồ Chí Minh",
        "TienLuong": "6000000",
        "PhuCapCV": "0",
        "TuThang": "10/2026",
        "DenThang": "",
        "PA": "TM",
        "TyleDong": "32",
    }
    row.update(overrides)
    return row


def dossier_xml(
    employer,
    rows=None,
    *,
    procedure="600",
    period="10/2026",
    extra_files=(),
    tk1=None,
) -> bytes:
    """An unsigned envelope with a D02-LT (and optional TK1-TS) for ``employer``."""
    rows = rows if rows is not None else [worker(1), worker(2)]
    files = [("D02-LT", "D02-LT.xml", "xml", d02lt_build(rows))]
    if tk1 is not None:
        files.append(("TK1-TS", "TK1-TS.xml", "xml", tk1))
    files.extend(extra_files)
    return envelope_build(
        employer=employer, procedure=procedure_get(procedure), period=period, files=files
    )


@pytest.fixture
def signed(employer, demo_pki):
    """``signed(rows=…, issued=…, **dossier_xml kwargs)`` → signed envelope bytes."""

    def make(rows=None, *, issued=None, signing_time=None, tsa_url=None, **kwargs) -> bytes:
        issued = issued or demo_pki.good
        return sign_dossier(
            dossier_xml(employer, rows, **kwargs),
            key_pem=issued.key_pem,
            cert_pem=issued.cert_pem,
            signing_time=signing_time,
            tsa_url=tsa_url,
        )

    return make


def signed_04(employer, issued, *, signer=None, made_on=None, **fields) -> bytes:
    """The 04/ĐK-IVAN of ``employer`` for ``issued``'s certificate, signed with ``signer``
    (default: ``issued`` itself, i.e. a valid proof of possession); ``fields`` override the
    registration fields written in it (unit_code, tax_code, …)."""
    from declarations.employers.registration_form import (
        registration_form_build,
        registration_form_sign,
    )

    signer = signer or issued
    values = {
        "unit_code": employer.unit_code,
        "unit_name": employer.name,
        "tax_code": employer.tax_code,
        "address": "1 Lê Lợi, Quận 1",
        "email": "ketoan@example.vn",
        "phone": "0281234567",
        "procedures": "600,600a",
    }
    values.update(fields)
    unsigned = registration_form_build(certificate=issued.cert, made_on=made_on, **values)
    return registration_form_sign(unsigned, key_pem=signer.key_pem, cert_pem=signer.cert_pem)


@pytest.fixture
def pki_server():
    """A local HTTP server serving the CRLs and OCSP answers a test builds (trust_world)."""
    from .trust_world import pki_server_running

    with pki_server_running() as served:
        yield served


@pytest.fixture
def trust_caches():
    """The process's trust store and verdicts forgotten before and after the test."""
    from .trust_world import trust_caches_fresh

    with trust_caches_fresh():
        yield
