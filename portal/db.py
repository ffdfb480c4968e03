"""Row inserts and prepared lookups for the hot paths (intake, the I-VAN API, the audit
log, the outbox).

``Model.objects.create()`` builds and compiles a fresh INSERT query every time; on the
intake path that was about 1 ms of Python per row, more than the database's own work.
:func:`rows_insert` writes the same rows with one ``INSERT … RETURNING`` whose SQL is built
once per model and shape from the model's metadata: field defaults, ``pre_save`` (auto
dates) and each field's own conversion to the database still apply.
:func:`rows_insert_linked` writes a row and the rows that point at it (a dossier, its files,
its receipt, its audit entry…) in one statement. What it skips:
``save()`` overrides and the ``pre_save``/``post_save`` signals (the portal registers none
for models), so a caller inserting a model with its own ``save()`` does its work itself.
:class:`PreparedQuery` does for a lookup what :func:`rows_insert` does for an INSERT.
"""

from __future__ import annotations

import contextlib
import copy
import datetime
import functools
import threading
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connections, models, router, transaction
from django.db.backends.utils import CursorDebugWrapper
from django.db.models.query import get_related_populators


def hot_cursor(connection):
    """A cursor for the statements run on every request of the hot paths.

    On PostgreSQL its statements are prepared (parsed and planned once per connection;
    planning the intake's employer lookup cost more than running it) and its parameters
    bound by the server: bytes travel as they are, not as hex inside the SQL text, which
    the server would parse back. Django's own cursors bind on the client (its default);
    this one is wrapped like them (query log, database errors as Django's)."""
    if connection.vendor != "postgresql":
        return connection.cursor()
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    raw = connection.connection
    if raw.prepare_threshold is None:
        # Django turns psycopg's preparation off (threshold None), which ignores even an
        # explicit prepare=True. A threshold no query reaches prepares only these ones.
        raw.prepare_threshold = _NEVER_BY_COUNT
    with connection.wrap_database_errors:
        return connection._prepare_cursor(_prepared_cursor_class()(raw))


_NEVER_BY_COUNT = 2**62


@functools.lru_cache(maxsize=512)
def _numbered(sql: str) -> str:
    """``sql`` with Django's ``%s`` placeholders as ``$1``, ``$2``… and ``%%`` as ``%``."""
    out, number, i = [], 0, 0
    while True:
        j = sql.find("%", i)
        if j < 0:
            out.append(sql[i:])
            return "".join(out)
        out.append(sql[i:j])
        mark = sql[j + 1 : j + 2]
        if mark == "%":
            out.append("%")
        elif mark == "s":
            number += 1
            out.append(f"${number}")
        else:
            raise ValueError(f"unsupported placeholder %{mark} in {sql[:80]!r}")
        i = j + 2


@functools.cache
def _prepared_cursor_class():
    import psycopg
    from django.db.backends.postgresql.base import CursorMixin

    class PreparedCursor(CursorMixin, psycopg.RawCursor):
        # A raw cursor takes the server's own $1 placeholders: the hot statements are
        # numbered once (below), not split again on every call; psycopg caches that only
        # for statements under 4 kB, and the intake's write is longer.
        def execute(self, query, params=None, *, prepare=None, binary=None):
            return super().execute(_numbered(query), params, prepare=True, binary=binary)

        def _send_query_prepared(self, name, pgq, *, binary=None):
            # psycopg leaves ``_query`` unset for a prepared statement; Django's query log
            # (and the tests' query counts) read the statement from it.
            super()._send_query_prepared(name, pgq, binary=binary)
            self._query = pgq

    return PreparedCursor


@functools.cache
def _insert_sql(
    model: type[models.Model],
    using: str,
    count: int,
    conflict: str | None,
    link: tuple[str, str] | None = None,
):
    """``INSERT … RETURNING pk`` for ``count`` rows and the fields given as parameters.

    ``link``: (field name, SQL expression) — that field takes the expression instead of a
    parameter (the parent's key in :func:`rows_insert_linked`)."""
    meta = model._meta
    columns = [f for f in meta.concrete_fields if not f.primary_key]
    linked = meta.get_field(link[0]) if link else None
    if linked is not None and linked not in columns:
        raise ValueError(f"{meta.label}.{link[0]} is not a column")
    quote = connections[using].ops.quote_name
    row = "(" + ", ".join(link[1] if f is linked else "%s" for f in columns) + ")"
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in columns)}) "  # noqa: S608  (names from the model's metadata, values as parameters)
        f"VALUES {', '.join([row] * count)}"
    )
    if conflict:
        sql += f" ON CONFLICT ({quote(meta.get_field(conflict).column)}) DO NOTHING"
    sql += f" RETURNING {quote(meta.pk.column)}"
    return sql, [f for f in columns if f is not linked]


