"""Celery settings that depend on the broker. Redis (the default) needs none beyond base's;
RabbitMQ (``CELERY_BROKER_URL=amqp://…``) gets the task queue as a quorum queue.

A quorum queue is replicated (Raft) and written to disk before the publisher is told so
(publisher confirms on): a broker that restarts, or loses a node of three, keeps every
message, where Redis without persistence loses what was queued and the beat sweeps catch
up. What it asks of Celery: no global QoS (Celery turns it off when it sees a quorum queue,
``worker_detect_quorum_queues``: the prefetch stays per consumer, 1), and countdowns through
RabbitMQ itself (native delayed delivery: the ``celery_delayed_*`` quorum queues, reached
through a topic exchange), so a retry waiting its turn is not held unacknowledged by a
worker past RabbitMQ's consumer timeout. ``acks_late`` and ``reject_on_worker_lost`` stay:
a message is acknowledged after its task, and one whose worker died goes back to the queue.
"""

from kombu import Exchange, Queue

AMQP_SCHEMES = ("amqp://", "amqps://", "pyamqp://")


def broker_settings(url: str, queue: str) -> dict:
    """The ``CELERY_*`` settings for the broker at ``url`` with the task queue ``queue``."""
    if not url.startswith(AMQP_SCHEMES):
        return {}
    exchange = Exchange(queue, type="topic", durable=True)
    return {
        "CELERY_TASK_QUEUES": (
            Queue(
                queue,
                exchange,
                routing_key=queue,
                durable=True,
                queue_arguments={"x-queue-type": "quorum"},
            ),
        ),
        "CELERY_TASK_DEFAULT_EXCHANGE": queue,
        "CELERY_TASK_DEFAULT_EXCHANGE_TYPE": "topic",
        "CELERY_TASK_DEFAULT_ROUTING_KEY": queue,
        "CELERY_TASK_DEFAULT_QUEUE_TYPE": "quorum",
        "CELERY_TASK_CREATE_MISSING_QUEUE_TYPE": "quorum",
        "CELERY_TASK_CREATE_MISSING_QUEUE_EXCHANGE_TYPE": "topic",
        "CELERY_WORKER_DETECT_QUORUM_QUEUES": True,
        "CELERY_BROKER_NATIVE_DELAYED_DELIVERY_QUEUE_TYPE": "quorum",
        # publish() returns once the broker has the message (on a quorum of replicas).
        "CELERY_BROKER_TRANSPORT_OPTIONS": {"confirm_publish": True},
    }
