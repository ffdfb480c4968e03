"""Periodic jobs of the difficulty work (registered with Celery from the app config)."""

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from .services_difficulties import difficulty_summary_send


@shared_task(name="declarations.tasks_district.difficulty_summary_monthly", ignore_result=True)
def difficulty_summary_monthly() -> int:
    """On the 1st: e-mail the directors last month's summary of difficulties."""
    end = timezone.localdate().replace(day=1) - timedelta(days=1)
    return difficulty_summary_send(start=end.replace(day=1), end=end)


@shared_task(name="declarations.tasks_district.adoption_snapshot_refresh", ignore_result=True)
def adoption_snapshot_refresh() -> int:
    """Refresh the adoption snapshots the dashboards read (today and past month starts)."""
    from .services_adoption import adoption_snapshot_refresh as refresh

    return refresh()
