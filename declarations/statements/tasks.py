"""Celery tasks of the statements: last month finalised (beat, monthly), then issued as
signed notices in small tasks (one signature is ~20 ms on the HSM: 100,000 units would not
fit one task's time limit)."""

from datetime import date

from celery import shared_task
from django.utils import timezone

from declarations.statements.compute import month_prev
from declarations.statements.models import Statement
from declarations.statements.services import month_finalise, statements_issue

ISSUE_CHUNK = 200


@shared_task(name="declarations.statements.tasks.statements_finalise_last_month")
def statements_finalise_last_month(today: str | None = None) -> dict:
    """Store last month's statements, then queue their issuing. Idempotent: a second run
    stores nothing and queues only what is still not issued."""
    day = date.fromisoformat(today) if today else timezone.localdate()
    month = month_prev(day.replace(day=1))
    stored = month_finalise(month)
    pending = list(
        Statement.objects.filter(month=month, document_id__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for i in range(0, len(pending), ISSUE_CHUNK):
        statements_issue_some.delay(month.isoformat(), pending[i : i + ISSUE_CHUNK])
    return {"month": month.strftime("%m/%Y"), "stored": stored, "queued": len(pending)}


@shared_task(name="declarations.statements.tasks.statements_issue_some", acks_late=True)
def statements_issue_some(month: str, statement_ids: list[int]) -> int:
    """Issue these final statements (those not issued yet) as signed notices."""
    return statements_issue(date.fromisoformat(month), ids=statement_ids)