def rows_insert(objs: list[models.Model], *, conflict: str | None = None) -> list:
    """INSERT the unsaved instances ``objs`` (one model) in one statement; set and return
    their primary keys.

    ``conflict``: the name of a unique field; a row whose value is already there is skipped
    (``ON CONFLICT … DO NOTHING``) and its instance keeps ``pk = None`` (one row only).
    """
    if not objs:
        return []
    model = type(objs[0])
    if conflict and len(objs) != 1:
        raise ValueError("conflict= takes one row")
    using = router.db_for_write(model)
    connection = connections[using]
    sql, fields = _insert_sql(model, using, len(objs), conflict)
    params = [f.get_db_prep_save(f.pre_save(obj, True), connection) for obj in objs for f in fields]
    with hot_cursor(connection) as cursor:
        cursor.execute(sql, params)
        keys = [row[0] for row in cursor.fetchall()]
    if len(keys) != len(objs):  # a conflict skipped the one row
        return [None]
    for obj, key in zip(objs, keys, strict=True):
        obj.pk = key
        obj._state.adding = False
        obj._state.db = using
    return keys


@dataclass(frozen=True)
class Linked:
    """Rows of one model written with their parent by :func:`rows_insert_linked`.

    ``link``: the name of the field that takes the parent's primary key, a foreign key to
    it or a text field (an audit entry's ``target_id``); ``conflict``: as for
    :func:`rows_insert` (one row)."""

    objs: list
    link: str | None = None
    conflict: str | None = None


def rows_insert_linked(parent: models.Model, *groups: Linked) -> None:
    """INSERT the unsaved ``parent`` and every group of rows, each row's ``link`` filled
    with the parent's new primary key; set every primary key (``None`` for a row a conflict
    skipped).

    Atomic even outside a transaction. On PostgreSQL it is one statement (data-modifying
    ``WITH`` queries): one round trip for what took one per table, and, outside a
    transaction, no BEGIN and COMMIT round trips either. Elsewhere, one INSERT per group in
    one transaction."""
    groups = tuple(g for g in groups if g.objs)
    for group in groups:
        if group.conflict and len(group.objs) != 1:
            raise ValueError("conflict= takes one row")
        if group.link:
            type(group.objs[0])._meta.get_field(group.link)  # FieldDoesNotExist before any write
    model = type(parent)
    using = router.db_for_write(model)
    connection = connections[using]
    if connection.vendor != "postgresql":
        with transaction.atomic(using=using, savepoint=False):
            rows_insert([parent])
            for group in groups:
                _link_fill(group, parent.pk)
                rows_insert(group.objs, conflict=group.conflict)
        return
    shape = (model, tuple((type(g.objs[0]), len(g.objs), g.link, g.conflict) for g in groups))
    sql, fields_of = _linked_sql(shape, using)
    params = [f.get_db_prep_save(f.pre_save(parent, True), connection) for f in fields_of[0]]
    for group, fields in zip(groups, fields_of[1:], strict=True):
        params += [
            f.get_db_prep_save(f.pre_save(obj, True), connection)
            for obj in group.objs
            for f in fields
        ]
    with hot_cursor(connection) as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    keys: dict[int, list] = {}
    for index, key in rows:
        keys.setdefault(index, []).append(key)
    _saved(parent, keys[0][0], using)
    for index, group in enumerate(groups, start=1):
        _link_fill(group, parent.pk)
        found = keys.get(index, [])
        if len(found) != len(group.objs):  # a conflict skipped the one row
            continue
        for obj, key in zip(group.objs, found, strict=True):
            _saved(obj, key, using)


def _saved(obj, key, using) -> None:
    obj.pk = key
    obj._state.adding = False
    obj._state.db = using


def _link_fill(group: Linked, key) -> None:
    if group.link is None:
        return
    field = type(group.objs[0])._meta.get_field(group.link)
    value = key if field.is_relation else str(key)
    for obj in group.objs:
        setattr(obj, field.attname, value)


