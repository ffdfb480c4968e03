"""The central store's batch upsert written for PostgreSQL (psycopg), used only there.

One statement inserts a whole batch (``jsonb_to_recordset`` … ``ON CONFLICT DO NOTHING
RETURNING``), large arrays travel as bound parameters; :mod:`central.services` runs the
portable ORM version on other databases (SQLite, the embedded default).
"""

from __future__ import annotations

import orjson
import psycopg
from django.db import connections, transaction

DB = "central"

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
JOIN unnest(%s::text[], %s::int[]) AS t(reference, version)
  ON c.reference = t.reference AND c.version = t.version
"""

_USAGE = """
INSERT INTO central_centralkeyusage (office_code, key_id, last_used_at)
SELECT oc, %s, %s FROM unnest(%s::text[]) AS t(oc)
ON CONFLICT (office_code) DO UPDATE SET key_id = EXCLUDED.key_id,
  last_used_at = EXCLUDED.last_used_at
"""


def bound_cursor(alias: str = DB) -> psycopg.Cursor:
    """A cursor with server-side parameter binding on the alias's connection (in its
    transaction): large arrays travel as parameters instead of being quoted into SQL."""
    wrapper = connections[alias]
    wrapper.ensure_connection()
    return psycopg.Cursor(wrapper.connection)


def rows_upsert(rows: dict, *, key_id: str, now, offices: list[str]):
    """Insert the versions not stored yet, in the caller's transaction. Returns the keys
    stored now and (digest, receipt) of every key of ``rows`` that is stored."""
    with bound_cursor() as cur:
        cur.execute(_INSERT, [key_id, now, orjson.dumps(list(rows.values())).decode()])
        created = set(cur.fetchall())
        others = [k for k in rows if k not in created]
        stored = {}
        if others:
            cur.execute(_EXISTING, [[r for r, _ in others], [v for _, v in others]])
            stored = {(r, v): (d, rc) for r, v, d, rc in cur.fetchall()}
        for key in created:
            stored[key] = (rows[key]["digest"], rows[key]["receipt"])
        cur.execute(_USAGE, [key_id, now, offices])
    return created, stored


# ANALYZE once this share of the table (and at least MIN rows) changed since the last one:
# the rule autovacuum follows, applied by the load itself, at once.
_ANALYZE_SHARE = 0.1
_ANALYZE_MIN = 1000
_STALE = """
SELECT s.n_mod_since_analyze, GREATEST(c.reltuples, 0)
FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
WHERE s.relid = %s::regclass
"""


def statistics_refresh(table: str = "central_centralclosure", alias: str = DB) -> bool:
    """ANALYZE ``table`` when enough of it changed since its last ANALYZE (True if done).

    A backfill or bulk import writes millions of rows batch after batch; autovacuum would
    refresh the planner's statistics a minute or more later, and a lookup made meanwhile is
    planned for the table as it was (empty, or a tenth of its size). Called after each
    batch, this keeps the statistics within a tenth of the table all along and at the
    end. One process analyzes at a time (a transaction-level advisory lock, safe behind a
    transaction pooler); the others go on. ANALYZE reads a sample (≈ 30,000 rows), so it
    costs about the same at any size."""
    with transaction.atomic(using=alias), connections[alias].cursor() as cur:
        cur.execute(_STALE, [table])
        row = cur.fetchone()
        if row is None or row[0] < max(_ANALYZE_MIN, _ANALYZE_SHARE * row[1]):
            return False
        cur.execute("SELECT pg_try_advisory_xact_lock(hashtext(%s))", [f"analyze {table}"])
        if not cur.fetchone()[0]:
            return False
        cur.execute(f"ANALYZE {connections[alias].ops.quote_name(table)}")
    return True
