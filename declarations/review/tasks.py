"""Periodic jobs of the review: the office dashboard's snapshots."""

from celery import shared_task

from declarations.review import dashboard


@shared_task(name="declarations.review.tasks.dashboard_snapshot_refresh", ignore_result=True)
def dashboard_snapshot_refresh() -> int:
    """Count every office with open work and store its dashboard snapshot (each minute)."""
    return dashboard.dashboard_snapshot_refresh()
