"""The generic outbox: transactional enqueue, single-flight claim, backoff, dead letters."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import AuditEntry
from core.outbox import handlers
from core.outbox.models import OutboxMessage, OutboxState
from core.outbox.services import (
    backoff_seconds,
    outbox_claim,
    outbox_deliver,
    outbox_enqueue,
    outbox_replay,
)
from core.outbox.tasks import outbox_sweep
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CALLS: list[str] = []


@handlers.handler("test.flaky")
def _flaky(message):
    CALLS.append(message.key)
    if message.payload.get("fail_times", 0) >= len([k for k in CALLS if k == message.key]):
        raise ConnectionError("receiver down")


@handlers.handler("test.permanent")
def _permanent(message):
    raise handlers.PermanentFailure("address rejected")


@pytest.fixture(autouse=True)
def _reset_calls():
    CALLS.clear()


def email(key="mail-1", to=("ketoan@example.vn",)):
    return outbox_enqueue(
        kind="email", key=key, payload={"to": list(to), "subject": "Thông báo", "body": "Nội dung"}
    )


def test_email_is_sent_after_commit_with_its_key_as_message_id(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = email()
    message.refresh_from_db()
    assert message.state == OutboxState.SENT
    assert len(mail.outbox) == 1
    assert mail.outbox[0].extra_headers["Message-ID"] == "<mail-1@bhxh-portal>"


def test_rolled_back_transaction_leaves_no_row_and_sends_nothing():
    with pytest.raises(RuntimeError), transaction.atomic():
        email()
        raise RuntimeError("intake failed")
    assert not OutboxMessage.objects.exists()
    assert mail.outbox == []


def test_same_key_is_enqueued_once():
    first, second = email("k"), email("k")
    assert first.pk == second.pk
    assert OutboxMessage.objects.count() == 1


def test_unknown_kind_is_refused_at_enqueue():
    with pytest.raises(ValueError):
        outbox_enqueue(kind="fax", key="x", payload={})


def test_failure_schedules_a_retry_with_backoff_then_succeeds(settings):
    message = outbox_enqueue(kind="test.flaky", key="w1", payload={"fail_times": 2})
    (claimed,) = outbox_claim(message_id=message.pk)
    assert outbox_deliver(claimed) == OutboxState.PENDING
    message.refresh_from_db()
    assert message.attempts == 1
    assert message.last_error.startswith("ConnectionError")
    delay = (message.next_attempt_at - timezone.now()).total_seconds()
    assert (
        0.5 * settings.OUTBOX_BACKOFF_BASE_SECONDS - 1
        <= delay
        <= settings.OUTBOX_BACKOFF_BASE_SECONDS
    )
    assert outbox_claim(message_id=message.pk) == []  # not due yet

    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    outbox_sweep()
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    outbox_sweep()
    message.refresh_from_db()
    assert message.state == OutboxState.SENT
    assert message.attempts == 3
    assert CALLS == ["w1", "w1", "w1"]


def test_backoff_grows_exponentially_with_jitter_and_a_cap(settings):
    settings.OUTBOX_BACKOFF_BASE_SECONDS = 10
    settings.OUTBOX_BACKOFF_CAP_SECONDS = 100
    samples = {n: [backoff_seconds(n) for _ in range(200)] for n in (1, 2, 3, 10)}
    assert all(5 <= s <= 10 for s in samples[1])
    assert all(10 <= s <= 20 for s in samples[2])
    assert all(20 <= s <= 40 for s in samples[3])
    assert all(50 <= s <= 100 for s in samples[10])
    assert len(set(samples[3])) > 100  # jittered, not one fixed value


def test_last_failed_attempt_dead_letters_the_message():
    message = outbox_enqueue(
        kind="test.flaky", key="w2", payload={"fail_times": 99}, max_attempts=3
    )
    for _ in range(3):
        OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
        outbox_sweep()
    message.refresh_from_db()
    assert message.state == OutboxState.DEAD
    assert message.attempts == 3
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    outbox_sweep()
    assert len(CALLS) == 3  # dead letters are not retried


def test_permanent_failure_goes_straight_to_dead_letters():
    message = outbox_enqueue(kind="test.permanent", key="p1", payload={})
    outbox_sweep()
    message.refresh_from_db()
    assert (message.state, message.attempts) == (OutboxState.DEAD, 1)


def test_replay_revives_a_dead_letter_and_is_audited():
    staff = UserFactory()
    message = outbox_enqueue(kind="test.flaky", key="w3", payload={"fail_times": 1}, max_attempts=1)
    outbox_sweep()
    message.refresh_from_db()
    assert message.state == OutboxState.DEAD
    outbox_replay(actor=staff, message=message)
    outbox_sweep()
    message.refresh_from_db()
    assert message.state == OutboxState.SENT
    entry = AuditEntry.objects.get(action="outbox.replayed")
    assert entry.actor_id == staff.pk and entry.data["key"] == "w3"


def test_replay_refuses_a_message_that_is_not_dead():
    message = email("alive")
    with pytest.raises(ValueError):
        outbox_replay(actor=UserFactory(), message=message)


def test_in_flight_row_of_a_dead_worker_is_taken_again_after_its_lease():
    message = email("lease")
    (claimed,) = outbox_claim(message_id=message.pk)  # the worker "dies" here
    assert outbox_claim(message_id=message.pk) == []
    OutboxMessage.objects.filter(pk=message.pk).update(
        lease_until=timezone.now() - timedelta(seconds=1)
    )
    outbox_sweep()
    message.refresh_from_db()
    assert message.state == OutboxState.SENT
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_claims_skip_locked_rows():
    if connection.vendor != "postgresql":
        pytest.skip("needs the real PostgreSQL")
    import threading

    from django.db import connections

    OutboxMessage.objects.bulk_create(  # pending rows, no delivery kicked
        OutboxMessage(kind="email", key=f"c{i}", payload={"to": ["a@example.vn"]})
        for i in range(20)
    )
    claimed: list[list[int]] = []
    barrier = threading.Barrier(4)

    def claimer():
        try:
            barrier.wait()
            claimed.append([m.pk for m in outbox_claim(limit=8)])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=claimer) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ids = [pk for batch in claimed for pk in batch]
    assert len(ids) == len(set(ids)) == 20
