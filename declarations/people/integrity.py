"""The registry's references that no database constraint guards (``models.REGISTRY`` and
``models.PROVENANCE``), checked by anti-joins instead: rows whose person, unit or dossier
does not exist. Nothing in the portal deletes those; a hand-made SQL fix or a restore of
one table without the others would, and this is where it shows."""

from __future__ import annotations

import structlog
from django.apps import apps
from django.db.models import Exists, OuterRef

log = structlog.get_logger(__name__)


def unguarded_references() -> list:
    """Every foreign key of the people app without a database constraint."""
    return [
        field
        for model in apps.get_app_config("people").get_models()
        for field in model._meta.concrete_fields
        if field.is_relation and (field.many_to_one or field.one_to_one) and not field.db_constraint
    ]


def registry_orphans() -> dict[str, int]:
    """``{"table.column": rows pointing at nothing}`` for every unguarded reference (one
    anti-join each; a full scan of the table, so for the nightly job, not for pages)."""
    found = {}
    for field in unguarded_references():
        model, target = field.model, field.related_model
        missing = (
            model.objects.filter(**{f"{field.attname}__isnull": False})
            .filter(~Exists(target.objects.filter(pk=OuterRef(field.attname))))
            .count()
        )
        found[f"{model._meta.db_table}.{field.column}"] = missing
    return found


def registry_integrity_check() -> dict[str, int]:
    """Log an error naming each reference with orphans; returns only those."""
    orphans = {name: count for name, count in registry_orphans().items() if count}
    if orphans:
        log.error("people_registry_orphans", orphans=orphans)
    else:
        log.info("people_registry_intact", references=len(unguarded_references()))
    return orphans
