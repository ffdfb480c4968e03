"""Monthly partitions: made by the migrations, kept ahead, detached; uniques and the audit
chain hold across months; queries filtered by the month read only their partitions."""

from __future__ import annotations

import json
import secrets
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts import audit
from accounts.audit_checkpoints import CheckpointSet
from accounts.models import AuditEntry
from core.partitions import services
from core.partitions.schema import month_add, partition_name
from core.partitions.tables import AUDIT, DOSSIERS
from declarations.dossiers.models import Dossier, DossierFile, Notice
from declarations.review.selectors import (
    QueueFilters,
    day_after,
    day_start,
    period_report,
    receiving_queue,
)
from tests.declarations.review_world import World, dossier_make
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="partitions are PostgreSQL's"),
    pytest.mark.usefixtures("reference_data"),
]


def this_month() -> date:
    return timezone.localdate().replace(day=1)


def utc(month: date, day: int = 10) -> datetime:
    return datetime(month.year, month.month, day, 3, tzinfo=UTC)


def partition_of(table: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT tableoid::regclass::text FROM {table} WHERE id = %s", [pk])  # noqa: S608  (a constant)
        return cursor.fetchone()[0]


def explain(queryset) -> str:
    return queryset.explain()


@pytest.fixture
def world():
    return World()


@pytest.mark.django_db
def test_the_migrations_partition_dossiers_and_audit_by_month_with_months_ahead():
    names = {(p.table, p.name) for p in services.partitions_list()}
    for spec in (AUDIT, DOSSIERS):
        for n in range(services.MONTHS_AHEAD + 1):
            assert (spec.table, partition_name(spec.table, month_add(this_month(), n))) in names
        assert (spec.table, f"{spec.table}_default") in names
    # Django still sees ``id`` as the key; the database's key carries the month.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = 'declarations_dossier'::regclass AND contype = 'p'"
        )
        assert cursor.fetchone()[0] == "PRIMARY KEY (id, received_at)"


@pytest.mark.django_db
def test_creating_months_ahead_is_idempotent():
    created = services.partitions_ensure(months_ahead=services.MONTHS_AHEAD + 2)
    later = month_add(this_month(), services.MONTHS_AHEAD + 2)
    assert partition_name(DOSSIERS.table, later) in created
    assert partition_name(AUDIT.table, later) in created
    assert services.partitions_ensure(months_ahead=services.MONTHS_AHEAD + 2) == []


@pytest.mark.django_db
def test_a_month_written_before_its_partition_moves_out_of_default(world):
    far = month_add(this_month(), 9)
    early = dossier_make(world.unit_a, received_at=utc(far))
    assert partition_of(DOSSIERS.table, early.pk) == f"{DOSSIERS.table}_default"
    assert partition_name(DOSSIERS.table, far) in services.partitions_ensure(months_ahead=9)
    assert partition_of(DOSSIERS.table, early.pk) == partition_name(DOSSIERS.table, far)
    # Its guard rows stayed: the same bytes and the same code are still taken.
    with pytest.raises(IntegrityError), transaction.atomic():
        dossier_make(world.unit_a, content_sha256=early.content_sha256)
    with pytest.raises(IntegrityError), transaction.atomic():
        dossier_make(world.unit_a, transaction_code=early.transaction_code)


@pytest.mark.django_db
def test_the_same_bytes_are_one_dossier_across_months(world):
    digest = secrets.token_hex(32)
    dossier_make(world.unit_a, received_at=utc(month_add(this_month(), -1)), content_sha256=digest)
    with pytest.raises(IntegrityError) as refused, transaction.atomic():
        dossier_make(world.unit_a, received_at=utc(this_month()), content_sha256=digest)
    # The name intake's twin handling meets, as before the partitioning.
    assert refused.value.__cause__.diag.constraint_name == "dossier_content_once"
    # Another unit's, a sandbox copy and paper dossiers (no bytes) are their own.
    dossier_make(world.unit_b, content_sha256=digest)
    dossier_make(world.unit_a, content_sha256=digest, sandbox=True)
    dossier_make(world.unit_a, content_sha256="")
    dossier_make(world.unit_a, content_sha256="")


@pytest.mark.django_db
def test_a_transaction_code_is_refused_twice_across_months(world):
    first = dossier_make(world.unit_a, received_at=utc(month_add(this_month(), -1)))
    with pytest.raises(IntegrityError) as refused, transaction.atomic():
        dossier_make(world.unit_b, transaction_code=first.transaction_code)
    assert refused.value.__cause__.diag.constraint_name == "dossier_transaction_code_uniq"


