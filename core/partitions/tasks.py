"""Beat tasks of the partitions: next months ahead, and the nightly check of the links."""

from celery import shared_task

from . import services


@shared_task(name="core.partitions.tasks.partitions_ensure", ignore_result=True)
def partitions_ensure() -> list[str]:
    return services.partitions_ensure()


@shared_task(name="core.partitions.tasks.partitions_check")
def partitions_check() -> dict[str, int]:
    return services.partitions_check()
