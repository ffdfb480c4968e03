"""The audit API: one entry point, in the caller's transaction, hash-chained."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from accounts import audit
from accounts.models import AuditEntry
from tests.factories import UserFactory


def make_entries(n, *, sealed=True):
    actor = UserFactory()
    entries = [
        audit.record(actor, "test.event", actor, None, {"n": i, "amount": 1.5}) for i in range(n)
    ]
    if sealed:
        audit.seal()
        for entry in entries:
            entry.refresh_from_db()
    return entries


@pytest.mark.django_db
def test_entries_chain_each_previous_hash():
    first, second, third = make_entries(3)
    assert [first.seq, second.seq, third.seq] == [1, 2, 3]
    assert first.prev_hash == audit.GENESIS_HASH
    assert second.prev_hash == first.hash
    assert third.prev_hash == second.hash
    assert audit.verify_chain().ok
    assert audit.verify_chain().checked == 3


@pytest.mark.django_db
def test_entries_wait_unsealed_until_the_sealer_chains_them():
    entries = make_entries(3, sealed=False)
    assert all(e.seq is None and e.hash is None for e in entries)
    report = audit.verify_chain()
    assert report.ok and report.checked == 0 and report.pending == 3
    assert report.pending_since == entries[0].at
    assert audit.seal() == 3
    assert audit.seal() == 0  # nothing is sealed twice
    report = audit.verify_chain()
    assert report.ok and report.checked == 3 and report.pending == 0


@pytest.mark.django_db
def test_sealing_in_small_batches_gives_the_same_chain():
    entries = make_entries(7, sealed=False)
    assert audit.seal(batch_size=3) == 7
    sealed = list(AuditEntry.objects.order_by("seq"))
    assert [e.pk for e in sealed] == [e.pk for e in entries]
    assert audit.verify_chain().checked == 7


@pytest.mark.django_db
def test_a_check_seals_what_is_waiting_first():
    from accounts.audit_log import chain_check

    make_entries(2, sealed=False)
    result = chain_check()
    assert result.ok and result.checked == 2 and result.pending == 0


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

    writing = threading.Event()
    writing.set()

    def sealer():
        # Two sealers race the writers, as beat and a manual check can.
        try:
            while writing.is_set():
                audit.seal(batch_size=7)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    sealers = [threading.Thread(target=sealer) for _ in range(2)]
    for t in threads + sealers:
        t.start()
    for t in threads:
        t.join()
    writing.clear()
    for t in sealers:
        t.join()
    audit.seal()
    assert errors == []
    report = audit.verify_chain()
    assert report.ok and report.checked == AuditEntry.objects.count() == 40
    assert report.pending == 0
    places = sorted(AuditEntry.objects.values_list("seq", flat=True))
    assert places == list(range(1, 41))


@pytest.mark.django_db(transaction=True)
def test_an_entry_committed_late_takes_the_next_place():
    """A transaction that wrote its entry first but commits last is not skipped: the sealer
    sees only committed rows, so the late entry joins the chain at the next pass."""
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("needs the real PostgreSQL")
    actor = UserFactory()
    written, release, done = threading.Event(), threading.Event(), threading.Event()
    late = {}

    def slow_transaction():
        try:
            with transaction.atomic():
                late["entry"] = audit.record(actor, "test.late")
                written.set()
                release.wait(10)
        finally:
            connections.close_all()
            done.set()

    thread = threading.Thread(target=slow_transaction)
    thread.start()
    assert written.wait(10)
    early = audit.record(actor, "test.early")
    assert early.pk > late["entry"].pk
    assert audit.seal() == 1  # only the committed one
    early.refresh_from_db()
    assert early.seq == 1
    release.set()
    assert done.wait(10)
    thread.join()
    assert audit.seal() == 1
    late_entry = AuditEntry.objects.get(pk=late["entry"].pk)
    assert late_entry.seq == 2 and late_entry.prev_hash == early.hash
    assert audit.verify_chain().checked == 2
