from django.apps import AppConfig


class IvanConfig(AppConfig):
    """Contracted I-VAN providers and the API through which they submit dossiers."""

    name = "ivan"
    verbose_name = "Nhà cung cấp I-VAN"

    def ready(self):
        from . import webhooks  # noqa: F401  (registers the outbox handler)
        from .api import schema  # noqa: F401  (OpenAPI description of provider auth)