@functools.cache
def _linked_sql(shape: tuple, using: str) -> tuple[str, list]:
    parent_model, children = shape
    for model in (parent_model, *(child[0] for child in children)):
        # The keys come back together in one column.
        if not isinstance(model._meta.pk, models.AutoField | models.BigAutoField):
            raise ValueError(
                f"rows_insert_linked needs an integer primary key on {model._meta.label}"
            )
    quote = connections[using].ops.quote_name
    parent_pk = quote(parent_model._meta.pk.column)
    sql, fields = _insert_sql(parent_model, using, 1, None)
    ctes, fields_of = [f"p0 AS ({sql})"], [fields]
    selects = [f"SELECT 0, {parent_pk} FROM p0"]  # noqa: S608  (names from the models' metadata)
    for index, (model, count, link, conflict) in enumerate(children, start=1):
        linked = None
        if link:
            as_text = not model._meta.get_field(link).is_relation
            key = f"CAST({parent_pk} AS text)" if as_text else parent_pk
            linked = (link, f"(SELECT {key} FROM p0)")  # noqa: S608  (names from the models' metadata)
        sql, fields = _insert_sql(model, using, count, conflict, linked)
        ctes.append(f"p{index} AS ({sql})")
        fields_of.append(fields)
        pk = quote(model._meta.pk.column)
        selects.append(f"SELECT {index}, {pk} FROM p{index}")  # noqa: S608  (names from the models' metadata)
    return "WITH " + ", ".join(ctes) + " " + " UNION ALL ".join(selects), fields_of


class PreparedQuery:
    """A queryset compiled to SQL once and run again with other values.

    Building and compiling a queryset with joins, subqueries and annotations costs a few
    milliseconds of Python, on every call; for the lookups every intake and every API call
    makes, that was more than the database's own work. ``build(**values)`` returns the
    queryset; it is compiled once per shape with stand-in values, whose places among the
    query's parameters are then filled with the real ones, converted as Django converts a
    value of that type. The rows become model instances as the queryset would make them
    (``select_related`` objects and annotations included).

    The shape: ``build`` may branch on a value that is ``None``, ``True`` or ``False``
    (each combination is compiled apart), never on the content of any other value. A value
    the query transforms (``__icontains``, a ``Lower()``…) has no place of its own among
    the parameters: refused at the first call with ``ValueError``.
    """

    def __init__(self, build: Callable[..., models.QuerySet]):
        self._build = build
        self._compiled: dict[tuple, tuple] = {}
        self._lock = threading.Lock()

    def first(self, **values):
        """The first instance the query finds with these values, or None."""
        found = self._run(values, first=True)
        return found[0] if found else None

    def all(self, **values) -> list:
        """Every instance the query finds with these values."""
        return self._run(values, first=False)

    def start(self, **values) -> PendingQuery:
        """Send the query now and read what it finds later (``first()`` / ``all()`` of the
        answer), so the database works while the caller does. Use it as a context manager:
        an answer left unread is read and dropped on the way out, which the connection
        needs before its next statement."""
        compiler, sql, params = self._bound(values)
        return PendingQuery(self, compiler, sql, params)

    def _bound(self, values: dict) -> tuple:
        shape = tuple(
            (name, value if value is None or isinstance(value, bool) else type(value))
            for name, value in sorted(values.items())
        )
        compiled = self._compiled.get(shape)
        if compiled is None:
            with self._lock:
                compiled = self._compiled.get(shape) or self._compile(values)
                self._compiled[shape] = compiled
        compiler, sql, params, slots = compiled
        connection = connections[compiler.using]
        params = list(params)
        for position, name in slots:
            params[position] = connection.ops.adapt_unknown_value(values[name])
        return compiler, sql, params

    def _instances_of(self, compiler, rows: list) -> list:
        if not rows:
            return []
        connection = connections[compiler.using]
        compiler = copy.copy(compiler)
        compiler.connection = connection  # connections are per thread
        if compiler.has_extra_select:
            rows = [row[: compiler.col_count] for row in rows]
        return list(self._instances(compiler, rows))

    def _run(self, values: dict, *, first: bool) -> list:
        compiler, sql, params = self._bound(values)
        rows = _rows_fetch(connections[compiler.using], sql, params, first=first)
        return self._instances_of(compiler, rows)

    def _compile(self, values: dict) -> tuple:
        stand_ins = {
            name: value if value is None or isinstance(value, bool) else _stand_in(value, n)
            for n, (name, value) in enumerate(values.items())
        }
        queryset = self._build(**stand_ins)
        compiler = queryset.query.get_compiler(queryset.db)
        sql, params = compiler.as_sql()
        ops = connections[queryset.db].ops
        wanted = {
            name: ops.adapt_unknown_value(stand_in)
            for name, stand_in in stand_ins.items()
            if stand_in is not None and not isinstance(stand_in, bool)
        }
        slots = [
            (position, name)
            for position, param in enumerate(params)
            for name, stand_in in wanted.items()
            if type(param) is type(stand_in) and param == stand_in
        ]
        missing = set(wanted) - {name for _position, name in slots}
        if missing:
            raise ValueError(f"no parameter of the query is the value of {sorted(missing)}")
        return compiler, sql, tuple(params), slots

    @staticmethod
    def _instances(compiler, rows):
        # As django.db.models.query.ModelIterable does with a compiled query's rows.
        select, klass_info = compiler.select, compiler.klass_info
        annotations = compiler.annotation_col_map
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        init_list = [column[0].target.attname for column in select[start:end]]
        populators = get_related_populators(klass_info, select, compiler.using)
        for row in compiler.results_iter([rows]):
            obj = klass_info["model"].from_db(compiler.using, init_list, row[start:end])
            for populator in populators:
                populator.populate(row, obj)
            for name, position in (annotations or {}).items():
                setattr(obj, name, row[position])
            yield obj


