"""Periodic jobs of the difficulty work."""

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from declarations.difficulties.services import difficulty_summary_send


@shared_task(name="declarations.difficulties.tasks.difficulty_summary_monthly", ignore_result=True)
def difficulty_summary_monthly() -> int:
    """On the 1st: e-mail the directors last month's summary of difficulties."""
    end = timezone.localdate().replace(day=1) - timedelta(days=1)
    return difficulty_summary_send(start=end.replace(day=1), end=end)
