"""The push's statements written for PostgreSQL (psycopg), used only on PostgreSQL.

Id arrays travel as one bound parameter (``= ANY(%s)``, ``unnest``) on a server-side
binding cursor, and PostgreSQL builds the JSON the central store receives, deterministic
for a version. :mod:`closure_sync.push` runs the portable ORM version of each on other
databases (SQLite, the embedded default).
"""

from __future__ import annotations

import psycopg
from django.db import connection

from .models import ClosurePeriod, ClosureRecord

TABLE = ClosureRecord._meta.db_table


def bound_cursor() -> psycopg.Cursor:
    """A cursor on this thread's default connection (in its transaction) that binds
    parameters on the server: id arrays travel as parameters, not quoted into the SQL."""
    connection.ensure_connection()
    return psycopg.Cursor(connection.connection)


def records_lease(ids: list[int], lease) -> None:
    with bound_cursor() as cur:
        cur.execute(
            f"UPDATE {TABLE} SET push_state = 'in_flight', push_lease_until = %s,"  # noqa: S608
            " push_next_at = %s WHERE id = ANY(%s)",
            [lease, lease, ids],
        )


_PAYLOADS = f"""
SELECT coalesce(json_agg(json_build_object(
    'id', c.id, 'reference', c.reference, 'version', c.version, 'office_code', o.code,
    'unit_code', c.unit_code, 'book_number', c.book_number, 'si_number', c.si_number,
    'full_name', c.full_name, 'birth_date', c.birth_date, 'kind', c.kind,
    'confirmed_on', c.confirmed_on, 'confirmed_by', coalesce(u.username, ''),
    'periods', (
        SELECT coalesce(json_agg(json_build_object(
                 'from', p.from_month, 'to', p.to_month,
                 'salary', p.salary::text, 'rate', p.rate::text) ORDER BY p.from_month, p.id),
               '[]'::json)
        FROM {ClosurePeriod._meta.db_table} p WHERE p.record_id = c.id)
  ) ORDER BY c.id), '[]'::json)::text
FROM {TABLE} c
JOIN accounts_office o ON o.id = c.office_id
LEFT JOIN accounts_user u ON u.id = c.confirmed_by_id
WHERE c.id = ANY(%s)
"""  # noqa: S608


def payloads_text(ids: list[int]) -> str:
    """The JSON array of the records' payloads, in id order."""
    with bound_cursor() as cur:
        cur.execute(_PAYLOADS, [ids])
        return cur.fetchone()[0]


def records_mark_pushed(pairs: list[tuple[int, str]], now) -> None:
    """One statement for the whole batch: each row gets its own receipt."""
    with bound_cursor() as cur:
        cur.execute(
            f"""UPDATE {TABLE} c SET push_state = 'pushed', central_receipt = t.rc,
                  pushed_at = coalesce(c.pushed_at, %s), push_attempts = c.push_attempts + 1,
                  push_lease_until = NULL, push_next_at = NULL, push_error = '',
                  push_error_code = ''
                FROM unnest(%s::bigint[], %s::text[]) AS t(id, rc)
                WHERE c.id = t.id AND c.push_state <> 'pushed'""",  # noqa: S608
            [now, [i for i, _ in pairs], [rc for _, rc in pairs]],
        )


def records_mark_failed(
    ids: list[int], *, code: str, detail: str, now, retry: bool, base: int, cap: int
) -> None:
    """A failed attempt; a retry is due after base·2^attempts (at most ``cap``) seconds,
    with jitter (50–100 %)."""
    next_at = (
        "%s::timestamptz + make_interval(secs => LEAST(%s, %s * power(2, c.push_attempts))"
        " * (0.5 + random() * 0.5))"
        if retry
        else "NULL"
    )
    params = [now, cap, base] if retry else []
    with bound_cursor() as cur:
        cur.execute(
            f"""UPDATE {TABLE} c SET push_state = 'failed', push_attempts = c.push_attempts + 1,
                  push_next_at = {next_at}, push_lease_until = NULL, push_error = %s,
                  push_error_code = %s
                WHERE c.id = ANY(%s) AND c.push_state <> 'pushed'""",  # noqa: S608
            [*params, detail, code, ids],
        )
