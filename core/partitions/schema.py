"""Turning a plain table into one partitioned by month (``PARTITION BY RANGE``), in place.

Written for migrations (:func:`table_partition_operation`): PostgreSQL only, a no-op on
SQLite. What changes in the database, with Django's model state untouched:

* the primary key becomes ``(id, <key>)`` (PostgreSQL wants the partition key in every
  unique index of a partitioned table); ``id`` still comes from its sequence, so it stays
  unique and Django keeps it as the model's primary key;
* each unique index without the key is made per partition (the key appended), dropped, or
  kept as a plain index per month for lookups (its guarantee then kept by a guard table
  the migration builds), as the migration says for that set of columns: an unlisted one
  stops the migration, nobody loses a guarantee by accident;
* foreign keys *into* the table are dropped (they would need the key too): the models
  declare them ``db_constraint=False`` and ``services.partition_orphans`` checks them;
* every other index, check and outgoing foreign key is made again on the new table; the
  rows are copied into one partition per month that has rows, plus this month and the
  next ones, plus a DEFAULT partition for anything outside them.
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import migrations

from .tables import Partitioned

PER_PARTITION = "per_partition"  # unique per month: the key appended to the columns
DROP = "drop"  # kept elsewhere (a guard table the migration builds), or not needed
# Unique over all months in a guard table, and still an index (not unique) in each month
# for the queries that look rows up by those columns: ``<name>_lookup``.
LOOKUP = "lookup"


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_add(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def partition_name(table: str, month: date) -> str:
    return f"{table}_p{month:%Y_%m}"


def default_name(table: str) -> str:
    return f"{table}_default"


def is_partitioned(cursor, table: str) -> bool:
    cursor.execute("SELECT 1 FROM pg_partitioned_table WHERE partrelid = to_regclass(%s)", [table])
    return cursor.fetchone() is not None


def _uniques(cursor, table: str) -> list[tuple[str, list[str], bool, str]]:
    """(name, columns, is_constraint, predicate) of each unique index but the primary key."""
    cursor.execute(
        """
        SELECT ci.relname,
               ARRAY(SELECT a.attname FROM unnest(i.indkey) WITH ORDINALITY k(n, o)
                     JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.n
                     ORDER BY k.o),
               c.oid IS NOT NULL,
               coalesce(pg_get_expr(i.indpred, i.indrelid), '')
        FROM pg_index i JOIN pg_class ci ON ci.oid = i.indexrelid
        LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid
        WHERE i.indrelid = %s::regclass AND i.indisunique AND NOT i.indisprimary
        """,
        [table],
    )
    return [(name, list(cols), bool(con), pred) for name, cols, con, pred in cursor.fetchall()]


def table_partition(
    connection, spec: Partitioned, *, uniques: dict[tuple[str, ...], str], today: date
) -> list[str]:
    """Convert ``spec.table`` in place; return the foreign keys into it that were dropped
    (``table.constraint``). Idempotent: a table already partitioned is left alone."""
    table, key = spec.table, spec.key
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        if is_partitioned(cursor, table):
            return []
        found = _uniques(cursor, table)
        for name, columns, _constraint, _pred in found:
            if tuple(columns) not in uniques:
                raise ValueError(f"{table}: unique {name} {columns} needs a decision")
        cursor.execute(
            """
            SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i
            WHERE i.indrelid = %s::regclass AND NOT i.indisunique AND NOT i.indisprimary
            """,
            [table],
        )
        index_defs = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'f'",
            [table],
        )
        outgoing = cursor.fetchall()
        cursor.execute(
            "SELECT conrelid::regclass::text, conname FROM pg_constraint "
            "WHERE confrelid = %s::regclass AND contype = 'f' AND conrelid <> confrelid",
            [table],
        )
        incoming = [f"{t}.{c}" for t, c in cursor.fetchall()]
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        sequence = cursor.fetchone()[0]
        cursor.execute(f"SELECT last_value, is_called FROM {sequence}")  # noqa: S608  (the catalogue's name)
        last_value, is_called = cursor.fetchone()
        cursor.execute(
            f"SELECT DISTINCT date_trunc('month', {q(key)} AT TIME ZONE %s)::date "  # noqa: S608  (names from the spec)
            f"FROM {q(table)}",
            [settings.TIME_ZONE],
        )
        months = {row[0] for row in cursor.fetchall()}
        this_month = month_start(today)
        months |= {month_add(this_month, n) for n in range(-1, 4)}

        new = f"{table}__partitioned"
        cursor.execute(
            f"CREATE TABLE {q(new)} (LIKE {q(table)} INCLUDING ALL EXCLUDING INDEXES "
            f"EXCLUDING IDENTITY) PARTITION BY RANGE ({q(key)})"
        )
        for month in sorted(months):
            cursor.execute(
                f"CREATE TABLE {q(partition_name(table, month))} PARTITION OF {q(new)} "
                f"{bounds_sql(month)}"
            )
        cursor.execute(f"CREATE TABLE {q(default_name(table))} PARTITION OF {q(new)} DEFAULT")
        cursor.execute(f"INSERT INTO {q(new)} SELECT * FROM {q(table)}")  # noqa: S608
        cursor.execute(f"DROP TABLE {q(table)} CASCADE")
        cursor.execute(f"ALTER TABLE {q(new)} RENAME TO {q(table)}")
        seq = f"{table}_id_seq"
        cursor.execute(f"CREATE SEQUENCE {q(seq)} AS bigint OWNED BY {q(table)}.id")
        cursor.execute("SELECT setval(%s, %s, %s)", [seq, last_value, is_called])
        cursor.execute(
            f"ALTER TABLE {q(table)} ALTER COLUMN id SET DEFAULT nextval('{seq}'::regclass)"
        )
        cursor.execute(f"ALTER TABLE {q(table)} ADD PRIMARY KEY (id, {q(key)})")
        for sql in index_defs:
            cursor.execute(sql)
        for name, columns, _constraint, pred in found:
            where = f" WHERE {pred}" if pred else ""
            if uniques[tuple(columns)] == PER_PARTITION:
                cols = ", ".join(q(c) for c in (*columns, key))
                cursor.execute(f"CREATE UNIQUE INDEX {q(name)} ON {q(table)} ({cols}){where}")
            elif uniques[tuple(columns)] == LOOKUP:
                cols = ", ".join(q(c) for c in columns)
                cursor.execute(f"CREATE INDEX {q(name + '_lookup')} ON {q(table)} ({cols}){where}")
        for name, definition in outgoing:
            cursor.execute(f"ALTER TABLE {q(table)} ADD CONSTRAINT {q(name)} {definition}")
        cursor.execute(f"ANALYZE {q(table)}")
    return incoming


def _bound(month: date) -> str:
    """Midnight starting ``month`` in the portal's time zone: a month is the month people
    and reports mean (a dossier received at 06:00 on the 1st in Hà Nội is the new month's)."""
    start = datetime.combine(month, time.min, tzinfo=ZoneInfo(settings.TIME_ZONE))
    return start.isoformat(sep=" ")


def bounds_sql(month: date) -> str:
    """``FOR VALUES FROM (…) TO (…)`` of ``month``, as literals: DDL takes no parameters."""
    return f"FOR VALUES FROM ('{_bound(month)}') TO ('{_bound(month_add(month, 1))}')"


def table_unpartition(schema_editor, model, spec: Partitioned) -> None:
    """Back to one plain table, as the model's historical state makes it (its primary key,
    uniques, indexes and outgoing foreign keys from that state), rows and ids kept. For
    migrating back (a test that replays older migrations); the guards are dropped first."""
    connection = schema_editor.connection
    table, q = spec.table, connection.ops.quote_name
    rows = f"{table}__rows"
    with connection.cursor() as cursor:
        if not is_partitioned(cursor, table):
            return
        cursor.execute(f"CREATE TABLE {q(rows)} AS SELECT * FROM {q(table)}")  # noqa: S608
        cursor.execute(f"DROP TABLE {q(table)} CASCADE")  # its partitions and its sequence
    schema_editor.create_model(model)
    columns = ", ".join(q(field.column) for field in model._meta.local_concrete_fields)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {q(table)} ({columns}) SELECT {columns} FROM {q(rows)}"  # noqa: S608
        )
        cursor.execute(f"DROP TABLE {q(rows)}")
        last = f"SELECT coalesce(max(id), 0) + 1 FROM {q(table)}"  # noqa: S608  (the spec's name)
        cursor.execute(f"SELECT setval(pg_get_serial_sequence(%s, 'id'), ({last}), false)", [table])


def table_partition_operation(
    spec: Partitioned,
    *,
    uniques: dict[tuple[str, ...], str],
    sql_after: str = "",
    model: tuple[str, str] | None = None,
    sql_undo: str = "",
) -> migrations.RunPython:
    """A migration step converting ``spec.table`` on PostgreSQL (then ``sql_after``, the
    guards it needs); nothing elsewhere. Going back (``model``: its app label and name;
    ``sql_undo`` drops the guards) makes the plain table of the model's state again."""

    def backwards(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql" or model is None:
            return
        if sql_undo:
            with schema_editor.connection.cursor() as cursor:
                cursor.execute(sql_undo)
        table_unpartition(schema_editor, apps.get_model(*model), spec)

    def forwards(apps, schema_editor):
        connection = schema_editor.connection
        if connection.vendor != "postgresql":
            return
        from django.utils import timezone

        with connection.cursor() as cursor:
            already = is_partitioned(cursor, spec.table)
        table_partition(connection, spec, uniques=uniques, today=timezone.localdate())
        if sql_after and not already:
            with connection.cursor() as cursor:
                cursor.execute(sql_after)

    return migrations.RunPython(forwards, backwards, elidable=False)
