from django.apps import AppConfig


class OutboxConfig(AppConfig):
    """Outbox rows and the relay that delivers them (hộp thư đi)."""

    name = "portal.outbox"
    label = "outbox"
    verbose_name = "Outbox"

    def ready(self):
        from . import handlers  # noqa: F401  (registers the built-in e-mail handler)
