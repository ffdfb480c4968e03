"""The central store's writes and reads: idempotent batch upsert, search, fetch, keys."""

from __future__ import annotations

import hashlib
from datetime import date

import orjson
from django.db import connections, transaction
from django.utils import timezone

from closure_protocol.credentials import Credential

from . import pg
from .auth import key_ring_forget
from .models import CentralClosure, CentralCredential, CentralEvent, CentralKeyUsage

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
MAX_VERSION = 2**31 - 1  # the column is a PostgreSQL integer
# Required text fields and their length limits, in the order they are checked.
_TEXTS = (
    ("reference", 60),
    ("office_code", 12),
    ("unit_code", 20),
    ("book_number", 20),
    ("si_number", 20),
    ("full_name", 200),
)


class RecordInvalid(ValueError):
    pass


# ISO dates already seen, normalised (a batch repeats the same few thousand days).
_DATES: dict[str, str] = {}


def _date(value, field, *, required):
    if value is None or value == "":
        if required:
            raise RecordInvalid(f"{field} is required")
        return None
    if type(value) is str:
        clean = _DATES.get(value)
        if clean is not None:
            return clean
    try:
        clean = date.fromisoformat(value).isoformat()
    except (TypeError, ValueError):
        raise RecordInvalid(f"{field} is not a date") from None
    if len(_DATES) > 50_000:
        _DATES.clear()
    _DATES[value] = clean
    return clean


def _text(rec, field, limit, *, required=True):
    value = rec.get(field, "")
    if (
        type(value) is not str
        or len(value) > limit
        or (required and not value.strip())
        or "\x00" in value  # PostgreSQL text cannot hold NUL
    ):
        raise RecordInvalid(f"{field} is missing or too long")
    return value


def _amount(value) -> str:
    text = str(value)
    if "\x00" in text:
        raise RecordInvalid("a period amount is not a number")
    return text


def record_clean(rec) -> dict:
    """A pushed record checked and normalised; raises RecordInvalid."""
    if type(rec) is not dict:
        raise RecordInvalid("record is not an object")
    version = rec.get("version")
    if type(version) is not int or not 1 <= version <= MAX_VERSION:
        raise RecordInvalid("version must be a positive integer")
    kind = rec.get("kind")
    if type(kind) is not str or kind not in KINDS:
        raise RecordInvalid("kind must be bhxh or bhtn")
    periods = rec.get("periods")
    if type(periods) is not list or not periods:
        raise RecordInvalid("periods must be a non-empty list")
    clean_periods = []
    for p in periods:
        if type(p) is not dict:
            raise RecordInvalid("a period is not an object")
        start = _date(p.get("from"), "period from", required=True)
        end = _date(p.get("to"), "period to", required=True)
        if end < start:
            raise RecordInvalid("a period ends before it starts")
        clean_periods.append(
            {
                "from": start,
                "to": end,
                "salary": _amount(p.get("salary")),
                "rate": _amount(p.get("rate")),
            }
        )
    clean = {field: _text(rec, field, limit) for field, limit in _TEXTS}
    clean["version"] = version
    clean["birth_date"] = _date(rec.get("birth_date"), "birth_date", required=False)
    clean["kind"] = kind
    clean["confirmed_on"] = _date(rec.get("confirmed_on"), "confirmed_on", required=True)
    clean["confirmed_by"] = _text(rec, "confirmed_by", 150, required=False)
    clean["periods"] = clean_periods
    return clean


def record_digest(clean: dict) -> str:
    """SHA-256 of the canonical JSON (sorted keys, no spaces, UTF-8): the same bytes as
    ``json.dumps(clean, sort_keys=True, separators=(",", ":"), ensure_ascii=False)``."""
    return hashlib.sha256(orjson.dumps(clean, option=orjson.OPT_SORT_KEYS)).hexdigest()


def receipt_for(reference: str, version: int, digest: str) -> str:
    """The receipt is derived from the key and content: a replay answers the same one."""
    h = hashlib.sha256(f"{reference}|{version}|{digest}".encode()).hexdigest()
    return f"TW{h[:30].upper()}"


