"""The portal's hand-written SQL, for the hot paths where the ORM's cost was measured.

* :func:`rows_insert_linked` — a row and the rows that point at it, in one statement: intake
  writes a dossier with its files, receipt, e-mail outbox row and audit entry; the ORM needs
  an INSERT per table and BEGIN / COMMIT around them, several times the cost of one
  statement. Also every audit entry alone (``accounts.audit.record``).
* :func:`rows_insert_columns` — thousands of rows of one model from plain dicts, in one
  ``INSERT … SELECT FROM unnest(…)``: building that many model instances costs more than the
  write (accepting a 1,000-row 600 writes ≈ 5,000 rows).
* :func:`row_insert_if_absent` — INSERT … ON CONFLICT DO NOTHING that says whether the row
  went in (no ORM call does: the API's ``Idempotency-Key`` claim, outbox rows).
* :func:`rows_upsert_newer` — INSERT … ON CONFLICT DO UPDATE that keeps the newer of two
  rows (the office dashboard's snapshots, stored by the periodic job and by pages).
* :func:`row_update` — an UPDATE of some fields of one row by its key, without the ORM's
  compiling on every call (a signing session's state).
* ``field__any_of=[…]`` (:class:`AnyOf`) — ``IN`` with one array parameter on PostgreSQL
  (``= ANY(%s)``) instead of one placeholder per value: acceptance looks up a list's
  thousand people at once.
* :func:`instances_fetch` — model instances from one hand-written SELECT, for the reads
  every dossier pays (intake's employer lookup, the API's token, the providers' webhooks):
  built and compiled by the ORM each time they cost ≈ 2 ms against ≈ 0.2 ms for the round
  trip itself. Each caller keeps the queryset it stands for, and a test compares the two.

Figures: benchmarks/README.md, 2026-12-07. Public API only: each field's ``pre_save``,
``get_db_prep_save`` and ``Model.from_db`` (as the ORM loads and saves), Django's cursor;
psycopg prepares the statements (``OPTIONS`` in ``portal.settings.base``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import orjson
from django.db import connections, models, router, transaction
from django.db.models.lookups import In


@dataclass(frozen=True)
class Children:
    """Rows of one model written with their parent by :func:`rows_insert_linked`.

    ``link``: the field that takes the parent's primary key, a foreign key to it or a text
    field (an audit entry's ``target_id``); None for rows that only share the statement."""

    objs: list
    link: str | None = None


def rows_insert_linked(parent: models.Model, *children: Children) -> None:
    """INSERT the unsaved ``parent`` and every group of ``children``, each child's ``link``
    set to the parent's new key, and set every primary key.

    On PostgreSQL one statement (data-modifying ``WITH`` queries), atomic by itself even
    outside a transaction; elsewhere ``bulk_create`` per model in one transaction. No
    ``save()`` override or ``pre_save``/``post_save`` signal runs: a caller does that work
    itself."""
    children = tuple(c for c in children if c.objs)
    for child in children:
        if child.link:
            type(child.objs[0])._meta.get_field(child.link)  # FieldDoesNotExist before any write
    using = router.db_for_write(type(parent))
    connection = connections[using]
    if connection.vendor != "postgresql":
        with transaction.atomic(using=using, savepoint=False):
            type(parent).objects.using(using).bulk_create([parent])
            for child in children:
                _link_fill(child, parent.pk)
                type(child.objs[0]).objects.using(using).bulk_create(child.objs)
        return
    shape = (type(parent), tuple((type(c.objs[0]), len(c.objs), c.link) for c in children))
    sql, fields_of = _statement(shape, using)
    params = [f.get_db_prep_save(f.pre_save(parent, True), connection) for f in fields_of[0]]
    for child, fields in zip(children, fields_of[1:], strict=True):
        params += [
            f.get_db_prep_save(f.pre_save(obj, True), connection)
            for obj in child.objs
            for f in fields
        ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    keys: dict[int, list] = {}
    for index, key in rows:
        keys.setdefault(index, []).append(key)
    _saved(parent, keys[0][0], using)
    for index, child in enumerate(children, start=1):
        _link_fill(child, parent.pk)
        for obj, key in zip(child.objs, keys[index], strict=True):
            _saved(obj, key, using)


PLAIN_TYPES = frozenset(
    {
        "AutoField", "BigAutoField", "BigIntegerField", "BooleanField", "CharField",
        "DateField", "DateTimeField", "DecimalField", "ForeignKey", "IntegerField",
        "OneToOneField", "PositiveBigIntegerField", "PositiveIntegerField",
        "PositiveSmallIntegerField", "SlugField", "SmallIntegerField", "TextField",
    }
)  # fmt: skip


@models.Field.register_lookup
class AnyOf(In):
    """``field__any_of=values`` (a list): ``IN`` everywhere; on PostgreSQL ``field = ANY(%s)``
    with the values as one typed array, one parameter however many values."""

    lookup_name = "any_of"

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        field = self.lhs.output_field
        # ``rhs`` is already prepared, value by value (``In.get_prep_lookup``).
        values = [field.get_db_prep_value(v, connection, prepared=True) for v in self.rhs]
        return f"{lhs} = ANY(%s::{field.rel_db_type(connection)}[])", (*lhs_params, values)


# Foreign keys look up only their own class's lookups, not Field's.
models.ForeignObject.register_lookup(AnyOf)


# From this many rows on, COPY instead of INSERT … unnest.
COPY_FROM = 200


def rows_insert_columns(model: type[models.Model], rows: list[dict], *, keys: bool = True) -> list:
    """INSERT ``rows`` (each a dict of field attnames to values; a missing field takes its
    default) into ``model``'s table and return their new keys, in order (``keys=False``: no
    keys wanted, none drawn). On PostgreSQL one statement, each column sent as one typed
    array; elsewhere ``bulk_create``. No ``save()`` or signal runs."""
    if not rows:
        return []
    using = router.db_for_write(model)
    connection = connections[using]
    if connection.vendor != "postgresql":
        objs = [model(**row) for row in rows]
        model.objects.using(using).bulk_create(objs)
        return [obj.pk for obj in objs] if keys else []
    copying = len(rows) >= COPY_FROM
    order, tuples = _row_tuples(_columns(model), rows, connection, copying=copying)
    quote = connection.ops.quote_name
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    names = ", ".join(quote(f.column) for f in order)
    with connection.cursor() as cursor:
        if not copying:
            arrays = ", ".join(f"%s::{f.db_type(connection)}[]" for f in order)
            cursor.execute(
                f"INSERT INTO {table} ({names}) SELECT * FROM unnest({arrays}) RETURNING {pk}",  # noqa: S608  (names from the model's metadata, values as parameters)
                [list(column) for column in zip(*tuples, strict=True)],
            )
            return [row[0] for row in cursor.fetchall()] if keys else []
        # Many rows: COPY (psycopg's copy(), its rows formatted in C), several times cheaper
        # than the INSERT's arrays; the keys, when wanted, drawn from the table's sequence.
        if not keys:
            with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:  # noqa: S608  (names from the model's metadata)
                for row in tuples:
                    copy.write_row(row)
            return []
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, model._meta.pk.column, len(rows)],
        )
        drawn = [row[0] for row in cursor.fetchall()]
        with cursor.copy(f"COPY {table} ({pk}, {names}) FROM STDIN") as copy:  # noqa: S608  (names from the model's metadata)
            for key, row in zip(drawn, tuples, strict=True):
                copy.write_row((key, *row))
        return drawn


