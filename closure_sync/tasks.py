"""Celery tasks of the closure push and imports. They take ids, are idempotent and
single-flight."""

from celery import shared_task

from . import jobs, monitor, push
from .imports import services as imports
from .models import PushJob


@shared_task(name="closure_sync.tasks.closure_push_sweep", ignore_result=True)
def closure_push_sweep() -> int:
    """Beat, every minute: push every due record in batches; restart stalled jobs."""
    for job_id in jobs.push_jobs_stalled():
        closure_push_job_run.delay(job_id)
    imports.closure_imports_resend()
    outcome = push.closure_push_due()
    return outcome.pushed + outcome.already


@shared_task(name="closure_sync.tasks.closure_push_records", ignore_result=True)
def closure_push_records(ids: list[int]) -> None:
    """Push these records now if still due (after a confirmation, or a scheduled retry)."""
    push.closure_push_ids(ids=ids)


@shared_task(name="closure_sync.tasks.closure_push_job_run", ignore_result=True)
def closure_push_job_run(job_id: int) -> None:
    """Run a manual push or backfill job (resumes from its cursor if it was interrupted)."""
    if jobs.push_job_take(job_id=job_id):
        try:
            jobs.push_job_run(job=PushJob.objects.get(pk=job_id))
        except Exception:
            # Shown on the job's page as failed, not running forever; taking it again
            # (push_job_take) goes on from its cursor.
            jobs.push_job_fail(job_id=job_id)
            raise


@shared_task(name="closure_sync.tasks.closure_deadline_monitor", ignore_result=True)
def closure_deadline_monitor() -> dict:
    return monitor.closure_deadline_check()


@shared_task(name="closure_sync.tasks.closure_import_check", ignore_result=True)
def closure_import_check(import_id: int) -> None:
    """Check an uploaded import (the preview's counts and refused lines)."""
    imports.closure_import_check(import_id=import_id)


@shared_task(name="closure_sync.tasks.closure_import_store", ignore_result=True)
def closure_import_store(import_id: int) -> None:
    """Store a confirmed import, all or nothing."""
    imports.closure_import_store(import_id=import_id)
