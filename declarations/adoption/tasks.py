"""Periodic jobs of the adoption work: the dashboards' snapshots, the reminders of
release deployment results."""

from celery import shared_task

from declarations.adoption import results, services


@shared_task(name="declarations.adoption.tasks.adoption_snapshot_refresh", ignore_result=True)
def adoption_snapshot_refresh() -> int:
    """Refresh the adoption snapshots the dashboards read (today and past month starts)."""
    return services.adoption_snapshot_refresh()


@shared_task(name="declarations.adoption.tasks.release_results_remind", ignore_result=True)
def release_results_remind() -> int:
    """Remind provinces that have not reported their release deployment result (daily)."""
    return results.release_results_remind()