def _row_tuples(
    fields: list, rows: list[dict], connection, *, copying: bool = False
) -> tuple[list, list[tuple]]:
    """``rows`` as tuples of database values, and the fields in the tuples' order. Values of
    the plain types go to psycopg as they are (the caller passes aware datetimes, dates,
    Decimals, ints, str); the others through their field; a field no row names takes its
    default. ``copying``: JSON values go as their text (COPY reads every column as text),
    written by orjson instead of one psycopg JSON adapter per value."""
    first = rows[0].keys()
    if any(row.keys() != first for row in rows):
        # Rows with different keys: each value on its own (a field's default where absent).
        def value(f, row):
            if f.attname in row:
                return f.get_db_prep_save(row[f.attname], connection)
            return f.get_db_prep_save(f.get_default(), connection)

        return fields, [tuple(value(f, row) for f in fields) for row in rows]
    plain = [f for f in fields if f.attname in first and f.get_internal_type() in PLAIN_TYPES]
    prepared = [f for f in fields if f.attname in first and f not in plain]
    absent = [f for f in fields if f.attname not in first]
    fixed = tuple(
        f.get_db_prep_save(f.get_default(), connection)
        for f in absent
        if not (f.has_default() and callable(f.default))
    )
    generated = [f for f in absent if f.has_default() and callable(f.default)]
    fixed_fields = [f for f in absent if f not in generated]
    names = [f.attname for f in plain]

    as_text = {
        f for f in prepared if copying and f.get_internal_type() == "JSONField" and not f.encoder
    }

    def prep(f, value):
        if f in as_text and value is not None:
            return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
        return f.get_db_prep_save(value, connection)

    tuples = []
    for row in rows:
        tuples.append(
            (
                *map(row.__getitem__, names),
                *(prep(f, row[f.attname]) for f in prepared),
                *(f.get_db_prep_save(f.default(), connection) for f in generated),
                *fixed,
            )
        )
    return plain + prepared + generated + fixed_fields, tuples


