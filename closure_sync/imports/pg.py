"""The import's one hand-written SQL: PostgreSQL's COPY of a batch of closures and periods.

Why: ``bulk_create`` builds one INSERT with a parameter per value and returns the ids row
by row; COPY streams the rows in PostgreSQL's own format. Measured on 2026-12-07 (50,000
lines, 75,000 rows, shared 2-core machine, the same file twice each way): the confirmation
took 8.7–9.1 s with ``bulk_create`` and 3.5 s with COPY, the same re-check included.
The closures' ids are drawn from their sequence first, so the periods can name them.
Public psycopg API only (``Cursor.copy`` / ``Copy.write_row``), inside the caller's
transaction.
"""

from __future__ import annotations

import psycopg
from django.db import connection

from ..models import ClosurePeriod, ClosureRecord

RECORDS = ClosureRecord._meta.db_table
PERIODS = ClosurePeriod._meta.db_table
RECORD_COLUMNS = (
    "reference", "version", "status", "origin", "book_number", "si_number", "full_name",
    "birth_date", "unit_code", "office_id", "kind", "confirmed_on", "confirmed_at",
    "confirmed_by_id", "received_from", "source_import_id", "created_at", "push_state",
    "push_attempts", "push_next_at", "push_deadline", "central_receipt", "push_error",
    "push_error_code",
)  # fmt: skip


def closures_copy(records: list[dict], periods: list[tuple], known: dict) -> dict[str, int]:
    """COPY ``records`` (field dicts) and ``periods`` ((reference, from, to, salary,
    rate)); ``known`` maps references stored by an earlier batch to their ids. Returns
    reference → id for every period's closure."""
    connection.ensure_connection()
    ids = dict(known)
    with psycopg.Cursor(connection.connection) as cur:
        if records:
            cur.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [RECORDS, len(records)],
            )
            new_ids = [row[0] for row in cur.fetchall()]
            columns = ", ".join(("id", *RECORD_COLUMNS))
            with cur.copy(f"COPY {RECORDS} ({columns}) FROM STDIN") as copy:  # noqa: S608
                for pk, rec in zip(new_ids, records, strict=True):
                    copy.write_row((pk, *(rec[c] for c in RECORD_COLUMNS)))
                    ids[rec["reference"]] = pk
        with cur.copy(
            f"COPY {PERIODS} (record_id, from_month, to_month, salary, rate) FROM STDIN"  # noqa: S608
        ) as copy:
            for ref, start, end, salary, rate in periods:
                copy.write_row((ids[ref], start, end, salary, rate))
    return ids
