"""Pushing closure records to the central store: claim, post, record the outcome.

Every path posts through :func:`claimed_push`. The sweep and the kicks lease their rows
(:func:`records_claim`), so a killed worker's rows are taken again when the lease ends;
jobs lock a chunk for one transaction (:func:`records_lock`). The central store answers a
replay with the same receipt, and a row is marked pushed only after that answer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import timedelta

import psycopg
import structlog
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from core.refusals import Refused

from . import client, dispatch
from .models import ClosurePeriod, ClosureRecord, ClosureStatus, PushState

log = structlog.get_logger(__name__)

PUSHABLE = [ClosureStatus.CONFIRMED, ClosureStatus.SUPERSEDED]
TABLE = ClosureRecord._meta.db_table


def bound_cursor() -> psycopg.Cursor:
    """A cursor on this thread's default connection (in its transaction) that binds
    parameters on the server: id arrays travel as parameters, not quoted into the SQL."""
    connection.ensure_connection()
    return psycopg.Cursor(connection.connection)


@dataclass
class PushOutcome:
    pushed: int = 0  # stored now at the central store
    already: int = 0  # the central store already had it (same receipt)
    failed: int = 0
    failures: list[dict] = field(default_factory=list)

    def add(self, other: PushOutcome) -> None:
        self.pushed += other.pushed
        self.already += other.already
        self.failed += other.failed
        self.failures.extend(other.failures)


def due_filter(now) -> Q:
    """Records the automatic push should take now: pending or failed ones whose next
    attempt is due, and in-flight ones whose lease ran out (a claim sets the next attempt
    to the end of the lease, so one index serves both)."""
    return Q(
        status__in=PUSHABLE,
        push_state__in=[PushState.PENDING, PushState.FAILED, PushState.IN_FLIGHT],
        push_next_at__lte=now,
    )


def not_leased(now) -> Q:
    """Not held by a live lease of another worker."""
    return ~Q(push_state=PushState.IN_FLIGHT) | Q(push_lease_until__lt=now)


def records_claim(queryset: QuerySet, *, limit: int, order=("push_deadline", "id")) -> list[int]:
    """Lease up to ``limit`` rows of ``queryset`` to this worker; returns their ids."""
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            queryset.order_by(*order)
            .select_for_update(skip_locked=True, of=("self",))
            .values_list("id", flat=True)[:limit]
        )
        if ids:
            lease = now + timedelta(seconds=settings.CLOSURE_PUSH_LEASE_SECONDS)
            with bound_cursor() as cur:
                cur.execute(
                    f"UPDATE {TABLE} SET push_state = 'in_flight', push_lease_until = %s,"  # noqa: S608
                    " push_next_at = %s WHERE id = ANY(%s)",
                    [lease, lease, ids],
                )
    return ids


def records_lock(queryset: QuerySet, *, limit: int) -> list[int]:
    """Lock up to ``limit`` rows of ``queryset`` in id order until the caller's
    transaction ends (rows leased or locked by another worker are skipped)."""
    return list(
        queryset.order_by("id")
        .select_for_update(skip_locked=True, of=("self",))
        .values_list("id", flat=True)[:limit]
    )


_PAYLOADS = f"""
SELECT coalesce(json_agg(json_build_object(
    'id', c.id, 'reference', c.reference, 'version', c.version, 'office_code', o.code,
    'unit_code', c.unit_code, 'book_number', c.book_number, 'si_number', c.si_number,
    'full_name', c.full_name, 'birth_date', c.birth_date, 'kind', c.kind,
    'confirmed_on', c.confirmed_on, 'confirmed_by', coalesce(u.username, ''),
    'periods', (
        SELECT coalesce(json_agg(json_build_object(
                 'from', p.from_month, 'to', p.to_month,
                 'salary', p.salary::text, 'rate', p.rate::text) ORDER BY p.from_month, p.id),
               '[]'::json)
        FROM {ClosurePeriod._meta.db_table} p WHERE p.record_id = c.id)
  ) ORDER BY c.id), '[]'::json)::text
