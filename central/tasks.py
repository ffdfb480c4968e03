"""Central store housekeeping."""

from celery import shared_task

from .auth import nonces_prune


@shared_task(name="central.tasks.central_nonces_prune", ignore_result=True)
def central_nonces_prune() -> int:
    return nonces_prune()
