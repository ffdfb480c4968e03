"""Keeping the monthly partitions: next months ahead, the list, detaching old months.

Writes here are DDL, each in one transaction; every function is a no-op on SQLite and on a
table that is not (yet) partitioned. :func:`partition_detach_before` is privileged (one
audit entry per detached month); creating months ahead is routine (the beat, every start).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import structlog
from django.apps import apps
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from core import audit

from .schema import (
    _bound,
    bounds_sql,
    default_name,
    is_partitioned,
    month_add,
    month_start,
    partition_name,
)
from .tables import PARTITIONED, Partitioned

log = structlog.get_logger(__name__)

MONTHS_AHEAD = 3
# Detached months moved here when kept in the database (cheaper storage: a tablespace of
# its own can be given to the schema).
ARCHIVE_SCHEMA = "archive"
# A transaction-local switch the dossiers' guard trigger reads: rows moved between
# partitions by this module keep their guard rows as they are.
MOVING = "bhxh.partition_move"


@dataclass(frozen=True)
class PartitionInfo:
    table: str
    name: str
    start: date | None  # None: the DEFAULT partition
    end: date | None
    rows: int  # the planner's estimate (pg_class.reltuples), exact after ANALYZE
    bytes: int


def _postgresql(using: str) -> bool:
    return connections[using].vendor == "postgresql"


def partitions_list(*, using: str = DEFAULT_DB_ALIAS) -> list[PartitionInfo]:
    """Every partition of every partitioned table, months in order, the DEFAULT last."""
    if not _postgresql(using):
        return []
    found = []
    with connections[using].cursor() as cursor:
        for spec in PARTITIONED:
            if not is_partitioned(cursor, spec.table):
                continue
            cursor.execute(
                """
                SELECT c.relname, pg_get_expr(c.relpartbound, c.oid),
                       greatest(c.reltuples, 0)::bigint, pg_total_relation_size(c.oid)
                FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                WHERE i.inhparent = %s::regclass
                """,
                [spec.table],
            )
            for name, bound, rows, size in cursor.fetchall():
                start, end = _bounds_of(bound)
                found.append(PartitionInfo(spec.table, name, start, end, rows, size))
    return sorted(found, key=lambda p: (p.table, p.start is None, p.start or date.min))


def _bounds_of(bound: str) -> tuple[date | None, date | None]:
    # "FOR VALUES FROM ('2026-11-30 17:00:00+00') TO ('2026-12-31 17:00:00+00')" or "DEFAULT"
    if bound == "DEFAULT":
        return None, None
    parts = bound.split("'")
    return _local_date(parts[1]), _local_date(parts[3])


def _local_date(text: str) -> date:
    return timezone.localtime(datetime.fromisoformat(text)).date()


def partitions_ensure(
    *, months_ahead: int = MONTHS_AHEAD, today: date | None = None, using: str = DEFAULT_DB_ALIAS
) -> list[str]:
    """Create this month's partition and the next ``months_ahead`` months' where missing;
    return the names created. Idempotent. Rows of those months already in the DEFAULT
    partition (written before their month had one) move into it."""
    if not _postgresql(using):
        return []
    first = month_start(today or timezone.localdate())
    created = []
    for spec in PARTITIONED:
        with connections[using].cursor() as cursor:
            if not is_partitioned(cursor, spec.table):
                continue
        for n in range(months_ahead + 1):
            month = month_add(first, n)
            if _partition_create(spec, month, using=using):
                created.append(partition_name(spec.table, month))
    if created:
        log.info("partitions_created", partitions=created)
    return created


def _partition_create(spec: Partitioned, month: date, *, using: str) -> bool:
    connection = connections[using]
    q = connection.ops.quote_name
    name = partition_name(spec.table, month)
    start, end = _bound(month), _bound(month_add(month, 1))
    with transaction.atomic(using=using), connection.cursor() as cursor:
        # Creating a partition locks the table briefly; behind a long query it would make
        # every writer queue behind it. Give up instead: the month is made months ahead,
        # the next run makes it.
        cursor.execute("SET LOCAL lock_timeout = '5s'")
        # One creator at a time per table (the lock conflicts with itself, not with reads or
        # writes); a second finds the month there and stops.
        cursor.execute(f"LOCK TABLE {q(spec.table)} IN SHARE UPDATE EXCLUSIVE MODE")
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [name])
        if cursor.fetchone()[0]:
            return False
        default = default_name(spec.table)
        cursor.execute(
            f"SELECT EXISTS (SELECT 1 FROM {q(default)} WHERE {q(spec.key)} >= %s "  # noqa: S608  (names from the spec)
            f"AND {q(spec.key)} < %s)",
            [start, end],
        )
        if not cursor.fetchone()[0]:
            cursor.execute(
                f"CREATE TABLE {q(name)} PARTITION OF {q(spec.table)} {bounds_sql(month)}"
            )
            return True
        # The month's rows sit in DEFAULT: move them into a table of their own, then attach
        # it (PostgreSQL refuses a partition whose rows DEFAULT still holds).
        cursor.execute("SELECT set_config(%s, 'on', true)", [MOVING])
        cursor.execute(
            f"CREATE TABLE {q(name)} (LIKE {q(spec.table)} INCLUDING ALL EXCLUDING INDEXES "
            "EXCLUDING IDENTITY)"
        )
        cursor.execute(
            f"WITH moved AS (DELETE FROM {q(default)} WHERE {q(spec.key)} >= %s "  # noqa: S608
            f"AND {q(spec.key)} < %s RETURNING *) INSERT INTO {q(name)} SELECT * FROM moved",
            [start, end],
        )
        moved = cursor.rowcount
        cursor.execute(
            f"ALTER TABLE {q(spec.table)} ATTACH PARTITION {q(name)} {bounds_sql(month)}"
        )
        cursor.execute("SELECT set_config(%s, 'off', true)", [MOVING])
        log.info("partition_rows_moved_from_default", partition=name, rows=moved)
    return True


def partitions_after_migrate(sender, using=DEFAULT_DB_ALIAS, **kwargs) -> None:
    """``post_migrate``: next months ahead on the database just migrated."""
    if not _postgresql(using):
        return
    with connections[using].cursor() as cursor:
        if not any(is_partitioned(cursor, spec.table) for spec in PARTITIONED):
            return
    partitions_ensure(using=using)


def partition_detach_before(
    before: date,
    *,
    actor=None,
    archive: str = "schema",
    directory: Path | None = None,
    using: str = DEFAULT_DB_ALIAS,
) -> list[PartitionInfo]:
    """Detach every monthly partition that ends on or before ``before`` (a month start).

    ``archive``: ``"schema"`` moves the detached table to the ``archive`` schema (queries on
    the parent no longer see it; it can be attached again); ``"file"`` writes it to
    ``directory/<partition>.copy`` (PostgreSQL's binary COPY format) and drops it. One audit
    entry per month, written in the same transaction as the detach."""
    if archive not in {"schema", "file"}:
        raise ValueError(archive)
    if archive == "file" and directory is None:
        raise ValueError("archive to a file needs a directory")
    if not _postgresql(using):
        return []
    connection = connections[using]
    q = connection.ops.quote_name
    done = []
    for info in partitions_list(using=using):
        if info.end is None or info.end > before:
            continue
        spec = next(s for s in PARTITIONED if s.table == info.table)
        if not spec.detachable:
            continue
        with transaction.atomic(using=using), connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE {q(spec.table)} DETACH PARTITION {q(info.name)}")
            cursor.execute(f"SELECT count(*) FROM {q(info.name)}")  # noqa: S608  (a catalogue name)
            rows = cursor.fetchone()[0]
            if spec.on_detach:
                cursor.execute(spec.on_detach % {"partition": q(info.name)})
            where = ""
            if archive == "schema":
                cursor.execute(f"CREATE SCHEMA IF NOT EXISTS {q(ARCHIVE_SCHEMA)}")
                cursor.execute(f"ALTER TABLE {q(info.name)} SET SCHEMA {q(ARCHIVE_SCHEMA)}")
                where = f"{ARCHIVE_SCHEMA}.{info.name}"
            else:
                directory.mkdir(parents=True, exist_ok=True)
                path = directory / f"{info.name}.copy"
                with (
                    path.open("wb") as out,
                    cursor.copy(f"COPY {q(info.name)} TO STDOUT (FORMAT binary)") as copy,
                ):
                    for chunk in copy:
                        out.write(chunk)
                # Deferred foreign-key checks of rows written earlier in this transaction
                # would keep the table (a caller's transaction; a command's has none).
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute(f"DROP TABLE {q(info.name)}")
                where = path.name
            audit.record(
                actor,
                "partition.detached",
                f"{info.table} {info.start:%m/%Y}",
                data={
                    "table": info.table,
                    "partition": info.name,
                    "from": info.start.isoformat(),
                    "to": info.end.isoformat(),
                    "rows": rows,
                    "archive": archive,
                    "to_place": where,
                },
            )
        log.info("partition_detached", partition=info.name, rows=rows, archive=where)
        done.append(PartitionInfo(info.table, info.name, info.start, info.end, rows, info.bytes))
    return done


def unguarded_links() -> list:
    """Every foreign key into a partitioned table: none can have a database constraint."""
    tables = {spec.table for spec in PARTITIONED}
    return [
        field
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if field.is_relation
        and (field.many_to_one or field.one_to_one)
        and field.related_model._meta.db_table in tables
    ]


def partition_orphans(*, using: str = DEFAULT_DB_ALIAS) -> dict[str, int]:
    """``{"table.column": rows pointing at no row}`` for every link into a partitioned
    table (an anti-join each, a full scan: for the nightly job)."""
    found = {}
    for field in unguarded_links():
        model, target = field.model, field.related_model
        missing = (
            model.objects.using(using)
            .filter(**{f"{field.attname}__isnull": False})
            .filter(~Exists(target.objects.using(using).filter(pk=OuterRef(field.attname))))
            .count()
        )
        found[f"{model._meta.db_table}.{field.column}"] = missing
    return found


def partitions_check(*, using: str = DEFAULT_DB_ALIAS) -> dict[str, int]:
    """The nightly job: months ahead ensured, orphans logged (only those returned)."""
    partitions_ensure(using=using)
    orphans = {name: n for name, n in partition_orphans(using=using).items() if n}
    if orphans:
        log.error("partition_link_orphans", orphans=orphans)
    return orphans
