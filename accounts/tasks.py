"""Beat jobs of accounts: personnel decisions at midnight, report reminders, chain check."""

from celery import shared_task

from . import audit, audit_checkpoints, audit_log, lifecycle, reports


@shared_task(name="accounts.tasks.lifecycle_run", ignore_result=True)
def lifecycle_run() -> dict:
    """Apply due personnel decisions and expire outside accounts (idempotent)."""
    return lifecycle.lifecycle_run()


@shared_task(name="accounts.tasks.reports_remind", ignore_result=True)
def reports_remind() -> dict:
    return reports.reports_remind()


@shared_task(name="accounts.tasks.audit_chain_check", ignore_result=True)
def audit_chain_check() -> int | None:
    return audit_log.chain_check().broken_id


@shared_task(name="accounts.tasks.audit_seal", ignore_result=True)
def audit_seal() -> int:
    """Chain the audit entries committed since the last run (every few seconds), then sign
    a checkpoint of the head when ``AUDIT_CHECKPOINT_MINUTES`` have passed."""
    sealed = audit.seal()
    audit_checkpoints.checkpoint_write_safely()
    return sealed
