"""The partitioned tables: which table, by which month column, and what each does when a
month is detached. The reasons: ``docs/scaling.md`` ("Partitioned tables")."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Partitioned:
    """One table split by month of ``key`` (a ``timestamptz`` column, never NULL).

    ``on_detach``: SQL run after a month's partition is detached, ``%(partition)s`` the
    detached table (quoted): the dossiers' content guard forgets the detached dossiers' bytes
    there, so sending them again is a new dossier rather than a repeat of one no longer
    stored."""

    table: str
    key: str
    on_detach: str = ""
    # False: its months stay attached (the audit chain is checked from its first entry;
    # archiving months needs the check to start from a signed checkpoint instead).
    detachable: bool = True


AUDIT = Partitioned("accounts_auditentry", "at", detachable=False)
DOSSIERS = Partitioned(
    "declarations_dossier",
    "received_at",
    on_detach=(
        "DELETE FROM declarations_dossier_content_once g USING %(partition)s d "
        "WHERE g.employer_id = d.employer_id AND g.content_sha256 = d.content_sha256 "
        "AND g.sandbox = d.sandbox AND g.dossier_id = d.id"
    ),
)

PARTITIONED: tuple[Partitioned, ...] = (AUDIT, DOSSIERS)


def partitioned(table: str) -> Partitioned:
    for spec in PARTITIONED:
        if spec.table == table:
            return spec
    raise LookupError(f"{table} is not a partitioned table")
