"""Signing one notice with the agency's key on SoftHSM2: the XAdES-BES XML signature and the
PAdES PDF signature, p50 / p95 over N runs (target: ≤ 20 ms per notice).

    .venv/bin/python benchmarks/notice_signing.py [--runs 200]

Uses a throwaway SoftHSM2 token (the key made on it, non-extractable, as the demo's) and
the process's kept PKCS#11 session (core.agency_signing), as the web process and workers
do. No database: the notice is a typical receipt built in memory. Floor: one bare RSA-2048
signature on the token (C_Sign with CKM_SHA256_RSA_PKCS), measured in the same run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")
os.environ.setdefault("DATABASE_URL", "sqlite:///:memory:")
os.environ.setdefault("CENTRAL_DATABASE_URL", "sqlite:///:memory:")
HSM_LABEL = "BHXH BENCH"


def token_make(folder: Path):
    """A SoftHSM2 token with the agency's key; SOFTHSM2_CONF set before the module loads."""
    from demo.agency_token import softhsm_token_init

    pin = "246810"  # noqa: S105 (a throwaway token)
    conf = softhsm_token_init(folder, label=HSM_LABEL, pin=pin, so_pin="13579246")  # noqa: S106
    os.environ["SOFTHSM2_CONF"] = str(conf)
    return pin


def module_path() -> str:
    from tests.signer.softhsm import softhsm_module

    module = softhsm_module()
    if module is None:
        raise SystemExit("SoftHSM2 is not installed (Debian package softhsm2)")
    return module


def typical_notice():
    """A receipt's XML as the portal builds it (13 lines, one signature to come)."""
    from lxml import etree

    root = etree.Element("ThongBaoBHXH", PhienBan="1.0")
    info = etree.SubElement(root, "ThongTinVanBan")
    for tag, value in (
        ("LoaiVanBan", "receipt"),
        ("TieuDe", "THÔNG BÁO TIẾP NHẬN HỒ SƠ ĐIỆN TỬ"),
        ("SoVanBan", "TB-20261207-1A2B3C4D5E"),
        ("MaXacThuc", "7K3MQ9TX2HBD"),
        ("NgayBanHanh", "2026-12-07T09:30:00+07:00"),
    ):
        etree.SubElement(info, tag).text = value
    body = etree.SubElement(root, "NoiDung")
    for n in range(13):
        etree.SubElement(body, "Muc", Nhan=f"Nhãn {n}").text = f"Giá trị của dòng {n} — Công ty A"
    return root


def typical_pdf() -> bytes:
    from reportlab.lib.units import mm
    from reportlab.platypus import Spacer

    from core import pdf
    from declarations.dossiers.agency_documents import qr_flowable, verification_url

    lines = [(f"Nhãn {n}", f"Giá trị của dòng {n} — Công ty A") for n in range(13)]
    story = [
        pdf.text("THÔNG BÁO TIẾP NHẬN HỒ SƠ ĐIỆN TỬ", 14, center=True),
        Spacer(1, 8 * mm),
        pdf.fields(lines, widths=[50 * mm, 130 * mm]),
        qr_flowable(verification_url("7K3MQ9TX2HBD"), "7K3MQ9TX2HBD"),
    ]
    return pdf.render(story, title="TB", footer="TB-20261207-1A2B3C4D5E")


def percentiles(values: list[float]) -> str:
    values = sorted(values)
    p50 = statistics.median(values)
    p95 = values[min(len(values) - 1, int(round(0.95 * (len(values) - 1))))]
    return f"p50 {p50:6.2f} ms  p95 {p95:6.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="bhxh-bench-hsm-"))
    pin = token_make(folder)
    module = module_path()

    import django

    django.setup()
    from django.conf import settings

    from core import agency_signing
    from declarations.dossiers.agency_documents import xml_sign
    from declarations.employers.pki import demo_ca
    from demo.agency_token import agency_key_provision

    agency_key_provision(
        module=module, token_label=HSM_LABEL, pin=pin, ca=demo_ca.ca_create(name="Bench CA")
    )
    settings.AGENCY_SIGNING_PKCS11_MODULE = module
    settings.AGENCY_SIGNING_TOKEN_LABEL = HSM_LABEL
    settings.AGENCY_SIGNING_PIN = pin
    settings.AGENCY_SIGNING_KEY_LABEL = "bhxh-agency"

    unsigned_pdf = typical_pdf()
    # Warm-up: the session opened and logged in once, the key looked up, imports made.
    agency_signing.raw_sign(b"warm-up")
    xml_sign(typical_notice(), office=None)
    agency_signing.pdf_sign(unsigned_pdf, reason="warm-up")

    floor, xml_times, pdf_times, both = [], [], [], []
    for _ in range(args.runs):
        start = time.perf_counter()
        agency_signing.raw_sign(b"x" * 600)
        floor.append((time.perf_counter() - start) * 1000)
        root = typical_notice()
        start = time.perf_counter()
        xml_sign(root, office=None)
        xml_done = time.perf_counter()
        agency_signing.pdf_sign(unsigned_pdf, reason="Thông báo tiếp nhận")
        pdf_done = time.perf_counter()
        xml_times.append((xml_done - start) * 1000)
        pdf_times.append((pdf_done - xml_done) * 1000)
        both.append((pdf_done - start) * 1000)

    print(f"notice signing on SoftHSM2, {args.runs} runs, kept PKCS#11 session")
    print(f"  floor: one RSA-2048 C_Sign   {percentiles(floor)}")
    print(f"  XML (XAdES-BES, enveloped)   {percentiles(xml_times)}")
    print(f"  PDF (PAdES B-B, {len(unsigned_pdf) // 1024} KB)     {percentiles(pdf_times)}")
    print(f"  notice (XML + PDF)           {percentiles(both)}   target ≤ 20 ms")
    agency_signing.agency_sessions_close()


if __name__ == "__main__":
    main()
