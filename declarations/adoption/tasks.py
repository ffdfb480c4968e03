"""Periodic jobs of the adoption work: the dashboards' snapshots."""

from celery import shared_task

from declarations.adoption import services


@shared_task(name="declarations.adoption.tasks.adoption_snapshot_refresh", ignore_result=True)
def adoption_snapshot_refresh() -> int:
    """Refresh the adoption snapshots the dashboards read (today and past month starts)."""
    return services.adoption_snapshot_refresh()
