"""Demo data of the employers: a demo PKI, registered certificates, signed demo
dossiers sent through the command-line tools exactly as an operator would (idempotent)."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

from cryptography.hazmat.primitives.serialization import Encoding
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from declarations.employers.models import Employer, RegisteredCertificate
from declarations.employers.pki.demo_ca import demo_pki_write
from declarations.employers.pki.trust import load_certificate
from declarations.employers.procedures import procedure_get
from declarations.employers.registration_form import registration_form_signed
from declarations.employers.services import certificate_register
from declarations.intake.envelope import d02lt_build, envelope_build
from declarations.intake.money_tables import money_tables_seed

DEMO_UNITS = ("TZH490L", "DV0012A")
DEMO_WORKERS = [
    ("Nguyễn Văn An", "0123456781", "15/06/1990", "1", "001090001234", "9000000", "TM"),
    ("Trần Thị Bình", "0123456782", "02/11/1994", "0", "001194005678", "8200000", "TM"),
    ("Lê Hoàng Cường", "0123456783", "23/01/1988", "1", "001088009012", "12500000", "TD"),
]


def _pki(units: list[Employer]) -> Path:
    folder = Path(settings.DEMO_PKI_DIR)
    if not (folder / "ca" / "ca.pem").exists() or any(
        not (folder / f"{u.unit_code}.key.pem").exists() for u in units
    ):
        demo_pki_write(folder, [(u.unit_code, u.tax_code, u.name) for u in units])
    trusted = Path(settings.TRUSTED_CA_DIR)
    trusted.mkdir(parents=True, exist_ok=True)
    for name, target in (("ca.pem", "demo-ca.pem"), ("ca.crl", "demo-ca.crl")):
        source = folder / "ca" / name
        if (
            not (trusted / target).exists()
            or (trusted / target).read_bytes() != source.read_bytes()
        ):
            shutil.copyfile(source, trusted / target)
    return folder


def declarations_demo_seed() -> None:
    money_tables_seed()
    units = list(Employer.objects.filter(unit_code__in=DEMO_UNITS).order_by("unit_code"))
    folder = _pki(units)
    month = timezone.localdate().strftime("%m/%Y")
    for unit in units:
        cert_pem = (folder / f"{unit.unit_code}.cert.pem").read_bytes()
        der_fp = RegisteredCertificate.fingerprint_of(
            load_certificate(cert_pem).public_bytes(Encoding.DER)
        )
        if not unit.certificates.filter(fingerprint=der_fp, replaced_at__isnull=True).exists():
            certificate_register(
                actor=None,
                employer=unit,
                data=cert_pem,
                signed_form=registration_form_signed(
                    employer=unit,
                    key_pem=(folder / f"{unit.unit_code}.key.pem").read_bytes(),
                    cert_pem=cert_pem,
                ),
            )
        if unit.dossiers.exists():
            continue
        rows = [
            {
                "HoTen": name,
                "MasoBHXH": bhxh,
                "NgaySinh": born,
                "GioiTinh": sex,
                "CMND": cccd,
                "ChucVu": "Nhân viên",
                "NoiLamViec": unit.address,
                "TienLuong": salary,
                "TuThang": month,
                "PA": plan,
                "TyleDong": "32",
            }
            for name, bhxh, born, sex, cccd, salary, plan in DEMO_WORKERS
        ]
        unsigned = folder / f"{unit.unit_code}-600.xml"
        unsigned.write_bytes(
            envelope_build(
                employer=unit,
                procedure=procedure_get("600"),
                period=month,
                files=[("D02-LT", "D02-LT.xml", "xml", d02lt_build(rows))],
            )
        )
        signed = folder / f"{unit.unit_code}-600.signed.xml"
        quiet = io.StringIO()
        call_command(
            "sign_dossier",
            "--key",
            str(folder / f"{unit.unit_code}.key.pem"),
            "--cert",
            str(folder / f"{unit.unit_code}.cert.pem"),
            str(unsigned),
            str(signed),
            stdout=quiet,
        )
        call_command("submit_dossier", str(signed), stdout=quiet)