class PendingQuery:
    """A :class:`PreparedQuery` sent to the database, its answer not read yet.

    On PostgreSQL the statement leaves at once and the server runs it while this process
    goes on; its answer waits in the socket. psycopg has no public call for that split, so
    its cursor's own execute generator is run up to its first wait for the answer, and
    driven to the end when the rows are asked for: the same steps as ``execute()``, with
    the caller's work in between. Elsewhere (or when the connection is busy) the query
    simply runs at once."""

    def __init__(self, query: PreparedQuery, compiler, sql: str, params: list):
        self._query, self._compiler = query, compiler
        self._connection = connections[compiler.using]
        self._sql, self._params = sql, params
        self._rows: list | None = None
        self._started = None
        if self._connection.vendor == "postgresql":
            self._send()
        else:
            self._rows = _rows_fetch(self._connection, sql, params)

    def _send(self) -> None:
        wrapper = hot_cursor(self._connection)
        raw = self._connection.connection
        if raw._pipeline is not None:
            wrapper.close()
            self._rows = _rows_fetch(self._connection, self._sql, self._params)
            return
        cursor = wrapper.cursor
        self._connection.validate_no_broken_transaction()
        steps = cursor._execute_gen(_numbered(self._sql), self._params, prepare=True)
        with self._connection.wrap_database_errors, raw.lock:
            try:
                first_wait = next(steps)
            except StopIteration:  # answered without waiting
                steps = first_wait = None
        self._started = (wrapper, cursor, steps, first_wait)

    def _answer(self) -> list:
        if self._rows is not None:
            return self._rows
        wrapper, cursor, steps, first_wait = self._started
        self._started = None
        raw = self._connection.connection
        # Logged like the wrapper's own statements when queries are (DEBUG, tests).
        logged = (
            wrapper.debug_sql(self._sql, self._params, use_last_executed_query=True)
            if isinstance(wrapper, CursorDebugWrapper)
            else contextlib.nullcontext()
        )
        try:
            with logged, self._connection.wrap_database_errors:
                if steps is not None:
                    with raw.lock:
                        raw.wait(_resumed(steps, first_wait))
                self._rows = cursor.fetchall()
        finally:
            wrapper.close()
        return self._rows

    def first(self):
        """The first instance found, or None."""
        found = self._query._instances_of(self._compiler, self._answer()[:1])
        return found[0] if found else None

    def all(self) -> list:
        """Every instance found."""
        return self._query._instances_of(self._compiler, self._answer())

    def __enter__(self) -> PendingQuery:
        return self

    def __exit__(self, *exc) -> None:
        if self._started is not None:
            self._answer()  # read, so the connection is free again


def _rows_fetch(connection, sql: str, params: list, *, first: bool = False) -> list:
    with hot_cursor(connection) as cursor:
        cursor.execute(sql, params)
        return cursor.fetchmany(1) if first else cursor.fetchall()


def _resumed(steps, first_wait):
    """``steps`` (a psycopg generator already advanced to ``first_wait``) from there on,
    for the connection's ``wait()``."""
    ready = yield first_wait
    try:
        while True:
            ready = yield steps.send(ready)
    except StopIteration as done:
        return done.value


def _stand_in(value, n: int):
    """A value of ``value``'s type that no real call passes, told apart by ``n``."""
    if isinstance(value, str):
        return f"\ue000prepared-{n}\ue000"
    if isinstance(value, datetime.datetime):
        return datetime.datetime(1, 1, 1, 0, 0, 0, n + 1, tzinfo=datetime.UTC)
    if isinstance(value, datetime.date):
        return datetime.date(1, 1, n + 1)
    if isinstance(value, int):
        return -(2**31) + n  # within every integer field's range (Django checks lookups)
    raise TypeError(f"PreparedQuery takes str, int, date and datetime values, not {type(value)}")