def closures_upsert(*, records: list, key_id: str) -> list[dict]:
    """Store a batch of closure versions keyed by (reference, version), idempotently.

    Answers one result per record, in order: ``created`` (stored now), ``existing``
    (already there with the same content: same receipt), ``conflict`` (this version is
    already stored with other content) or ``rejected`` (invalid), with the receipt.
    One statement inserts the whole batch; a version that is already stored is left as
    it is and compared by its digest.
    """
    now = timezone.now()
    results: list[dict] = []
    rows: dict[tuple[str, int], dict] = {}  # first occurrence of each key in the batch
    keyed: list[tuple[int, tuple[str, int], str]] = []  # (position, key, digest)
    for i, rec in enumerate(records):
        try:
            clean = record_clean(rec)
        except RecordInvalid as exc:
            ref = rec.get("reference", "") if type(rec) is dict else ""
            ver = rec.get("version") if type(rec) is dict else None
            results.append(
                {"reference": ref, "version": ver, "status": "rejected", "error": str(exc)}
            )
            continue
        digest = record_digest(clean)
        key = (clean["reference"], clean["version"])
        keyed.append((i, key, digest))
        results.append({"reference": key[0], "version": key[1]})
        if key not in rows:
            clean["digest"] = digest
            clean["receipt"] = receipt_for(key[0], key[1], digest)
            rows[key] = clean
    if not rows:
        return results
    offices = sorted({c["office_code"] for c in rows.values()})
    postgresql = connections[DB].vendor == "postgresql"
    with transaction.atomic(using=DB):
        if postgresql:
            created, stored = pg.rows_upsert(rows, key_id=key_id, now=now, offices=offices)
        else:
            created, stored = _rows_upsert_portable(rows, key_id=key_id, now=now, offices=offices)
    if postgresql and created:
        # A backfill's lookups are planned on fresh statistics, not the table's old size.
        pg.statistics_refresh()
    for i, key, digest in keyed:
        result = results[i]
        if key in stored and stored[key][0] == digest:
            result["status"] = "created" if key in created else "existing"
            result["receipt"] = stored[key][1]
        else:
            result["status"] = "conflict"
            result["error"] = "this version is already stored with other content"
    return results


def _stored(keys) -> dict[tuple[str, int], tuple[str, str]]:
    """(digest, receipt) of the stored versions among ``keys``."""
    stored = {}
    keys = list(keys)
    for start in range(0, len(keys), 500):  # SQLite limits the parameters of a statement
        chunk = keys[start : start + 500]
        wanted = set(chunk)
        rows = CentralClosure.objects.using(DB).filter(reference__in={r for r, _ in chunk})
        for ref, ver, digest, receipt in rows.values_list(
            "reference", "version", "digest", "receipt"
        ):
            if (ref, ver) in wanted:
                stored[(ref, ver)] = (digest, receipt)
    return stored


def _rows_upsert_portable(rows: dict, *, key_id: str, now, offices: list[str]):
    """:func:`pg.rows_upsert` through the ORM (SQLite, the embedded default): the versions
    not stored yet are inserted, the others compared by their digest."""
    before = _stored(rows)
    created = {key for key in rows if key not in before}
    CentralClosure.objects.using(DB).bulk_create(
        [
            CentralClosure(
                **{f: rows[key][f] for f in FIELDS},
                digest=rows[key]["digest"],
                receipt=rows[key]["receipt"],
                key_id=key_id,
                received_at=now,
            )
            for key in created
        ],
        ignore_conflicts=True,
        batch_size=200,
    )
    stored = {**before, **_stored(created)}
    created = {key for key in created if stored.get(key, ("", ""))[1] == rows[key]["receipt"]}
    CentralKeyUsage.objects.using(DB).bulk_create(
        [CentralKeyUsage(office_code=oc, key_id=key_id, last_used_at=now) for oc in offices],
        update_conflicts=True,
        unique_fields=["office_code"],
        update_fields=["key_id", "last_used_at"],
    )
    return created, stored


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
    rows = CentralClosure.objects.using(DB).filter(book_number=book_number)
    if connections[DB].vendor == "postgresql":
        latest = rows.order_by("reference", "-version").distinct("reference")
        return [closure_as_dict(r) for r in latest]
    seen, latest = set(), []
    for row in rows.order_by("reference", "-version"):
        if row.reference not in seen:
            seen.add(row.reference)
            latest.append(row)
    return [closure_as_dict(r) for r in latest]


@transaction.atomic(using=DB)
def credential_register(*, credential: Credential, uploaded_by: str) -> CentralCredential:
    """Make a newly issued key known to the central store (it becomes the current key;
    the one before it stays accepted until its own validity ends)."""
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


@transaction.atomic(using=DB)
def credentials_rotate(*, keys: list[Credential], actor: str) -> None:
    """Register the keys of an uploaded credential file (current first, as parsed) and
    record the rotation in the central store's own event log."""
    for cred in reversed(keys):  # previous first, so current ends up newest
        credential_register(credential=cred, uploaded_by=actor)
    event_record(
        actor=actor,
        action="credentials_rotated",
        target=keys[0].key_id,
        data={
            "keys": [
                {
                    "key_id": k.key_id,
                    "valid_from": k.valid_from.isoformat(),
                    "valid_until": k.valid_until.isoformat(),
                }
                for k in keys
            ]
        },
    )


def event_record(*, actor: str, action: str, target: str = "", data: dict | None = None):
    """One entry of the central store's event log, in the caller's transaction."""
    return CentralEvent.objects.using(DB).create(
        actor=actor, action=action, target=target, data=data or {}
    )


def key_usage() -> list[CentralKeyUsage]:
    return list(CentralKeyUsage.objects.using(DB).order_by("office_code"))