FROM {TABLE} c
JOIN accounts_office o ON o.id = c.office_id
LEFT JOIN accounts_user u ON u.id = c.confirmed_by_id
WHERE c.id = ANY(%s)
"""  # noqa: S608


def payloads_json(ids: list[int]) -> tuple[list[int], str]:
    """What the central store receives for these records, as JSON built by PostgreSQL
    (deterministic for a version), with the ids in the same order. Each object carries
    the local ``id``, which the central store ignores."""
    with bound_cursor() as cur:
        cur.execute(_PAYLOADS, [ids])
        text = cur.fetchone()[0]
    return sorted(set(ids)), text


def payloads(ids: list[int]) -> list[dict]:
    return json.loads(payloads_json(ids)[1])


def _mark_pushed(pairs: list[tuple[int, str]], now) -> None:
    """One statement for the whole batch: each row gets its own receipt."""
    if not pairs:
        return
    with bound_cursor() as cur:
        cur.execute(
            f"""UPDATE {TABLE} c SET push_state = 'pushed', central_receipt = t.rc,
                  pushed_at = coalesce(c.pushed_at, %s), push_attempts = c.push_attempts + 1,
                  push_lease_until = NULL, push_next_at = NULL, push_error = ''
                FROM unnest(%s::bigint[], %s::text[]) AS t(id, rc)
                WHERE c.id = t.id AND c.push_state <> 'pushed'""",  # noqa: S608
            [now, [i for i, _ in pairs], [rc for _, rc in pairs]],
        )


def _mark_failed(ids: list[int], error: str, now, *, retry: bool) -> None:
    """Record a failed attempt; a retryable one is due again after an exponential backoff
    (base·2^attempts) with jitter (50–100 %), capped below the broker's visibility timeout
    so a scheduled retry is never redelivered as a duplicate."""
    if not ids:
        return
    base = settings.CLOSURE_BACKOFF_BASE_SECONDS
    cap = min(settings.CLOSURE_BACKOFF_CAP_SECONDS, settings.CELERY_MAX_COUNTDOWN - 1)
    next_at = (
        "%s::timestamptz + make_interval(secs => LEAST(%s, %s * power(2, c.push_attempts))"
        " * (0.5 + random() * 0.5))"
        if retry
        else "NULL"
    )
    params = [now, cap, base] if retry else []
    with bound_cursor() as cur:
        cur.execute(
            f"""UPDATE {TABLE} c SET push_state = 'failed', push_attempts = c.push_attempts + 1,
                  push_next_at = {next_at}, push_lease_until = NULL, push_error = %s
                WHERE c.id = ANY(%s) AND c.push_state <> 'pushed'""",  # noqa: S608
            [*params, error[:2000], ids],
        )


def claimed_push(ids: list[int]) -> PushOutcome:
    """Post the claimed records in one batch and record each outcome on its row."""
    outcome = PushOutcome()
    if not ids:
        return outcome
    ordered, body = payloads_json(ids)
    now = timezone.now()
    try:
        results = client.batch_push_json(body)
    except (client.CentralUnavailable, Refused) as exc:
        retry = isinstance(exc, client.CentralUnavailable)
        _mark_failed(ids, str(exc), now, retry=retry)
        if retry:
            _schedule_retry(ids)
        log.warning("closure_push_failed", count=len(ids), retry=retry, error=str(exc)[:200])
        outcome.failed = len(ids)
        outcome.failures = [
            {"reference": r["reference"], "reason": str(exc)} for r in json.loads(body)
        ]
        return outcome
    records = [
        {"id": i, "reference": r.get("reference")} for i, r in zip(ordered, results, strict=True)
    ]
    done, refused = [], {}
    for record, result in zip(records, results, strict=True):
        status = result.get("status")
        if status in ("created", "existing"):
            done.append((record["id"], result["receipt"]))
            if status == "created":
                outcome.pushed += 1
            else:
                outcome.already += 1
        else:
            refused.setdefault(f"{status}: {result.get('error', '')}", []).append(record)
    _mark_pushed(done, now)
    for reason, recs in refused.items():
        _mark_failed([r["id"] for r in recs], reason, now, retry=False)
        outcome.failed += len(recs)
        outcome.failures += [{"reference": r["reference"], "reason": reason} for r in recs]
    log.info(
        "closure_push_batch", pushed=outcome.pushed, already=outcome.already, failed=outcome.failed
    )
    return outcome


def _schedule_retry(ids: list[int]) -> None:
    """Ask for a retry when the earliest backoff ends (the beat sweep covers a lost one)."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return
    first = (
        ClosureRecord.objects.filter(pk__in=ids, push_next_at__isnull=False)
        .order_by("push_next_at")
        .values_list("push_next_at", flat=True)
        .first()
    )
    if first is None:
        return
    countdown = min(
        max((first - timezone.now()).total_seconds(), 1), settings.CELERY_MAX_COUNTDOWN - 1
    )

    def send():
        try:
            dispatch.push_records_send(ids, countdown=countdown)
        except Exception:  # noqa: BLE001
            log.warning("closure_retry_schedule_failed", exc_info=True)

    # A job holds its rows locked until its transaction ends: ask after that.
    transaction.on_commit(send)


def closure_push_due(*, batch_size: int | None = None, time_budget: float = 50.0) -> PushOutcome:
    """The sweep: push due records, most urgent deadline first, batch after batch."""
    batch_size = batch_size or settings.CLOSURE_PUSH_BATCH_SIZE
    started = timezone.now()
    total = PushOutcome()
    while (timezone.now() - started).total_seconds() < time_budget:
        ids = records_claim(
            ClosureRecord.objects.filter(due_filter(timezone.now())), limit=batch_size
        )
        if not ids:
            break
        total.add(claimed_push(ids))
    return total


def closure_push_ids(*, ids: list[int]) -> PushOutcome:
    """Push these records now if they are due (the kick after a confirmation, a retry)."""
    claimed = records_claim(
        ClosureRecord.objects.filter(due_filter(timezone.now()), pk__in=ids), limit=len(ids)
    )
    return claimed_push(claimed)
