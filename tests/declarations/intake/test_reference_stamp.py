"""The reference tables' stamp: renewed by PostgreSQL in the transaction that changes any of
them, however the change is made; the cached snapshot follows it."""

from datetime import date

import pytest
from django.db import connection, transaction

from declarations.dossiers.models import ProcedureTimeLimit, PublicHoliday
from declarations.intake.models import BaseSalary
from declarations.intake.reference import reference_stamp, reference_tables

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("the stamp is kept by PostgreSQL triggers")


def test_every_kind_of_change_to_every_table_gives_a_new_stamp():
    seen = [reference_stamp()]

    def changed():
        stamp = reference_stamp()
        assert stamp and stamp not in seen
        seen.append(stamp)

    BaseSalary.objects.create(valid_from=date(2031, 7, 1), amount=3_000_000)
    changed()
    BaseSalary.objects.filter(valid_from=date(2031, 7, 1)).update(amount=3_100_000)
    changed()
    with connection.cursor() as cursor:  # not through Django at all
        cursor.execute("UPDATE declarations_basesalary SET amount = amount + 1")
    changed()
    BaseSalary.objects.filter(valid_from=date(2031, 7, 1)).delete()
    changed()
    PublicHoliday.objects.create(day=date(2031, 9, 2), kind="holiday")
    changed()
    ProcedureTimeLimit.objects.create(
        procedure_code="999", valid_from=date(2031, 1, 1), working_days=3
    )
    changed()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM declarations_contributionrate")
        cursor.execute("TRUNCATE declarations_regionalminimumwage")
    changed()


def test_other_writes_leave_it_and_an_uncommitted_change_is_not_seen():
    before = reference_stamp()
    from accounts import audit

    audit.record(None, "test.unrelated", None, None, {})
    assert reference_stamp() == before
    with transaction.atomic():
        BaseSalary.objects.create(valid_from=date(2032, 1, 1), amount=4_000_000)
        inside = reference_stamp()
        assert inside != before
        from django.db import connections

        other = connections.create_connection("default")
        try:
            with other.cursor() as cursor:
                cursor.execute("SELECT stamp FROM declarations_referencestamp WHERE id = 1")
                assert cursor.fetchone()[0] == before  # other sessions: not until commit
        finally:
            other.close()
    assert reference_stamp() == inside


def test_the_cached_snapshot_is_read_again_after_a_change():
    BaseSalary.objects.create(valid_from=date(2033, 1, 1), amount=5_000_000)
    first = reference_tables()
    assert reference_tables() is first  # same stamp: the cache
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE declarations_basesalary SET amount = 5500000 WHERE valid_from = %s",
            [date(2033, 1, 1)],
        )
    fresh = reference_tables()
    assert fresh is not first
    assert (date(2033, 1, 1), 5_500_000) in fresh.money.base
