"""The central store's writes and reads: idempotent batch upsert, search, fetch, keys."""

from __future__ import annotations

import hashlib
import json
from datetime import date

import psycopg
from django.db import connections, transaction
from django.utils import timezone

from .credentials import Credential
from .models import CentralClosure, CentralCredential, CentralKeyUsage

DB = "central"
KINDS = {"bhxh", "bhtn"}
FIELDS = (
    "reference",
    "version",
    "office_code",
    "unit_code",
    "book_number",
    "si_number",
    "full_name",
    "birth_date",
    "kind",
    "confirmed_on",
    "confirmed_by",
    "periods",
)


class RecordInvalid(ValueError):
    pass


def _date(value, field, *, required):
    if value in (None, ""):
        if required:
            raise RecordInvalid(f"{field} is required")
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except (TypeError, ValueError):
        raise RecordInvalid(f"{field} is not a date") from None


def _text(rec, field, limit, *, required=True):
    value = rec.get(field, "")
    if not isinstance(value, str) or (required and not value.strip()) or len(value) > limit:
        raise RecordInvalid(f"{field} is missing or too long")
    return value


def record_clean(rec) -> dict:
    """A pushed record checked and normalised; raises RecordInvalid."""
    if not isinstance(rec, dict):
        raise RecordInvalid("record is not an object")
    version = rec.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise RecordInvalid("version must be a positive integer")
    kind = rec.get("kind")
    if kind not in KINDS:
        raise RecordInvalid("kind must be bhxh or bhtn")
    periods = rec.get("periods")
    if not isinstance(periods, list) or not periods:
        raise RecordInvalid("periods must be a non-empty list")
    clean_periods = []
    for p in periods:
        if not isinstance(p, dict):
            raise RecordInvalid("a period is not an object")
        start = _date(p.get("from"), "period from", required=True)
        end = _date(p.get("to"), "period to", required=True)
        if end < start:
            raise RecordInvalid("a period ends before it starts")
        clean_periods.append(
            {"from": start, "to": end, "salary": str(p.get("salary")), "rate": str(p.get("rate"))}
        )
    return {
        "reference": _text(rec, "reference", 60),
        "version": version,
        "office_code": _text(rec, "office_code", 12),
        "unit_code": _text(rec, "unit_code", 20),
        "book_number": _text(rec, "book_number", 20),
        "si_number": _text(rec, "si_number", 20),
        "full_name": _text(rec, "full_name", 200),
        "birth_date": _date(rec.get("birth_date"), "birth_date", required=False),
        "kind": kind,
        "confirmed_on": _date(rec.get("confirmed_on"), "confirmed_on", required=True),
        "confirmed_by": _text(rec, "confirmed_by", 150, required=False),
        "periods": clean_periods,
    }


