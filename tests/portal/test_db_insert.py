"""``rows_insert``: the hot paths' INSERT, with the same rows the ORM would write;
``rows_insert_linked``: a row and the rows pointing at it in one statement."""

from datetime import date

import pytest
from django.core.exceptions import FieldDoesNotExist
from django.db import IntegrityError, connection
from django.utils import timezone

from accounts.models import AuditEntry
from ivan.models import Contract, Provider
from portal.db import Linked, rows_insert, rows_insert_linked
from portal.outbox.models import OutboxMessage, OutboxState

pytestmark = pytest.mark.django_db


def test_defaults_and_conversions_are_those_of_the_orm():
    ours = OutboxMessage(kind="email", key="ours", payload={"to": ["a@example.vn"], "n": 1})
    assert rows_insert([ours]) == [ours.pk]
    theirs = OutboxMessage.objects.create(
        kind="email", key="theirs", payload={"to": ["a@example.vn"], "n": 1}
    )
    fields = ["kind", "payload", "state", "attempts", "max_attempts", "lease_until"]
    read = OutboxMessage.objects.values(*fields)
    assert read.get(pk=ours.pk) == read.get(pk=theirs.pk)
    assert read.get(pk=ours.pk)["state"] == OutboxState.PENDING
    assert not ours._state.adding


def test_several_rows_in_one_statement_keep_their_order(django_assert_num_queries):
    entries = [AuditEntry(at=timezone.now(), action=f"test.{i}", data={"i": i}) for i in range(5)]
    with django_assert_num_queries(1):
        keys = rows_insert(entries)
    assert keys == [e.pk for e in entries] and len(set(keys)) == 5
    assert [AuditEntry.objects.get(pk=k).data["i"] for k in keys] == list(range(5))


def test_a_conflicting_row_is_skipped_and_keeps_no_key():
    rows_insert([OutboxMessage(kind="email", key="same", payload={"first": True})])
    second = OutboxMessage(kind="email", key="same", payload={"first": False})
    assert rows_insert([second], conflict="key") == [None]
    assert second.pk is None
    assert OutboxMessage.objects.get(key="same").payload == {"first": True}


def test_conflict_takes_one_row_only():
    with pytest.raises(ValueError):
        rows_insert([OutboxMessage(key="a"), OutboxMessage(key="b")], conflict="key")
    assert rows_insert([]) == []


def _provider_with_rows(code="TEST-LINK", key="linked"):
    provider = Provider(code=code, name="Nhà cung cấp thử")
    contracts = [
        Contract(provider=provider, number=f"HĐ-{i}", valid_from=date(2026, 1, i + 1))
        for i in range(2)
    ]
    entry = AuditEntry(at=timezone.now(), action="test.linked", target_repr=code, data={})
    message = OutboxMessage(kind="email", key=key, payload={"to": ["a@example.vn"]})
    return provider, contracts, entry, message


def _groups(contracts, entry, message):
    return (
        Linked(contracts, link="provider"),
        Linked([entry], link="target_id"),
        Linked([message], conflict="key"),
    )


def test_linked_rows_are_written_in_one_statement_with_the_parent_key(
    django_assert_num_queries,
):
    provider, contracts, entry, message = _provider_with_rows()
    statements = 1 if connection.vendor == "postgresql" else 4
    with django_assert_num_queries(statements):
        rows_insert_linked(provider, *_groups(contracts, entry, message))
    assert provider.pk and Provider.objects.get(pk=provider.pk).code == "TEST-LINK"
    stored = list(Contract.objects.filter(provider=provider).order_by("pk"))
    assert [c.pk for c in stored] == [c.pk for c in contracts]
    assert [c.number for c in stored] == ["HĐ-0", "HĐ-1"]  # each row its own values
    assert all(c.provider_id == provider.pk and not c._state.adding for c in contracts)
    assert AuditEntry.objects.get(pk=entry.pk).target_id == str(provider.pk)
    assert entry.target_id == str(provider.pk)
    assert OutboxMessage.objects.get(pk=message.pk).state == OutboxState.PENDING


def test_a_linked_row_skipped_by_its_conflict_keeps_no_key_and_the_rest_is_written():
    rows_insert([OutboxMessage(kind="email", key="taken", payload={"first": True})])
    provider, contracts, entry, message = _provider_with_rows(key="taken")
    rows_insert_linked(provider, *_groups(contracts, entry, message))
    assert message.pk is None
    assert Contract.objects.filter(provider=provider).count() == 2
    assert OutboxMessage.objects.get(key="taken").payload == {"first": True}


@pytest.mark.django_db(transaction=True)
def test_the_one_statement_is_atomic_outside_any_transaction():
    if connection.vendor != "postgresql":
        pytest.skip("one statement on PostgreSQL only; elsewhere the caller's transaction")
    rows_insert([OutboxMessage(kind="email", key="taken", payload={})])
    provider, contracts, entry, message = _provider_with_rows(code="TEST-ATOMIC", key="taken")
    groups = (Linked(contracts, link="provider"), Linked([message]))  # no conflict= : fails
    with pytest.raises(IntegrityError):
        rows_insert_linked(provider, *groups)
    assert not Provider.objects.filter(code="TEST-ATOMIC").exists()
    assert not Contract.objects.filter(number="HĐ-0").exists()


def test_linked_rows_refuse_what_they_cannot_write():
    provider, contracts, entry, message = _provider_with_rows()
    other = OutboxMessage(kind="email", key="other", payload={})
    with pytest.raises(ValueError):
        rows_insert_linked(provider, Linked([message, other], conflict="key"))
    with pytest.raises(FieldDoesNotExist):
        rows_insert_linked(provider, Linked(contracts, link="no_such_field"))
    assert provider.pk is None
