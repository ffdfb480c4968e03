"""Why was my file refused? Every signature of an envelope (and of each embedded form), or
of a single signed form, described: where it is, its shape, whether it verifies, its
certificate and the trust verdict at the trusted time. Reads only; writes nothing.

Used by ``manage.py signature_check`` for IT staff and I-VAN vendors.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.conf import settings

from core.refusals import Problem, Refused
from declarations.employers.pki.parsing import parse_untrusted
from declarations.employers.pki.signatures import signature_inspect, signature_verify
from declarations.employers.pki.timestamps import timestamp_time
from declarations.employers.pki.trust import (
    certificate_mst,
    chain_check,
    trust_store,
    validity_check,
)


@dataclass
class SignatureReport:
    """One signature: where, its shape and cryptographic verdicts, its certificate and the
    trust codes (empty when trusted)."""

    where: str
    shape: str = "ok"
    crypto: str = "invalid"
    codes: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    certificate: dict = field(default_factory=dict)
    claimed_time: str | None = None
    claim_signed: bool = False
    trusted_time: str | None = None
    time_source: str | None = None

    @property
    def ok(self) -> bool:
        return self.crypto == "valid" and not self.codes

    def as_dict(self) -> dict:
        return {
            "where": self.where,
            "shape": self.shape,
            "crypto": self.crypto,
            "codes": self.codes,
            "messages": self.messages,
            "certificate": self.certificate,
            "claimed_time": self.claimed_time,
            "claim_signed": self.claim_signed,
            "trusted_time": self.trusted_time,
            "time_source": self.time_source,
        }


def _certificate(cert: x509.Certificate) -> dict:
    return {
        "subject": cert.subject.rfc4514_string(),
        "issuer": cert.issuer.rfc4514_string(),
        "serial": format(cert.serial_number, "X"),
        "mst": certificate_mst(cert),
        "not_before": cert.not_valid_before_utc.isoformat(),
        "not_after": cert.not_valid_after_utc.isoformat(),
        "sha256": hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest(),
    }


def _refusal(report: SignatureReport, errors: list[Problem]) -> None:
    for error in errors:
        report.codes.append(error.code)
        report.messages.append(error.text())


def _one(root, *, where: str, container: str, at: datetime | None, store) -> SignatureReport:
    report = SignatureReport(where=where)
    try:
        facts = signature_inspect(root, container=container, form=None)
    except Refused as refusal:
        report.shape = refusal.errors[0].code
        _refusal(report, refusal.errors)
        return report
    cert = facts.certificate
    report.certificate = _certificate(cert)
    report.claimed_time = facts.claimed_time.isoformat() if facts.claimed_time else None
    report.claim_signed = facts.claim_signed
    try:
        signature_verify(root, container=container, certificate=cert)
        report.crypto = "valid"
    except Refused as refusal:
        _refusal(report, refusal.errors)
        return report
    source = "given"
    if at is None and facts.timestamp is not None:
        try:
            at = timestamp_time(facts.timestamp, stamped=facts.timestamped, store=store)
            source = "tsa"
        except Refused as refusal:
            _refusal(report, refusal.errors)
    if at is None:
        at, source = datetime.now(UTC), "now"
    report.trusted_time, report.time_source = at.isoformat(), source
    try:
        validity_check(cert, at=at)
        chain_check(cert, at=at, store=store)
    except Refused as refusal:
        _refusal(report, refusal.errors)
    return report


def _forms_of(root) -> list[tuple[str, bytes]]:
    forms = []
    for node in root.iterfind("NoiDung/ThongTinHoSo/ToKhais/FileToKhai"):
        if (node.findtext("LoaiFile") or "").strip().lower().lstrip(".") != "xml":
            continue
        name = (node.findtext("TenFile") or node.findtext("MaToKhai") or "?").strip()
        try:
            content = base64.b64decode("".join((node.findtext("NoiDungFile") or "").split()))
        except (binascii.Error, ValueError):
            content = b""
        forms.append((name, content))
    return forms


def signatures_diagnose(data: bytes, *, at: datetime | None = None) -> list[SignatureReport]:
    """A report per signature of ``data`` (an envelope and its forms, or one form), judged at
    ``at`` when given, else at the signature's timestamp, else now."""
    store = trust_store()
    try:
        root = parse_untrusted(data, limit=settings.INTAKE_MAX_BYTES)
    except Refused as refusal:
        report = SignatureReport(where="—", shape=refusal.errors[0].code)
        _refusal(report, refusal.errors)
        return [report]
    if root.tag != "Hoso":
        return [_one(root, where=f"{root.tag}/Cky", container="Cky", at=at, store=store)]
    forms = _forms_of(root)  # read before the envelope's tree is verified in place
    reports = [_one(root, where="Hoso/CKy_Dvi", container="CKy_Dvi", at=at, store=store)]
    for name, content in forms:
        where = f"{name}: Cky"
        try:
            form = parse_untrusted(content, limit=settings.INTAKE_MAX_FILES_BYTES)
        except Refused as refusal:
            report = SignatureReport(where=where, shape=refusal.errors[0].code)
            _refusal(report, refusal.errors)
            reports.append(report)
            continue
        reports.append(
            _one(form, where=f"{name}: {form.tag}/Cky", container="Cky", at=at, store=store)
        )
    return reports


def report_text(reports: list[SignatureReport]) -> str:
    """The reports as lines for a terminal."""
    lines = []
    for report in reports:
        lines.append(f"== {report.where}")
        lines.append(f"   shape:   {report.shape}")
        lines.append(f"   crypto:  {report.crypto}")
        cert = report.certificate
        if cert:
            lines.append(f"   subject: {cert['subject']}")
            lines.append(f"   issuer:  {cert['issuer']}")
            lines.append(f"   MST:     {cert['mst'] or '—'}")
            lines.append(f"   valid:   {cert['not_before']} → {cert['not_after']}")
        if report.claimed_time:
            signed = "covered by a Reference" if report.claim_signed else "not signed"
            lines.append(f"   claimed signing time: {report.claimed_time} ({signed}; a claim only)")
        if report.trusted_time:
            lines.append(f"   judged at: {report.trusted_time} ({report.time_source})")
        verdict = "trusted" if report.ok else "REFUSED"
        lines.append(f"   verdict: {verdict}")
        for code, message in zip(report.codes, report.messages, strict=True):
            lines.append(f"     {code}: {message}")
    return "\n".join(lines) + "\n"