def record_digest(clean: dict) -> str:
    canonical = json.dumps(clean, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def receipt_for(reference: str, version: int, digest: str) -> str:
    """The receipt is derived from the key and content: a replay answers the same one."""
    h = hashlib.sha256(f"{reference}|{version}|{digest}".encode()).hexdigest()
    return f"TW{h[:30].upper()}"


_INSERT = """
INSERT INTO central_centralclosure
  (reference, version, office_code, unit_code, book_number, si_number, full_name,
   birth_date, kind, confirmed_on, confirmed_by, periods, digest, receipt, key_id, received_at)
SELECT reference, version, office_code, unit_code, book_number, si_number, full_name,
       birth_date, kind, confirmed_on, confirmed_by, periods, digest, receipt, %s, %s
FROM jsonb_to_recordset(%s::jsonb) AS t(
  reference text, version int, office_code text, unit_code text, book_number text,
  si_number text, full_name text, birth_date date, kind text, confirmed_on date,
  confirmed_by text, periods jsonb, digest text, receipt text)
ON CONFLICT (reference, version) DO NOTHING
RETURNING reference, version
"""

_EXISTING = """
SELECT c.reference, c.version, c.digest, c.receipt
FROM central_centralclosure c
JOIN jsonb_to_recordset(%s::jsonb) AS t(reference text, version int)
  ON c.reference = t.reference AND c.version = t.version
"""

_USAGE = """
INSERT INTO central_centralkeyusage (office_code, key_id, last_used_at)
SELECT oc, %s, %s FROM unnest(%s::text[]) AS t(oc)
ON CONFLICT (office_code) DO UPDATE SET key_id = EXCLUDED.key_id,
  last_used_at = EXCLUDED.last_used_at
"""


def bound_cursor(alias: str) -> psycopg.Cursor:
    """A cursor with server-side parameter binding on the alias's connection (in its
    transaction): large arrays travel as parameters instead of being quoted into SQL."""
    wrapper = connections[alias]
    wrapper.ensure_connection()
    return psycopg.Cursor(wrapper.connection)


def closures_upsert(*, records: list, key_id: str) -> list[dict]:
    """Store a batch of closure versions keyed by (reference, version), idempotently.

    Answers one result per record, in order: ``created`` (stored now), ``existing``
    (already there with the same content: same receipt), ``conflict`` (this version is
    already stored with other content) or ``rejected`` (invalid), with the receipt.
    """
    now = timezone.now()
    results: list[dict] = []
    rows: list[tuple[int, dict, str, str]] = []
    for i, rec in enumerate(records):
        try:
            clean = record_clean(rec)
        except RecordInvalid as exc:
            ref = rec.get("reference", "") if isinstance(rec, dict) else ""
            ver = rec.get("version") if isinstance(rec, dict) else None
            results.append(
                {"reference": ref, "version": ver, "status": "rejected", "error": str(exc)}
            )
            continue
        digest = record_digest(clean)
        receipt = receipt_for(clean["reference"], clean["version"], digest)
        rows.append((i, clean, digest, receipt))
        results.append(
            {"reference": clean["reference"], "version": clean["version"], "receipt": receipt}
        )
    if not rows:
        return results
    with transaction.atomic(using=DB), bound_cursor(DB) as cur:
        batch = json.dumps(
            [{**c, "digest": digest, "receipt": receipt} for _, c, digest, receipt in rows],
            ensure_ascii=False,
        )
        cur.execute(_INSERT, [key_id, now, batch])
        created = {(r, v) for r, v in cur.fetchall()}
        others = [(c["reference"], c["version"]) for _, c, _, _ in rows]
        others = [k for k in others if k not in created]
        stored = {}
        if others:
            keys = [{"reference": r, "version": v} for r, v in others]
            cur.execute(_EXISTING, [json.dumps(keys, ensure_ascii=False)])
            stored = {(r, v): (d, rc) for r, v, d, rc in cur.fetchall()}
        offices = sorted({c["office_code"] for _, c, _, _ in rows})
        cur.execute(_USAGE, [key_id, now, offices])
    for i, c, digest, _receipt in rows:
        key = (c["reference"], c["version"])
        if key in created:
            results[i]["status"] = "created"
        elif key in stored and stored[key][0] == digest:
            results[i]["status"] = "existing"
            results[i]["receipt"] = stored[key][1]
        else:
            results[i]["status"] = "conflict"
            results[i]["error"] = "this version is already stored with other content"
            results[i].pop("receipt", None)
    return results


def closure_as_dict(row: CentralClosure) -> dict:
    return {
        "reference": row.reference,
        "version": row.version,
        "office_code": row.office_code,
        "unit_code": row.unit_code,
        "book_number": row.book_number,
        "si_number": row.si_number,
        "full_name": row.full_name,
        "birth_date": row.birth_date.isoformat() if row.birth_date else None,
        "kind": row.kind,
        "confirmed_on": row.confirmed_on.isoformat(),
        "confirmed_by": row.confirmed_by,
        "periods": row.periods,
        "receipt": row.receipt,
        "received_at": row.received_at.isoformat(),
    }


def closures_search(
    *,
    book_number: str = "",
    si_number: str = "",
    unit_code: str = "",
    confirmed_from: date | None = None,
    confirmed_to: date | None = None,
    office_codes: list[str] | None = None,
    page: int = 1,
    page_size: int = 20,
) -> dict:
    """Central rows matching the filters, newest confirmation first, one page of them."""
    qs = CentralClosure.objects.using(DB).all()
    if book_number:
        qs = qs.filter(book_number=book_number)
    if si_number:
        qs = qs.filter(si_number=si_number)
    if unit_code:
        qs = qs.filter(unit_code=unit_code)
    if confirmed_from:
        qs = qs.filter(confirmed_on__gte=confirmed_from)
    if confirmed_to:
        qs = qs.filter(confirmed_on__lte=confirmed_to)
    if office_codes is not None:
        qs = qs.filter(office_code__in=office_codes)
    page = max(1, page)
    page_size = max(1, min(page_size, 100))
    start = (page - 1) * page_size
    rows = list(
        qs.order_by("-confirmed_on", "reference", "-version")[start : start + page_size + 1]
    )
    return {
        "page": page,
        "page_size": page_size,
        "has_next": len(rows) > page_size,
        "results": [closure_as_dict(r) for r in rows[:page_size]],
    }


def closures_fetch(*, book_number: str) -> list[dict]:
    """The latest version of every closure the store holds for a book number (for nhận)."""
    rows = (
        CentralClosure.objects.using(DB)
        .filter(book_number=book_number)
        .order_by("reference", "-version")
        .distinct("reference")
    )
    return [closure_as_dict(r) for r in rows]


@transaction.atomic(using=DB)
def credential_register(*, credential: Credential, uploaded_by: str) -> CentralCredential:
    """Make a newly issued key known to the central store (it becomes the current key;
    the one before it stays accepted until its own validity ends)."""
    from .auth import key_ring_forget

    transaction.on_commit(key_ring_forget, using=DB)
    row, _ = CentralCredential.objects.using(DB).update_or_create(
        key_id=credential.key_id,
        defaults={
            "secret": credential.secret,
            "valid_from": credential.valid_from,
            "valid_until": credential.valid_until,
            "uploaded_by": uploaded_by,
            "uploaded_at": timezone.now(),
        },
    )
    return row


def key_usage() -> list[CentralKeyUsage]:
    return list(CentralKeyUsage.objects.using(DB).order_by("office_code"))
