import structlog
from django.apps import AppConfig
from django.conf import settings

log = structlog.get_logger(__name__)


class OutboxConfig(AppConfig):
    """Outbox rows and the relay that delivers them (hộp thư đi)."""

    name = "core.outbox"
    label = "outbox"
    verbose_name = "Outbox"

    def ready(self):
        # Imported here: they use the models, loaded only once the registry is ready.
        from . import handlers, tasks  # noqa: F401  (the e-mail handler; the tasks by name)
        from .waker import broker_warm

        if not settings.CELERY_TASK_ALWAYS_EAGER:
            # Now, not in the first request that commits an outbox row.
            try:
                broker_warm()
            except Exception:  # noqa: BLE001  (the first publish will say what is wrong)
                log.warning("outbox_broker_warm_failed", exc_info=True)
