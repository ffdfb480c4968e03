"""Asking the worker to push now, by task name: the modules that ask (services, push,
jobs) stay below ``tasks``, which imports them. ``ClosureSyncConfig.ready()`` imports
``tasks`` so the names are registered in every process."""

from __future__ import annotations

from celery import current_app

PUSH_RECORDS = "closure_sync.tasks.closure_push_records"
JOB_RUN = "closure_sync.tasks.closure_push_job_run"


def push_records_send(ids: list[int], *, countdown: float | None = None) -> None:
    """Queue a push of these records (run at once when tasks are eager)."""
    current_app.tasks[PUSH_RECORDS].apply_async((ids,), countdown=countdown)


def job_run_send(job_id: int) -> None:
    """Queue the run of a push job."""
    current_app.tasks[JOB_RUN].apply_async((job_id,))


IMPORT_CHECK = "closure_sync.tasks.closure_import_check"
IMPORT_STORE = "closure_sync.tasks.closure_import_store"


def import_check_send(import_id: int) -> None:
    """Queue the check of an uploaded closure import."""
    current_app.tasks[IMPORT_CHECK].apply_async((import_id,))


def import_store_send(import_id: int) -> None:
    """Queue the store of a confirmed closure import."""
    current_app.tasks[IMPORT_STORE].apply_async((import_id,))
