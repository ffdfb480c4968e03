"""The central store refreshes the planner's statistics as a bulk load goes (PostgreSQL):
a lookup right after a backfill is planned for the table as it is, not as it was."""

import pytest
from django.db import connections

from central import pg

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "central"])

TABLE = "central_centralclosure"


def _rows(n: int, start: int = 0) -> None:
    with connections["central"].cursor() as cur:
        cur.execute(
            """
            INSERT INTO central_centralclosure
              (reference, version, office_code, unit_code, book_number, si_number, full_name,
               birth_date, kind, confirmed_on, confirmed_by, periods, digest, receipt, key_id,
               received_at)
            SELECT 'T-' || g, 1, '0101', 'DV1', lpad(g::text, 10, '0'), lpad(g::text, 10, '0'),
                   'Trần Thị ' || g, NULL, 'bhxh', date '2020-01-01', '', '[]', md5(g::text),
                   'R' || g, 'K', now()
            FROM generate_series(%s::int, %s::int) AS g
            """,
            [start + 1, start + n],
        )
        # This backend's counts reach the statistics views when it next goes idle.
        cur.execute("SELECT pg_stat_force_next_flush()")


def _analyzed() -> int:
    with connections["central"].cursor() as cur:
        cur.execute("SELECT analyze_count FROM pg_stat_user_tables WHERE relname = %s", [TABLE])
        return cur.fetchone()[0]


def test_enough_new_rows_are_analyzed_at_once_and_a_few_more_are_not():
    if connections["central"].vendor != "postgresql":
        pytest.skip("PostgreSQL's planner statistics")
    before = _analyzed()
    _rows(2000)
    assert pg.statistics_refresh() is True
    assert _analyzed() == before + 1
    _rows(50, start=2000)  # below a tenth of the table and the minimum
    assert pg.statistics_refresh() is False
    assert _analyzed() == before + 1