@pytest.mark.django_db
def test_a_dossier_moved_to_another_month_or_deleted_keeps_the_guards_right(world):
    dossier = dossier_make(world.unit_a, received_at=utc(this_month()))
    Dossier.objects.filter(pk=dossier.pk).update(received_at=utc(month_add(this_month(), 1)))
    assert partition_of(DOSSIERS.table, dossier.pk) == partition_name(
        DOSSIERS.table, month_add(this_month(), 1)
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        dossier_make(world.unit_a, content_sha256=dossier.content_sha256)
    code, digest = dossier.transaction_code, dossier.content_sha256
    Dossier.objects.filter(pk=dossier.pk).delete()
    dossier_make(world.unit_a, transaction_code=code, content_sha256=digest)  # free again


@pytest.mark.django_db
def test_a_filter_by_month_reads_only_that_months_partition(world):
    month = this_month()
    dossier_make(world.unit_a, received_at=utc(month))
    dossier_make(world.unit_a, received_at=utc(month_add(month, -1)))
    last_day = month_add(month, 1) - timedelta(days=1)
    # The directors' report: dossiers received in a period, from local midnight to midnight.
    received = Dossier.objects.filter(
        sandbox=False, received_at__gte=day_start(month), received_at__lt=day_after(last_day)
    )
    plan = explain(received)
    assert partition_name(DOSSIERS.table, month) in plan
    assert partition_name(DOSSIERS.table, month_add(month, -1)) not in plan
    assert f"{DOSSIERS.table}_default" not in plan
    assert received.count() == 1
    period_report(user=world.officer_a, date_from=month, date_to=last_day)  # runs as before
    # The audit log filtered by time (the audit viewer's period).
    plan = explain(AuditEntry.objects.filter(at__gte=utc(month, 1), at__lt=utc(month, 20)))
    assert partition_name(AUDIT.table, month) in plan
    assert partition_name(AUDIT.table, month_add(month, 1)) not in plan


def _explain_raw(cursor, queryset):
    sql, params = queryset.query.sql_with_params()
    cursor.execute(f"EXPLAIN {sql}", params)
    return cursor.fetchall()


@pytest.mark.django_db
def test_the_receiving_queue_reads_each_month_through_its_open_dossiers_index(world):
    """The queue has no month to give (a dossier awaiting a supplement stays open for
    months): every partition is read, each only through its partial index of open
    dossiers, nearly empty for past months (docs/scaling.md, the trade-off)."""
    for n in (-2, -1, 0):
        dossier_make(world.unit_a, received_at=utc(month_add(this_month(), n)))
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        queue = receiving_queue(user=world.officer_a, filters=QueueFilters())
        plan = "\n".join(row[0] for row in _explain_raw(cursor, queue))
        cursor.execute(
            "SELECT i.inhrelid::regclass::text FROM pg_inherits i "
            "WHERE i.inhparent IN ('dossier_queue_idx'::regclass, "
            "'dossier_open_deadline_idx'::regclass)"
        )
        open_indexes = {row[0] for row in cursor.fetchall()}
    scans = [line for line in plan.splitlines() if " on declarations_dossier_" in line]
    months = [p for p in services.partitions_list() if p.table == DOSSIERS.table]
    assert len(scans) == len(months)  # every month and DEFAULT, none skipped
    for line in scans:
        assert "Index" in line and line.split(" using ")[1].split()[0] in open_indexes, line
    assert len(list(receiving_queue(user=world.officer_a, filters=QueueFilters()))) == 3


@pytest.mark.django_db
def test_files_notices_and_supplements_follow_their_dossier_across_months(world):
    old = dossier_make(world.unit_a, received_at=utc(month_add(this_month(), -1)))
    DossierFile.objects.create(dossier=old, form_code="600", name="a.xml", kind="xml", size=0)
    Notice.objects.create(dossier=old, kind="receipt", number=f"TB-{secrets.token_hex(4)}")
    answer = dossier_make(world.unit_a, supplement_of=old, status="supplement")
    assert answer.supplement_of == old
    assert list(old.supplements.all()) == [answer]
    assert old.files.count() == 1 and old.notices.count() == 1
    assert services.partition_orphans() == dict.fromkeys(services.partition_orphans(), 0)
    # A link to a dossier that is gone: no constraint refuses it, the nightly check finds it.
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM declarations_dossier WHERE id = %s", [old.pk])
    assert services.partition_orphans()["declarations_dossierfile.dossier_id"] == 1
    assert services.partitions_check()["declarations_notice.dossier_id"] == 1


def _entries_in(months: list[date]) -> list[AuditEntry]:
    actor = UserFactory()
    entries = []
    for month in months:
        entry = audit.entry_build(actor, "test.event", actor, None, {"month": str(month)})
        entry.at = utc(month)
        entry.save()
        entries.append(entry)
    return entries


@pytest.mark.django_db
def test_the_audit_chain_runs_unbroken_across_two_months():
    older, newer = month_add(this_month(), -1), this_month()
    entries = _entries_in([older, older, newer, newer])
    assert audit.seal() == 4
    assert {partition_of(AUDIT.table, e.pk) for e in entries} == {
        partition_name(AUDIT.table, older),
        partition_name(AUDIT.table, newer),
    }
    report = audit.verify_chain(checkpoints=CheckpointSet())
    assert report.ok and report.checked == 4


@pytest.mark.django_db
def test_a_row_changed_in_the_older_months_partition_breaks_the_chain():
    older = month_add(this_month(), -1)
    entries = _entries_in([older, older, this_month(), this_month()])
    audit.seal()
    with connection.cursor() as cursor:  # straight into the partition, as a tamperer would
        cursor.execute(
            f"UPDATE {partition_name(AUDIT.table, older)} SET action = 'test.other' WHERE id = %s",  # noqa: S608  (a name from the test)
            [entries[1].pk],
        )
    report = audit.verify_chain(checkpoints=CheckpointSet())
    assert not report.ok
    assert report.broken_id == entries[1].pk
    assert report.reason == "content does not match its hash"


@pytest.mark.django_db
def test_a_hash_is_refused_twice_across_months():
    AuditEntry.objects.create(action="x", hash="b" * 64, at=utc(month_add(this_month(), -1)))
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEntry.objects.create(action="x", hash="b" * 64, at=utc(this_month()))


@pytest.mark.django_db
def test_detaching_old_months_archives_them_and_audits_each(world, tmp_path):
    old, older = month_add(this_month(), -13), month_add(this_month(), -14)
    services.partitions_ensure(today=older, months_ahead=1)
    kept = dossier_make(world.unit_a, received_at=utc(this_month()))
    gone = dossier_make(world.unit_a, received_at=utc(old))
    gone_older = dossier_make(world.unit_a, received_at=utc(older))
    call_command("partitions", "--detach-before", f"{month_add(old, 1):%Y-%m}", "--to", "schema")
    assert set(Dossier.objects.values_list("pk", flat=True)) == {kept.pk}
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM archive.{partition_name(DOSSIERS.table, old)}")  # noqa: S608
        assert cursor.fetchall() == [(gone.pk,)]
    detached = AuditEntry.objects.filter(action="partition.detached")
    assert {e.data["partition"] for e in detached} >= {
        partition_name(DOSSIERS.table, old),
        partition_name(DOSSIERS.table, older),
    }
    # The bytes of a detached dossier are free (sending them is a new dossier); its code is
    # never given again.
    dossier_make(world.unit_a, content_sha256=gone_older.content_sha256)
    with pytest.raises(IntegrityError), transaction.atomic():
        dossier_make(world.unit_a, transaction_code=gone.transaction_code)


@pytest.mark.django_db
def test_detaching_to_a_file_writes_the_rows_and_drops_the_table(world, tmp_path):
    old = month_add(this_month(), -20)
    services.partitions_ensure(today=old, months_ahead=0)
    dossier_make(world.unit_a, received_at=utc(old))
    done = services.partition_detach_before(month_add(old, 1), archive="file", directory=tmp_path)
    names = [p.name for p in done]
    assert partition_name(DOSSIERS.table, old) in names
    written = tmp_path / f"{partition_name(DOSSIERS.table, old)}.copy"
    assert written.read_bytes().startswith(b"PGCOPY\n")
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [partition_name(DOSSIERS.table, old)])
        assert cursor.fetchone()[0] is None


@pytest.mark.django_db
def test_the_command_lists_creates_ahead_and_refuses_a_bad_month(capsys):
    call_command("partitions", "--create-ahead", "5", "--json")
    listed = json.loads(capsys.readouterr().out)
    names = {p["name"] for p in listed["partitions"]}
    assert partition_name(DOSSIERS.table, month_add(this_month(), 5)) in names
    assert partition_name(DOSSIERS.table, month_add(this_month(), 5)) in listed["created"]
    call_command("partitions")
    assert "declarations_dossier_default" in capsys.readouterr().out
    with pytest.raises(CommandError):
        call_command("partitions", "--detach-before", "2026-13")
