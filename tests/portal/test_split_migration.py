"""Splitting ``declarations`` into six apps keeps every table, every row and every permission.

The database goes back to the state before the split, gets a row in each moved table through
the historical models, and migrates forward; the new apps' models must find each row as it
was, in the same table, and the content types (so the permissions granted to groups) follow.
"""

from __future__ import annotations

import datetime as dt
import graphlib
import importlib
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.apps import apps as global_apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.operations import RunPython, SeparateDatabaseAndState

from core.partitions.tables import PARTITIONED

NEW_APPS = ("employers", "dossiers", "intake", "review", "adoption", "difficulties")
PRE_SPLIT = [
    ("declarations", "0015_certificate_authorities"),
    ("ivan", "0003_seed_2015_providers"),
    *((label, None) for label in NEW_APPS),
]
FROM_IVAN = ("ivan.Provider", "ivan.EmployerChannel")
# Far from any seeded row (holidays, money tables, providers), so unique values never clash;
# explicit ids also keep clear of the id 1 the reference-stamp trigger writes.
FIRST_PK = 700_000
BASE_DAY = dt.date(2090, 1, 1)
BASE_TIME = dt.datetime(2090, 1, 1, 8, 0, tzinfo=dt.UTC)
# A member of the group that holds the permission, so ``has_perm`` can be asked afterwards.
EXTRA = ("accounts.Membership",)


def _executor() -> MigrationExecutor:
    # A new loader each time: an executor's loader keeps the applied set it first read.
    return MigrationExecutor(connection)


def _value(field: models.Field, n: int):
    """A valid value for ``field``, distinct per row number ``n``."""
    if field.choices:
        return field.flatchoices[0][0]
    if isinstance(field, models.FileField):
        return f"split/{n}.txt"
    if isinstance(field, models.EmailField):
        return f"split{n}@example.org"
    if isinstance(field, models.URLField):
        return f"https://example.org/{n}"
    if isinstance(field, models.CharField | models.TextField):
        text = f"split-{n}"
        if field.max_length and len(text) > field.max_length:
            text = str(n)[-field.max_length :]  # still distinct between neighbouring rows
        return text
    if isinstance(field, models.BooleanField):
        return True
    if isinstance(field, models.IntegerField):
        return n
    if isinstance(field, models.DecimalField):
        return Decimal("12.50")  # within every max_digits and the 0-100 share check
    if isinstance(field, models.DateTimeField):
        return BASE_TIME + dt.timedelta(minutes=n)
    if isinstance(field, models.DateField):
        return BASE_DAY + dt.timedelta(days=n)
    if isinstance(field, models.JSONField):
        return {"row": n}
    if isinstance(field, models.BinaryField):
        return b"split-%d" % n
    raise TypeError(f"no filler for {field!r}: add one")


class _Rows:
    """One row per historical model, made in foreign-key order, each field filled by type."""

    def __init__(self, state_apps, moved: list[type[models.Model]]):
        self.moved = set(moved)
        wanted = [*moved, *(state_apps.get_model(label) for label in EXTRA)]
        self.models = self._closure(wanted)
        self.made: dict[type[models.Model], models.Model] = {}
        self.n = 0

    @staticmethod
    def _closure(wanted):
        # Whatever a required foreign key points at needs a row too (offices, users, groups).
        found, todo = set(), list(wanted)
        while todo:
            model = todo.pop()
            if model in found:
                continue
            found.add(model)
            todo += [
                f.related_model for f in model._meta.concrete_fields if f.is_relation and not f.null
            ]
        return found

    def _dependencies(self, model):
        return {
            f.related_model
            for f in model._meta.concrete_fields
            if f.is_relation and f.related_model in self.models and f.related_model is not model
        }

    def make_all(self) -> None:
        order = graphlib.TopologicalSorter({m: self._dependencies(m) for m in self.models})
        for model in order.static_order():
            self.made[model] = self._make(model)

    def _make(self, model):
        values = {}
        # Moved models get every field filled, nullable ones too, so more columns are compared.
        everything = model in self.moved
        self.n += 1
        for field in model._meta.concrete_fields:
            if isinstance(field, models.AutoField):
                values[field.attname] = FIRST_PK + self.n
            elif field.is_relation:
                target = self.made.get(field.related_model)
                if target is not None and (everything or not field.null):
                    values[field.attname] = target.pk
            elif field.has_default() or getattr(field, "auto_now", False):
                continue
            elif everything or not (field.null or field.blank):
                values[field.attname] = _value(field, self.n)
        return model._base_manager.create(**values)