def row_insert_if_absent(obj: models.Model, unique: tuple[str, ...]) -> bool:
    """INSERT the unsaved ``obj`` unless a row with the same ``unique`` fields (a unique
    constraint's) exists; True, with ``obj.pk`` set, when it went in. Like a plain INSERT, it
    waits for an uncommitted row with the same values, then skips it (committed) or goes in
    (rolled back); no savepoint needed. PostgreSQL and SQLite (both know ON CONFLICT)."""
    using = router.db_for_write(type(obj))
    sql, fields = _insert_if_absent_statement(type(obj), unique, using)
    row, _ = _row_statement(obj, sql, fields, using=using, adding=True)
    if row is None:
        return False
    _saved(obj, row[0], using)
    return True


@functools.cache
def _insert_if_absent_statement(model, unique: tuple[str, ...], using: str) -> tuple[str, list]:
    quote = connections[using].ops.quote_name
    fields = _columns(model)
    conflict = ", ".join(quote(model._meta.get_field(name).column) for name in unique)
    return (
        f"INSERT INTO {quote(model._meta.db_table)} "  # noqa: S608  (names from the models' metadata, values as parameters)
        f"({', '.join(quote(f.column) for f in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))}) "
        f"ON CONFLICT ({conflict}) DO NOTHING RETURNING {quote(model._meta.pk.column)}"
    ), fields


def rows_upsert_newer(
    objs: list[models.Model], *, unique: str, newer: str, using: str | None = None
) -> None:
    """INSERT the unsaved ``objs``; where a row with the same ``unique`` field exists, its
    other columns are replaced only when its ``newer`` field is not after the new one: of
    two writers finishing in either order, the later value stays (a cache several
    processes store). PostgreSQL and SQLite (both know ON CONFLICT … DO UPDATE … WHERE)."""
    if not objs:
        return
    model = type(objs[0])
    using = using or router.db_for_write(model)
    connection = connections[using]
    quote = connection.ops.quote_name
    fields = _columns(model)
    table = quote(model._meta.db_table)
    key, stamp = (quote(model._meta.get_field(n).column) for n in (unique, newer))
    updates = ", ".join(f"{quote(f.column)} = excluded.{quote(f.column)}" for f in fields)
    for start in range(0, len(objs), 500):
        chunk = objs[start : start + 500]
        row = "(" + ", ".join(["%s"] * len(fields)) + ")"
        params = [
            f.get_db_prep_save(f.pre_save(o, True), connection) for o in chunk for f in fields
        ]
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(quote(f.column) for f in fields)}) "  # noqa: S608  (names from the models' metadata, values as parameters)
                f"VALUES {', '.join([row] * len(chunk))} "
                f"ON CONFLICT ({key}) DO UPDATE SET {updates} "
                f"WHERE {table}.{stamp} <= excluded.{stamp}",
                params,
            )


def row_update(obj: models.Model, fields: tuple[str, ...]) -> int:
    """UPDATE ``fields`` of the saved ``obj``'s row to its values (as ``save(update_fields=…)``
    writes them, without its signals); the number of rows changed (0: the row is gone)."""
    using = router.db_for_write(type(obj))
    sql, targets = _update_statement(type(obj), fields, using)
    # The key as its field sends it (a UUID key is text on SQLite, which binds no UUID).
    key = obj._meta.pk.get_db_prep_value(obj.pk, connections[using])
    _, changed = _row_statement(obj, sql, targets, using=using, adding=False, after=(key,))
    return changed


def _row_statement(obj, sql: str, fields, *, using: str, adding: bool, after=()) -> tuple:
    """Run ``sql`` with ``obj``'s values of ``fields`` (as the ORM saves them), then
    ``after``: (the first row returned or None, the number of rows changed)."""
    connection = connections[using]
    params = [f.get_db_prep_save(f.pre_save(obj, adding), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *after])
        return (cursor.fetchone() if cursor.description else None), cursor.rowcount


