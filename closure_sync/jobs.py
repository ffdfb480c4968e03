"""Manual push jobs and the backfill since 2008: chunked, resumable, with progress.

Each chunk is one transaction: lock the rows, post them, mark them and save the job's
cursor and counters, so an interrupted job goes on from its cursor. One runner holds a job
at a time (conditional UPDATE on state and heartbeat); a stale heartbeat frees it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import structlog
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts import audit
from accounts.models import Office

from . import dispatch, errors
from .models import ClosureRecord, JobKind, JobState, PushJob, PushState
from .push import PUSHABLE, claimed_push, not_leased, records_lock

log = structlog.get_logger(__name__)

MAX_FAILURES_KEPT = 200


def job_queryset(*, kind: str, filters: dict, office_ids: list[int] | None) -> QuerySet:
    """The records a job with these filters covers."""
    qs = ClosureRecord.objects.filter(status__in=PUSHABLE)
    if office_ids is not None:
        qs = qs.filter(office_id__in=office_ids)
    if kind == JobKind.BACKFILL:
        qs = qs.filter(confirmed_on__gte=date.fromisoformat(filters["since"]))
    else:
        qs = qs.filter(
            confirmed_on__gte=date.fromisoformat(filters["confirmed_from"]),
            confirmed_on__lte=date.fromisoformat(filters["confirmed_to"]),
        )
        if filters.get("unit_code"):
            qs = qs.filter(unit_code=filters["unit_code"])
        if filters.get("book_number"):
            qs = qs.filter(book_number=filters["book_number"])
    return qs


def _office_ids(job: PushJob) -> list[int] | None:
    if job.office_id is None:
        return None
    return list(
        Office.objects.filter(Q(pk=job.office_id) | Q(successor_id=job.office_id)).values_list(
            "id", flat=True
        )
    )


def job_records(job: PushJob) -> QuerySet:
    """The records a job still has to push: those of its filters not pushed yet (a record
    already pushed holds the central store's receipt; it is counted as already there)."""
    return job_queryset(kind=job.kind, filters=job.filters, office_ids=_office_ids(job)).exclude(
        push_state=PushState.PUSHED
    )


def _count(job: PushJob) -> None:
    """Totals at the start: a manual push covers every matching record and reports those
    already pushed as already there; a backfill covers what is not pushed yet."""
    matching = job_queryset(kind=job.kind, filters=job.filters, office_ids=_office_ids(job))
    counts = matching.aggregate(
        total=Count("id"), pushed=Count("id", filter=Q(push_state=PushState.PUSHED))
    )
    if job.kind == JobKind.MANUAL:
        job.total, job.already, job.processed = counts["total"], counts["pushed"], counts["pushed"]
    else:
        job.total = counts["total"] - counts["pushed"]
    job.save(update_fields=["total", "already", "processed"])


@transaction.atomic
def push_job_create(*, actor, kind: str, office: Office | None, filters: dict) -> PushJob:
    """Record a manual push or backfill job (audited); the worker runs it after commit."""
    job = PushJob.objects.create(kind=kind, office=office, filters=filters, created_by=actor)
    _count(job)
    audit.record(
        actor,
        f"closure.{kind}_job_created",
        job,
        office,
        {"filters": filters, "total": job.total},
    )
    transaction.on_commit(lambda: dispatch.job_run_send(job.pk))
    return job


def push_job_take(*, job_id: int) -> bool:
    """Take a job for running (single-flight): queued, or running with a stale heartbeat."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.CLOSURE_PUSH_LEASE_SECONDS)
    return bool(
        PushJob.objects.filter(pk=job_id)
        .filter(
            Q(state__in=[JobState.QUEUED, JobState.FAILED])
            | Q(state=JobState.RUNNING, heartbeat_at__lt=stale)
        )
        .update(
            state=JobState.RUNNING,
            heartbeat_at=now,
            started_at=Coalesce(F("started_at"), Value(now)),
        )
    )


class _Progress:
    """Shared bookkeeping of the lanes of one job run: counters and a safe cursor (every
    id at or below it is done), saved after each chunk."""

    def __init__(self, job: PushJob, on_progress):
        self.job = job
        self.lock = threading.Lock()
        self.running: dict[int, int] = {}  # lane → lowest id of the chunk it holds
        self.on_progress = on_progress
        self.stop = False

    def claim(self, base: QuerySet, lane: int, chunk: int) -> list[int]:
        """Lock the next chunk in the lane's open transaction."""
        with self.lock:
            ids = records_lock(
                base.filter(pk__gt=self.job.cursor).filter(not_leased(timezone.now())),
                limit=chunk,
            )
            if ids:
                self.running[lane] = min(ids)
            return ids

    def done(self, lane: int, ids: list[int], outcome) -> None:
        with self.lock:
            job = self.job
            del self.running[lane]
            high = max(ids)
            self.top = max(getattr(self, "top", 0), high)
            # Safe: below the lowest chunk still being pushed, else the highest id done.
            job.cursor = min(self.running.values()) - 1 if self.running else self.top
            job.processed += len(ids)
            job.pushed += outcome.pushed
            job.already += outcome.already
            job.failed += outcome.failed
            room = MAX_FAILURES_KEPT - len(job.failures)
            if room > 0 and outcome.failures:
                job.failures = job.failures + outcome.failures[:room]
            job.heartbeat_at = timezone.now()
            job.save(
                update_fields=[
                    "cursor",
                    "processed",
                    "pushed",
                    "already",
                    "failed",
                    "failures",
                    "heartbeat_at",
                ]
            )
            if self.on_progress:
                self.on_progress(job)


def push_job_run(
    *,
    job: PushJob,
    chunk: int | None = None,
    lanes: int = 1,
    on_progress: Callable[[PushJob], None] | None = None,
) -> PushJob:
    """Run a taken job to the end, chunk by chunk, saving progress after each chunk.

    ``lanes`` > 1 pushes that many chunks at once (threads, each with its own database
    connection): chunks are disjoint because a claim skips locked and leased rows.
    """
    chunk = chunk or settings.CLOSURE_PUSH_BATCH_SIZE
    if connection.vendor != "postgresql":
        lanes = 1  # SQLite has one writer at a time: lanes would only wait for each other
    if job.started_at is None:
        PushJob.objects.filter(pk=job.pk, started_at__isnull=True).update(started_at=timezone.now())
    base = job_records(job)
    progress = _Progress(job, on_progress)

    def lane(number: int) -> None:
        try:
            while not progress.stop:
                with transaction.atomic():
                    if connection.vendor == "postgresql":
                        # Losing this commit in a crash only means posting the chunk
                        # again: do not wait for the WAL flush.
                        with connection.cursor() as cur:
                            cur.execute("SET LOCAL synchronous_commit TO OFF")
                    ids = progress.claim(base, number, chunk)
                    if not ids:
                        break
                    # The cursor and counters commit with the rows' new state.
                    progress.done(number, ids, claimed_push(ids))
        except BaseException:
            progress.stop = True  # the other lanes finish their chunk and stop
            raise
        finally:
            if lanes > 1:
                connection.close()

    if lanes <= 1:
        lane(0)
    else:
        with ThreadPoolExecutor(max_workers=lanes) as pool:
            futures = [pool.submit(lane, n) for n in range(lanes)]
            try:
                for future in futures:
                    future.result()
            except BaseException:
                progress.stop = True
                raise
    job.total = max(job.total, job.processed)
    job.state = JobState.DONE
    job.error = ""
    job.finished_at = timezone.now()
    job.save(update_fields=["total", "state", "error", "finished_at"])
    if job.kind == JobKind.BACKFILL and connection.vendor == "postgresql" and job.processed:
        # Every record the backfill touched changed its push state: the planner's
        # statistics are refreshed now, not when autovacuum comes round to it.
        with connection.cursor() as cur:
            cur.execute(f"ANALYZE {connection.ops.quote_name(ClosureRecord._meta.db_table)}")
    with transaction.atomic():
        audit.record(
            job.created_by,
            f"closure.{job.kind}_job_finished",
            job,
            job.office,
            {"pushed": job.pushed, "already": job.already, "failed": job.failed},
        )
    log.info(
        "closure_push_job_done",
        job_id=job.pk,
        pushed=job.pushed,
        already=job.already,
        failed=job.failed,
    )
    return job


def push_job_fail(*, job_id: int) -> None:
    """Mark a job whose run stopped on an unexpected error (its cursor and counters stay;
    starting it again goes on from there). The detail is in the log."""
    PushJob.objects.filter(pk=job_id).exclude(state=JobState.DONE).update(
        state=JobState.FAILED, error=errors.JOB_FAILED
    )
    log.error("closure_push_job_failed", job_id=job_id, exc_info=True)


def backfill_job_resume_or_create(*, actor, since: date, office: Office | None) -> PushJob:
    """The unfinished backfill with the same filters, or a new one."""
    filters = {"since": since.isoformat()}
    job = (
        PushJob.objects.filter(kind=JobKind.BACKFILL, office=office, filters=filters)
        .exclude(state=JobState.DONE)
        .order_by("-id")
        .first()
    )
    if job is not None:
        return job
    with transaction.atomic():
        job = PushJob.objects.create(
            kind=JobKind.BACKFILL, office=office, filters=filters, created_by=actor
        )
        _count(job)
        audit.record(
            actor,
            "closure.backfill_job_created",
            job,
            office,
            {"filters": filters, "total": job.total},
        )
    return job


def push_jobs_stalled() -> list[int]:
    """Jobs whose runner died (stale heartbeat) or whose start message was lost."""
    stale = timezone.now() - timedelta(seconds=settings.CLOSURE_PUSH_LEASE_SECONDS)
    return list(
        PushJob.objects.filter(
            Q(state=JobState.RUNNING, heartbeat_at__lt=stale)
            | Q(state=JobState.QUEUED, created_at__lt=stale)
        ).values_list("id", flat=True)[:20]
    )
