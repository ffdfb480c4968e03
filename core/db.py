"""The portal's one hand-written SQL: a row and the rows that point at it, in one statement.

Intake writes a dossier with its files, receipt, e-mail outbox row and audit entry; the ORM
needs an INSERT per table and BEGIN / COMMIT around them, several times the cost of this one
statement (measured: benchmarks/README.md, 2026-12-07). Public API only: each field's
``pre_save`` and ``get_db_prep_save`` (defaults and conversions as the ORM applies them) and
Django's cursor; psycopg prepares the statement (``OPTIONS`` in ``portal.settings.base``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from django.db import connections, models, router, transaction


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