@functools.cache
def _update_statement(model, fields: tuple[str, ...], using: str) -> tuple[str, list]:
    quote = connections[using].ops.quote_name
    targets = [model._meta.get_field(name) for name in fields]
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in targets)
    return (
        f"UPDATE {quote(model._meta.db_table)} SET {assignments} "  # noqa: S608  (names from the models' metadata, values as parameters)
        f"WHERE {quote(model._meta.pk.column)} = %s"
    ), targets


def select_columns(model: type[models.Model], alias: str) -> str:
    """Every concrete column of ``model`` as ``alias."col", …``, in the order
    :func:`instances_fetch` reads them."""
    quote = connections[router.db_for_read(model)].ops.quote_name
    return ", ".join(f"{alias}.{quote(f.column)}" for f in model._meta.concrete_fields)


def instances_fetch(sql: str, params, models_: tuple, *, using: str = "default") -> list[tuple]:
    """Run ``sql`` (a SELECT of :func:`select_columns` for each of ``models_``, in order,
    then any other values) and answer each row as (instance or None for each model, then
    the other values). An instance is None when its key is NULL (an outer join found none).

    PostgreSQL only: psycopg hands each column over in its Python type, and a field's own
    ``from_db_value`` (JSON) is applied, as the ORM loads it; elsewhere a caller runs its
    queryset instead."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        raise NotImplementedError("instances_fetch reads PostgreSQL's typed columns")
    layout = [_layout(model) for model in models_]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    out = []
    for row in rows:
        items, start = [], 0
        for model, names, pk_at, converted in layout:
            values = row[start : start + len(names)]
            start += len(names)
            if values[pk_at] is None:
                items.append(None)
                continue
            if converted:
                values = list(values)
                for at, field in converted:
                    values[at] = field.from_db_value(values[at], None, connection)
            items.append(model.from_db(using, names, values))
        out.append((*items, *row[start:]))
    return out


@functools.cache
def _layout(model: type[models.Model]) -> tuple:
    fields = model._meta.concrete_fields
    names = [f.attname for f in fields]
    converted = tuple((i, f) for i, f in enumerate(fields) if hasattr(f, "from_db_value"))
    return model, names, names.index(model._meta.pk.attname), converted


def _saved(obj: models.Model, key, using: str) -> None:
    # As Model.from_db() leaves a loaded instance.
    obj.pk = key
    obj._state.adding = False
    obj._state.db = using


def _link_fill(child: Children, key) -> None:
    if child.link is None:
        return
    field = type(child.objs[0])._meta.get_field(child.link)
    value = key if field.is_relation else str(key)
    for obj in child.objs:
        setattr(obj, field.attname, value)


def _columns(model: type[models.Model]) -> list:
    return [
        f
        for f in model._meta.get_fields()
        if f.concrete and not f.primary_key and not getattr(f, "generated", False)
    ]


@functools.cache
def _statement(shape: tuple, using: str) -> tuple[str, list]:
    """The ``WITH p0 AS (INSERT … RETURNING id), p1 AS (…) SELECT …`` of one shape (the
    models, row counts and links), and the fields whose values each part takes."""
    parent_model, children = shape
    quote = connections[using].ops.quote_name
    parent_pk = quote(parent_model._meta.pk.column)
    parts, fields_of, selects = [], [], []
    for index, (model, count, link) in enumerate(((parent_model, 1, None), *children)):
        if not isinstance(model._meta.pk, models.AutoField | models.BigAutoField):
            raise ValueError(f"rows_insert_linked needs an integer key on {model._meta.label}")
        columns = _columns(model)
        linked = model._meta.get_field(link) if link else None
        key = parent_pk if linked is None or linked.is_relation else f"CAST({parent_pk} AS text)"
        value = f"(SELECT {key} FROM p0)"  # noqa: S608  (names from the models' metadata)
        row = "(" + ", ".join(value if f is linked else "%s" for f in columns) + ")"
        names = ", ".join(quote(f.column) for f in columns)
        pk = quote(model._meta.pk.column)
        parts.append(
            f"p{index} AS (INSERT INTO {quote(model._meta.db_table)} ({names}) "  # noqa: S608  (names from the models' metadata, values as parameters)
            f"VALUES {', '.join([row] * count)} RETURNING {pk})"
        )
        fields_of.append([f for f in columns if f is not linked])
        selects.append(f"SELECT {index}, {pk} FROM p{index}")  # noqa: S608  (names from the models' metadata)
    return "WITH " + ", ".join(parts) + " " + " UNION ALL ".join(selects), fields_of
