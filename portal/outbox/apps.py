from django.apps import AppConfig


class OutboxConfig(AppConfig):
    """Outbox rows and the relay that delivers them (hộp thư đi)."""

    name = "portal.outbox"
    label = "outbox"
    verbose_name = "Outbox"

    def ready(self):
        from django.conf import settings

        from . import handlers  # noqa: F401  (registers the built-in e-mail handler)

        if not settings.CELERY_TASK_ALWAYS_EAGER:
            # Not by the first request that commits an outbox row (see waker.broker_warm).
            from .waker import broker_warm

            try:
                broker_warm()
            except Exception:  # noqa: BLE001  (the first publish will say what is wrong)
                import structlog

                structlog.get_logger(__name__).warning("outbox_broker_warm_failed", exc_info=True)
