"""Celery tasks of the outbox: deliver one message, fan a wake-up out, the beat sweep."""

from celery import shared_task
from django.conf import settings

from . import services


@shared_task(name="core.outbox.tasks.outbox_deliver", ignore_result=True)
def outbox_deliver(message_id: int) -> None:
    """Deliver one message if it is still due (single-flight: the claim is conditional)."""
    for message in services.outbox_claim(message_id=message_id):
        services.outbox_deliver(message)


@shared_task(name="core.outbox.tasks.outbox_fan_out", ignore_result=True)
def outbox_fan_out(message_ids: list[int]) -> None:
    """One delivery message per row of a web process's wake-up (see ``waker``), so the
    worker's processes share the rows and a killed one strands only the row it held."""
    with outbox_deliver.app.producer_or_acquire() as producer:
        for message_id in message_ids:
            outbox_deliver.apply_async((message_id,), producer=producer)


@shared_task(name="core.outbox.tasks.outbox_sweep", ignore_result=True)
def outbox_sweep() -> int:
    """Deliver every due row in batches; a lost or failed kick only delays a message."""
    delivered = 0
    while True:
        batch = services.outbox_claim(limit=settings.OUTBOX_BATCH_SIZE)
        if not batch:
            return delivered
        for message in batch:
            services.outbox_deliver(message)
            delivered += 1