def _snapshot(model) -> dict:
    """Every row of the model's table: pk -> {column: value}."""
    fields = model._meta.concrete_fields
    rows = {}
    for row in model._base_manager.values_list(*(f.attname for f in fields)):
        values = {
            f.column: bytes(v) if isinstance(v, memoryview) else v
            for f, v in zip(fields, row, strict=True)
        }
        rows[values[model._meta.pk.column]] = values
    return rows


def _table_ids(tables: list[str]) -> dict:
    """What identifies each table's storage (on the project's two databases): recreating a
    table changes it."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT t, to_regclass(t)::oid FROM unnest(%s::text[]) AS t", [tables])
        else:
            cursor.execute("SELECT name, rootpage FROM sqlite_master WHERE type = 'table'")
        return {name: key for name, key in cursor.fetchall() if name in tables}


def _runs_no_sql(op) -> bool:
    state_only = isinstance(op, SeparateDatabaseAndState) and not op.database_operations
    return state_only or isinstance(op, RunPython)


def _later_schema_changes_unapplied(executor: MigrationExecutor) -> None:
    """Unapply for real the migrations made since the split that change the schema (a new
    column, a new app's tables), so that the split can be recorded unapplied; the test
    migrates them forward again at its end."""
    targets = {}
    for migration, _backwards in executor.migration_plan(PRE_SPLIT):  # latest first
        if all(_runs_no_sql(op) for op in migration.operations):
            continue
        before = [name for app, name in migration.dependencies if app == migration.app_label]
        targets[migration.app_label] = (migration.app_label, before[0] if before else None)
    if targets:
        executor.migrate(list(targets.values()))


def _split_unapplied(executor: MigrationExecutor) -> None:
    """Record the split unapplied, as ``migrate --fake`` would, after checking it runs no SQL.

    Unapplying it for real gives the same database (its only data step is the content
    types, which the test puts back itself) but re-renders the project state after each of
    its ~150 state operations: about 40 s.
    """
    plan = executor.migration_plan(PRE_SPLIT)
    assert plan
    for migration, backwards in plan:
        assert backwards, migration
        for op in migration.operations:
            assert _runs_no_sql(op), f"{migration} runs SQL: {op}"
        executor.recorder.record_unapplied(migration.app_label, migration.name)


def _content_types_before_split(state_apps, moved) -> dict:
    """The moved models' content types under their old labels, as before the split: ids."""
    OldContentType = state_apps.get_model("contenttypes", "ContentType")
    ids = {}
    for model in moved:
        label, name = model._meta.app_label, model._meta.model_name
        OldContentType.objects.filter(app_label__in=NEW_APPS, model=name).update(app_label=label)
        ids[model] = OldContentType.objects.get_or_create(app_label=label, model=name)[0].pk
    return ids


# Tables whose values are computed from others (the reference tables' stamp, which a later
# data migration adding time limits moves on): their rows must stay, their values may change.
DERIVED = {"declarations_referencestamp"}


@pytest.mark.django_db(transaction=True)
def test_split_keeps_every_row_table_and_permission_of_the_moved_models():
    latest = _executor().loader.graph.leaf_nodes()
    try:
        _later_schema_changes_unapplied(_executor())
        _split_unapplied(_executor())
        executor = _executor()
        # What is applied now: the split's apps before it, every other app at its latest.
        applied = [
            n for n in executor.loader.applied_migrations if n in executor.loader.graph.nodes
        ]
        old_apps = executor.loader.project_state(applied).apps
        moved = [m for m in old_apps.get_models() if m._meta.app_label == "declarations"]
        moved += [old_apps.get_model(label) for label in FROM_IVAN]
        assert len(moved) == 31, sorted(m._meta.label for m in moved)

        with transaction.atomic():
            rows = _Rows(old_apps, moved)
            rows.make_all()
            content_types = _content_types_before_split(old_apps, moved)
            assignment = old_apps.get_model("declarations", "EmployerAssignment")
            view_adoption, _ = old_apps.get_model("auth", "Permission").objects.get_or_create(
                content_type_id=content_types[assignment],
                codename="view_adoption",
                defaults={"name": "May view adoption dashboards"},
            )
            membership = rows.made[old_apps.get_model("accounts", "Membership")]
            group = rows.made[old_apps.get_model("auth", "Group")]
            group.permissions.add(view_adoption)
        before = {m._meta.db_table: _snapshot(m) for m in moved}
        for model in moved:
            assert rows.made[model].pk in before[model._meta.db_table], model
        tables_before = _table_ids(list(before))
        assert len(tables_before) == len(before), tables_before

        _executor().migrate(latest)
    finally:
        # Whatever happened, the next tests get the database at its latest state.
        _executor().migrate(latest)
        ContentType.objects.clear_cache()

    by_table = {m._meta.db_table: m for m in global_apps.get_models()}
    for old in moved:
        new = by_table.get(old._meta.db_table)
        assert new is not None, f"no model reads {old._meta.db_table} any more"
        assert new._meta.app_label in NEW_APPS, new
        assert new._meta.model_name == old._meta.model_name
        after = _snapshot(new)
        # Every row is still there; a later data migration may add rows (the time limits
        # of procedures added since).
        assert before[new._meta.db_table].keys() <= after.keys(), new
        for pk, values in before[new._meta.db_table].items():
            if new._meta.db_table in DERIVED:  # recomputed when those rows change
                continue
            assert {c: after[pk][c] for c in values} == values, (new, pk)
        # The same django_content_type row, now under the new label.
        assert ContentType.objects.get_for_model(new).pk == content_types[old], new
    # The split moved no table; a later migration rebuilds the partitioned ones on purpose
    # (core.partitions: a new, partitioned table under the same name), checked by rows above.
    rebuilt = {spec.table for spec in PARTITIONED} if connection.vendor == "postgresql" else set()
    kept = [t for t in before if t not in rebuilt]
    assert _table_ids(kept) == {t: i for t, i in tables_before.items() if t not in rebuilt}

    permission = Permission.objects.get(
        content_type__app_label="adoption", codename="view_adoption"
    )
    assert permission.pk == view_adoption.pk
    assert Group.objects.get(pk=group.pk).permissions.filter(pk=permission.pk).exists()
    user = get_user_model().objects.get(pk=membership.user_id)
    assert user.has_perm("adoption.view_adoption")
    assert not user.has_perm("declarations.view_adoption")


@pytest.mark.django_db
def test_a_new_label_made_before_the_move_takes_over_the_old_grants():
    """If ``employers`` was migrated on its own first, its content type exists already:
    the grants of the old ``declarations`` permission move to the new one, none is lost."""
    move = importlib.import_module("declarations.migrations.0017_models_to_apps_end")
    new = ContentType.objects.get_for_model(global_apps.get_model("employers", "Employer"))
    old = ContentType.objects.create(app_label="declarations", model="employer")
    stale = Permission.objects.create(content_type=old, codename="change_employer", name="x")
    only_old = Permission.objects.create(content_type=old, codename="audit_employer", name="y")
    group = Group.objects.create(name="split-grants")
    group.permissions.add(stale, only_old)

    move.content_types_move(global_apps, SimpleNamespace(connection=connection))

    assert not ContentType.objects.filter(app_label="declarations", model="employer").exists()
    granted = set(group.permissions.values_list("content_type", "codename"))
    assert granted == {(new.pk, "change_employer"), (new.pk, "audit_employer")}
