"""What the settings ask of psycopg itself, for PostgreSQL set-ups only (as the apps' ``pg.py``
modules: the embedded default never imports it)."""

import psycopg


def libpq_version() -> int:
    """The libpq psycopg runs on, as PostgreSQL numbers it (170004 for 17.4)."""
    return psycopg.pq.version()
