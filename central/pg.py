"""The central store's batch upsert written for PostgreSQL (psycopg), used only there.

One statement inserts a whole batch (``jsonb_to_recordset`` … ``ON CONFLICT DO NOTHING
RETURNING``), large arrays travel as bound parameters; :mod:`central.services` runs the
portable ORM version on other databases (SQLite, the embedded default).
"""

from __future__ import annotations

import orjson
import psycopg
from django.db import connections

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
