"""Pushing closure records to the central store: claim, post, record the outcome.

Every path posts through :func:`claimed_push`. The sweep and the kicks lease their rows
(:func:`records_claim`), so a killed worker's rows are taken again when the lease ends;
jobs lock a chunk for one transaction (:func:`records_lock`). The central store answers a
replay with the same receipt, and a row is marked pushed only after that answer.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import timedelta

import structlog
from django.conf import settings
from django.db import connection, transaction
from django.db.models import DateTimeField, F, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.refusals import Refused

from . import client, dispatch, errors, pg
from .models import ClosurePeriod, ClosureRecord, ClosureStatus, PushState

log = structlog.get_logger(__name__)

PUSHABLE = [ClosureStatus.CONFIRMED, ClosureStatus.SUPERSEDED]


def _on_postgresql() -> bool:
    return connection.vendor == "postgresql"


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
            if _on_postgresql():
                pg.records_lease(ids, lease)
            else:
                ClosureRecord.objects.filter(pk__in=ids).update(
                    push_state=PushState.IN_FLIGHT, push_lease_until=lease, push_next_at=lease
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


def _payloads_portable(ids: list[int]) -> str:
    """:func:`pg.payloads_text` through the ORM: the same objects, in id order."""
    records = (
        ClosureRecord.objects.filter(pk__in=ids)
        .select_related("office", "confirmed_by")
        .prefetch_related(
            Prefetch("periods", queryset=ClosurePeriod.objects.order_by("from_month", "id"))
        )
        .order_by("id")
    )
    return json.dumps(
        [
            {
                "id": r.pk,
                "reference": r.reference,
                "version": r.version,
                "office_code": r.office.code,
                "unit_code": r.unit_code,
                "book_number": r.book_number,
                "si_number": r.si_number,
                "full_name": r.full_name,
                "birth_date": r.birth_date.isoformat() if r.birth_date else None,
                "kind": r.kind,
                "confirmed_on": r.confirmed_on.isoformat() if r.confirmed_on else None,
                "confirmed_by": r.confirmed_by.username if r.confirmed_by else "",
                "periods": [
                    {
                        "from": p.from_month.isoformat(),
                        "to": p.to_month.isoformat(),
                        "salary": str(p.salary),
                        "rate": str(p.rate),
                    }
                    for p in r.periods.all()
                ],
            }
            for r in records
        ],
        ensure_ascii=False,
    )


def payloads_json(ids: list[int]) -> tuple[list[int], str]:
    """What the central store receives for these records, as JSON (deterministic for a
    version), with the ids in the same order. Each object carries the local ``id``, which
    the central store ignores."""
    text = pg.payloads_text(ids) if _on_postgresql() else _payloads_portable(ids)
    return sorted(set(ids)), text


def payloads(ids: list[int]) -> list[dict]:
    return json.loads(payloads_json(ids)[1])


def _mark_pushed(pairs: list[tuple[int, str]], now) -> None:
    """Each row of the batch gets its own receipt."""
    if not pairs:
        return
    if _on_postgresql():
        pg.records_mark_pushed(pairs, now)
        return
    for pk, receipt in pairs:
        ClosureRecord.objects.filter(pk=pk).exclude(push_state=PushState.PUSHED).update(
            push_state=PushState.PUSHED,
            central_receipt=receipt,
            pushed_at=Coalesce(F("pushed_at"), Value(now, output_field=DateTimeField())),
            push_attempts=F("push_attempts") + 1,
            push_lease_until=None,
            push_next_at=None,
            push_error="",
            push_error_code="",
        )


def _mark_failed(ids: list[int], code: str, detail: str, now, *, retry: bool) -> None:
    """Record a failed attempt (the code for the pages, the detail for administrators); a
    retryable one is due again after an exponential backoff (base·2^attempts) with jitter
    (50–100 %), capped below the broker's visibility timeout so a scheduled retry is never
    redelivered as a duplicate."""
    if not ids:
        return
    base = settings.CLOSURE_BACKOFF_BASE_SECONDS
    cap = min(settings.CLOSURE_BACKOFF_CAP_SECONDS, settings.CELERY_MAX_COUNTDOWN - 1)
    detail = detail[:2000]
    if _on_postgresql():
        pg.records_mark_failed(
            ids, code=code, detail=detail, now=now, retry=retry, base=base, cap=cap
        )
        return
    rows = ClosureRecord.objects.filter(pk__in=ids).exclude(push_state=PushState.PUSHED)
    for pk, attempts in rows.values_list("id", "push_attempts"):
        next_at = None
        if retry:
            delay = min(cap, base * 2**attempts) * (0.5 + random.random() * 0.5)  # noqa: S311
            next_at = now + timedelta(seconds=delay)
        ClosureRecord.objects.filter(pk=pk).exclude(push_state=PushState.PUSHED).update(
            push_state=PushState.FAILED,
            push_attempts=F("push_attempts") + 1,
            push_next_at=next_at,
            push_lease_until=None,
            push_error=detail,
            push_error_code=code,
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
        code = client.failure_code(exc)
        _mark_failed(ids, code, str(exc), now, retry=retry)
        if retry:
            _schedule_retry(ids)
        log.warning(
            "closure_push_failed", count=len(ids), retry=retry, code=code, error=str(exc)[:500]
        )
        outcome.failed = len(ids)
        outcome.failures = [
            {"reference": r["reference"], "code": code, "reason": str(exc)}
            for r in json.loads(body)
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
            reason = f"{status}: {result.get('error', '')}"
            code = errors.CONFLICT if status == "conflict" else errors.REJECTED
            refused.setdefault((code, reason), []).append(record)
    _mark_pushed(done, now)
    for (code, reason), recs in refused.items():
        _mark_failed([r["id"] for r in recs], code, reason, now, retry=False)
        log.warning("closure_push_refused", code=code, reason=reason[:500], count=len(recs))
        outcome.failed += len(recs)
        outcome.failures += [
            {"reference": r["reference"], "code": code, "reason": reason} for r in recs
        ]
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
