"""The indexes every received dossier writes to: none that no query reads, uniqueness kept."""

import pytest
from django.db import IntegrityError, connection, transaction

from accounts.models import AuditEntry
from core.outbox.models import OutboxMessage
from declarations.dossiers.models import Dossier, Notice

# The tables intake writes to for each dossier (see declarations.dossiers.services).
TABLES = (
    "declarations_dossier",
    "declarations_dossierfile",
    "declarations_notice",
    "outbox_outboxmessage",
    "accounts_auditentry",
)
# Links most dossiers leave empty.
SPARSE_LINKS = (
    "provider_id",
    "submitted_by_id",
    "trial_credential_id",
    "incident_id",
    "assigned_to_id",
)


def _indexes(table: str) -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s", [table])
        return cursor.fetchall()


@pytest.fixture
def postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("index definitions are PostgreSQL's")


@pytest.mark.django_db
def test_no_like_twin_except_where_a_prefix_is_searched(postgresql):
    twins = {
        (table, definition.split("(")[-1].split()[0])
        for table in TABLES
        for _name, definition in _indexes(table)
        if "varchar_pattern_ops" in definition
    }
    # The audit viewer filters actions by prefix (accounts.audit_log: action__startswith).
    assert twins == {("accounts_auditentry", "action")}


@pytest.mark.django_db
def test_links_most_dossiers_leave_empty_are_indexed_where_set_only(postgresql):
    definitions = [d for _n, d in _indexes("declarations_dossier")]
    for link in SPARSE_LINKS:
        on_link = [d for d in definitions if f"({link})" in d]
        assert on_link, link
        assert all(f"WHERE ({link} IS NOT NULL)" in d for d in on_link), on_link
    # The employer's own index would repeat the duplicate lookup's leading column.
    assert not any(d.endswith("(employer_id)") for d in definitions)


@pytest.mark.django_db
def test_unique_codes_stay_unique(employer):
    from declarations.dossiers.services import transaction_code_new

    code = transaction_code_new()
    first = Dossier.objects.create(employer=employer, procedure_code="600", transaction_code=code)
    with pytest.raises(IntegrityError), transaction.atomic():
        Dossier.objects.create(employer=employer, procedure_code="600", transaction_code=code)
    Notice.objects.create(dossier=first, kind="receipt", number="TB-1")
    with pytest.raises(IntegrityError), transaction.atomic():
        Notice.objects.create(dossier=first, kind="receipt", number="TB-1")
    OutboxMessage.objects.create(kind="email", key="k-1")
    with pytest.raises(IntegrityError), transaction.atomic():
        OutboxMessage.objects.create(kind="email", key="k-1")
    AuditEntry.objects.create(action="x", hash="a" * 64)
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEntry.objects.create(action="x", hash="a" * 64)
    # Entries wait for their seal with no hash: any number of them.
    AuditEntry.objects.bulk_create([AuditEntry(action="y"), AuditEntry(action="y")])
