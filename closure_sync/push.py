"""Pushing closure records to the central store: claim, post, record the outcome.

Every path (the beat sweep, the push right after a confirmation, manual push jobs and the
backfill) goes through :func:`records_claim` and :func:`claimed_push`. A claim is a
conditional ``UPDATE`` of rows selected ``FOR UPDATE SKIP LOCKED`` that leases them to one
worker; a worker killed mid-batch leaves the lease to expire and the rows are taken again.
The central store is keyed by (reference, version) and answers the same receipt to a
replay, so a batch posted twice is stored once.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import timedelta

import structlog
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from . import client
from .models import ClosurePeriod, ClosureRecord, ClosureStatus, PushState

log = structlog.get_logger(__name__)

PUSHABLE = [ClosureStatus.CONFIRMED, ClosureStatus.SUPERSEDED]
TABLE = ClosureRecord._meta.db_table


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


def backoff_seconds(attempts: int) -> float:
    """Exponential backoff with jitter (50–100 %), capped below the broker's visibility
    timeout so a scheduled retry is never redelivered as a duplicate."""
    base = settings.CLOSURE_BACKOFF_BASE_SECONDS
    cap = min(settings.CLOSURE_BACKOFF_CAP_SECONDS, settings.CELERY_MAX_COUNTDOWN - 1)
    return min(cap, base * 2 ** max(attempts - 1, 0)) * random.uniform(0.5, 1.0)


def due_filter(now) -> Q:
    """Records the automatic push should take now."""
    return Q(status__in=PUSHABLE) & (
        Q(push_state__in=[PushState.PENDING, PushState.FAILED], push_next_at__lte=now)
        | Q(push_state=PushState.IN_FLIGHT, push_lease_until__lt=now)
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
            ClosureRecord.objects.filter(pk__in=ids).update(
                push_state=PushState.IN_FLIGHT,
                push_lease_until=now + timedelta(seconds=settings.CLOSURE_PUSH_LEASE_SECONDS),
            )
    return ids


def payloads(ids: list[int]) -> list[dict]:
    """What the central store receives for these records (deterministic for a version)."""
    periods: dict[int, list[dict]] = {}
    for rid, start, end, salary, rate in (
        ClosurePeriod.objects.filter(record_id__in=ids)
        .order_by("record_id", "from_month", "id")
        .values_list("record_id", "from_month", "to_month", "salary", "rate")
    ):
        periods.setdefault(rid, []).append(
            {
                "from": start.isoformat(),
                "to": end.isoformat(),
                "salary": str(salary),
                "rate": str(rate),
            }
        )
    out = []
    for row in (
        ClosureRecord.objects.filter(pk__in=ids)
        .order_by("id")
        .values_list(
            "id",
            "reference",
            "version",
            "office__code",
            "unit_code",
            "book_number",
            "si_number",
            "full_name",
            "birth_date",
            "kind",
            "confirmed_on",
            "confirmed_by__username",
        )
    ):
        (rid, ref, ver, office, unit, book, si, name, birth, kind, confirmed_on, by) = row
        out.append(
            {
                "id": rid,
                "reference": ref,
                "version": ver,
                "office_code": office,
                "unit_code": unit,
                "book_number": book,
                "si_number": si,
                "full_name": name,
                "birth_date": birth.isoformat() if birth else None,
                "kind": kind,
                "confirmed_on": confirmed_on.isoformat() if confirmed_on else None,
                "confirmed_by": by or "",
                "periods": periods.get(rid, []),
            }
        )
    return out


def _mark_pushed(pairs: list[tuple[int, str]], now) -> None:
    if not pairs:
        return
    with connection.cursor() as cur:
        cur.execute(
            f"""UPDATE {TABLE} c SET push_state = 'pushed', central_receipt = t.rc,
                  pushed_at = %s, push_attempts = c.push_attempts + 1, push_lease_until = NULL,
                  push_next_at = NULL, push_error = ''
                FROM unnest(%s::bigint[], %s::text[]) AS t(id, rc)
                WHERE c.id = t.id AND c.push_state <> 'pushed'""",  # noqa: S608
            [now, [p[0] for p in pairs], [p[1] for p in pairs]],
        )


def _mark_failed(ids: list[int], error: str, now, *, retry: bool) -> None:
    """Record a failed attempt; a retryable one is due again after a backoff with jitter."""
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
    with connection.cursor() as cur:
        cur.execute(
            f"""UPDATE {TABLE} c SET push_state = 'failed', push_attempts = c.push_attempts + 1,
                  push_next_at = {next_at}, push_lease_until = NULL, push_error = %s
                WHERE c.id = ANY(%s) AND c.push_state = 'in_flight'""",  # noqa: S608
            [*params, error[:2000], ids],
        )


def claimed_push(ids: list[int]) -> PushOutcome:
    """Post the claimed records in one batch and record each outcome on its row."""
    outcome = PushOutcome()
    if not ids:
        return outcome
    records = payloads(ids)
    body = [{k: v for k, v in r.items() if k != "id"} for r in records]
    now = timezone.now()
    try:
        results = client.batch_push(body)
    except client.CentralUnavailable as exc:
        _mark_failed(ids, str(exc), now, retry=True)
        _schedule_retry(ids)
        log.warning("closure_push_unavailable", count=len(ids), error=str(exc)[:200])
        outcome.failed = len(ids)
        outcome.failures = [{"reference": r["reference"], "reason": str(exc)} for r in records]
        return outcome
    except client.CentralRefused as exc:
        _mark_failed(ids, str(exc), now, retry=False)
        log.error("closure_push_refused", count=len(ids), error=str(exc)[:200])
        outcome.failed = len(ids)
        outcome.failures = [{"reference": r["reference"], "reason": str(exc)} for r in records]
        return outcome
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
    from .tasks import closure_push_records

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
    try:
        closure_push_records.apply_async((ids,), countdown=countdown)
    except Exception:  # noqa: BLE001
        log.warning("closure_retry_schedule_failed", exc_info=True)


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
