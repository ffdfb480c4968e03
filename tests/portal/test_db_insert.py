"""``rows_insert``: the hot paths' INSERT, with the same rows the ORM would write."""

import pytest
from django.utils import timezone

from accounts.models import AuditEntry
from portal.db import rows_insert
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
