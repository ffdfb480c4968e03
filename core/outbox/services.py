"""Enqueue, claim, deliver, retry and replay outbox messages."""

from __future__ import annotations

import random
from datetime import timedelta

import structlog
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .. import audit
from ..db import row_insert_if_absent
from .handlers import HANDLERS, PermanentFailure
from .models import OutboxMessage, OutboxState
from .waker import DELIVER, task, waker

log = structlog.get_logger(__name__)


def outbox_enqueue(
    *, kind: str, key: str, payload: dict, max_attempts: int | None = None
) -> OutboxMessage:
    """Write an outbox row in the caller's transaction; kick the relay once it commits.

    Enqueuing the same ``key`` twice returns the first row unchanged.
    """
    message = outbox_message_build(kind=kind, key=key, payload=payload, max_attempts=max_attempts)
    # ON CONFLICT DO NOTHING: no savepoint, and safe when two transactions enqueue the same
    # key at once (the second waits for the first, then skips).
    if not row_insert_if_absent(message, ("key",)):
        message = OutboxMessage.objects.get(key=key)
    return outbox_enqueued(message)


def outbox_message_build(
    *, kind: str, key: str, payload: dict, max_attempts: int | None = None
) -> OutboxMessage:
    """The row :func:`outbox_enqueue` would write, unsaved: for a caller that writes it with
    its data (see :func:`core.db.rows_insert_linked`) and then calls
    :func:`outbox_enqueued`."""
    if kind not in HANDLERS:
        raise ValueError(f"no outbox handler for kind {kind!r}")
    return OutboxMessage(
        kind=kind,
        key=key,
        payload=payload,
        max_attempts=max_attempts or settings.OUTBOX_MAX_ATTEMPTS,
    )


def outbox_enqueued(message: OutboxMessage) -> OutboxMessage:
    """``message`` as stored: the relay is kicked once the transaction commits (a row that
    was there already and is not due is left alone by the delivery)."""
    transaction.on_commit(lambda: _kick(task(DELIVER), message.pk))
    return message


def _kick(task, message_id: int) -> None:
    """Have the committed row delivered now: at once in-process (eager tasks), else by a
    wake-up the process's waker sends in the background."""
    if not task.app.conf.task_always_eager:
        waker().wake(message_id)
        return
    # A broker hiccup must not fail the request that committed the row: the sweep
    # will find it.
    try:
        task.delay(message_id)
    except Exception:  # noqa: BLE001
        log.warning("outbox_kick_failed", message_id=message_id, exc_info=True)


def _schedule_retry(message_id: int, delay: float) -> None:
    """Ask for a delivery when the retry falls due. The countdown stays below the broker's
    visibility timeout; the beat sweep covers a message lost on the way."""
    countdown = min(delay, settings.CELERY_MAX_COUNTDOWN)
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return  # in-process mode: the sweep (or the next kick) retries
    try:
        task(DELIVER).apply_async((message_id,), countdown=countdown)
    except Exception:  # noqa: BLE001
        log.warning("outbox_retry_schedule_failed", message_id=message_id, exc_info=True)


def backoff_seconds(attempts: int) -> float:
    """Exponential backoff with jitter: base·2^(n-1), capped, then a random 50–100 %."""
    base = settings.OUTBOX_BACKOFF_BASE_SECONDS
    cap = settings.OUTBOX_BACKOFF_CAP_SECONDS
    delay = min(cap, base * (2 ** max(attempts - 1, 0)))
    return delay * random.uniform(0.5, 1.0)


def _due_filter(now):
    return Q(state=OutboxState.PENDING, next_attempt_at__lte=now) | Q(
        state=OutboxState.IN_FLIGHT, lease_until__lt=now
    )


def outbox_claim(*, message_id: int | None = None, limit: int = 1) -> list[OutboxMessage]:
    """Take due rows for delivery (``SELECT … FOR UPDATE SKIP LOCKED``) and lease them.

    A leased row belongs to this worker until the lease ends; a worker that dies mid-send
    leaves the lease to expire and the row is taken again.
    """
    now = timezone.now()
    with transaction.atomic():
        qs = OutboxMessage.objects.filter(_due_filter(now))
        if message_id is not None:
            qs = qs.filter(pk=message_id)
        rows = list(
            qs.order_by("next_attempt_at", "id").select_for_update(skip_locked=True)[:limit]
        )
        if not rows:
            return []
        lease = now + timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
        ids = [m.pk for m in rows]
        OutboxMessage.objects.filter(pk__in=ids).update(
            state=OutboxState.IN_FLIGHT, lease_until=lease
        )
        for m in rows:
            m.state, m.lease_until = OutboxState.IN_FLIGHT, lease
        return rows


def outbox_deliver(message: OutboxMessage) -> str:
    """Run the handler for one claimed message and record the outcome; returns the state."""
    handler = HANDLERS.get(message.kind)
    attempts = message.attempts + 1
    now = timezone.now()
    try:
        if handler is None:
            raise PermanentFailure(f"no handler for kind {message.kind!r}")
        handler(message)
    except Exception as exc:  # noqa: BLE001  (any failure is recorded on the row)
        permanent = isinstance(exc, PermanentFailure) or attempts >= message.max_attempts
        state = OutboxState.DEAD if permanent else OutboxState.PENDING
        next_at = now if permanent else now + timedelta(seconds=backoff_seconds(attempts))
        OutboxMessage.objects.filter(pk=message.pk, state=OutboxState.IN_FLIGHT).update(
            state=state,
            attempts=attempts,
            next_attempt_at=next_at,
            lease_until=None,
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
        )
        if not permanent:
            _schedule_retry(message.pk, (next_at - now).total_seconds())
        log.warning(
            "outbox_delivery_failed",
            message_id=message.pk,
            kind=message.kind,
            attempts=attempts,
            dead=permanent,
            error=str(exc)[:200],
        )
        return state
    OutboxMessage.objects.filter(pk=message.pk, state=OutboxState.IN_FLIGHT).update(
        state=OutboxState.SENT,
        attempts=attempts,
        sent_at=now,
        lease_until=None,
        last_error="",
    )
    log.info("outbox_delivered", message_id=message.pk, kind=message.kind, attempts=attempts)
    return OutboxState.SENT


def outbox_due_ids(*, limit: int) -> list[int]:
    """Ids of rows that are due now (for the sweep to hand out)."""
    return list(
        OutboxMessage.objects.filter(_due_filter(timezone.now()))
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:limit]
    )


@transaction.atomic
def outbox_replay(*, actor, message: OutboxMessage) -> OutboxMessage:
    """Give a dead-lettered message a fresh set of attempts (staff action, audited)."""
    updated = OutboxMessage.objects.filter(pk=message.pk, state=OutboxState.DEAD).update(
        state=OutboxState.PENDING,
        attempts=0,
        next_attempt_at=timezone.now(),
        lease_until=None,
    )
    if not updated:
        raise ValueError("only dead-lettered messages can be replayed")
    message.refresh_from_db()
    audit.record(
        actor,
        "outbox.replayed",
        message,
        None,
        {"kind": message.kind, "key": message.key, "last_error": message.last_error},
    )
    transaction.on_commit(lambda: _kick(task(DELIVER), message.pk))
    return message
