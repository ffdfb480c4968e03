"""The audit API: one entry point, in the caller's transaction, hash-chained."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from accounts import audit
from accounts.models import AuditEntry
from tests.factories import UserFactory


def make_entries(n):
    actor = UserFactory()
    return [
        audit.record(actor, "test.event", actor, None, {"n": i, "amount": 1.5}) for i in range(n)
    ]


@pytest.mark.django_db
def test_entries_chain_each_previous_hash():
    first, second, third = make_entries(3)
    assert second.prev_hash == first.hash
    assert third.prev_hash == second.hash
    assert audit.verify_chain().ok
    assert audit.verify_chain().checked == 3


@pytest.mark.django_db
def test_entry_rolls_back_with_the_callers_transaction():
    actor = UserFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        audit.record(actor, "test.rolled_back", actor)
        raise RuntimeError("the change failed")
    assert not AuditEntry.objects.filter(action="test.rolled_back").exists()
    audit.record(actor, "test.after")
    assert audit.verify_chain().ok


@pytest.mark.django_db
def test_verify_names_an_edited_entry(capsys):
    entries = make_entries(5)
    AuditEntry.objects.filter(pk=entries[2].pk).update(data={"n": 999})
    report = audit.verify_chain()
    assert report.broken_id == entries[2].pk
    assert report.last_verified_id == entries[1].pk
    with pytest.raises(CommandError, match=f"#{entries[2].pk}"):
        call_command("audit_verify")


@pytest.mark.django_db
def test_verify_names_the_entry_after_a_deleted_one():
    entries = make_entries(4)
    AuditEntry.objects.filter(pk=entries[1].pk).delete()
    assert audit.verify_chain().broken_id == entries[2].pk


@pytest.mark.django_db
def test_verify_detects_removed_tail():
    entries = make_entries(3)
    AuditEntry.objects.filter(pk=entries[2].pk).delete()
    assert audit.verify_chain().broken_id == entries[2].pk


@pytest.mark.django_db
def test_verify_command_reports_an_intact_chain(capsys):
    make_entries(2)
    call_command("audit_verify")
    assert "intact: 2 entries" in capsys.readouterr().out


@pytest.mark.django_db
def test_role_grant_and_end_are_audited(reference_data):
    from accounts.selectors import office_resolve
    from accounts.services import membership_end
    from tests.factories import grant

    admin, user = UserFactory(), UserFactory()
    m = grant(user, "receiving_officer", office_resolve("0101"))
    membership_end(actor=admin, membership=m)
    actions = list(AuditEntry.objects.filter(target_id=str(user.pk)).values_list("action", "actor"))
    assert actions == [("role.granted", None), ("role.ended", admin.pk)]


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_unbroken_chain():
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("needs the real PostgreSQL")
    actor = UserFactory()
    errors = []

    def writer(k):
        try:
            for i in range(10):
                with transaction.atomic():
                    audit.record(actor, "test.concurrent", None, None, {"w": k, "i": i})
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    report = audit.verify_chain()
    assert report.ok and report.checked == AuditEntry.objects.count() == 40 + 0
