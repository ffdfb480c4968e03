from django.apps import AppConfig

from core import uploads  # noqa: F401  (registers the upload refusal codes)


class PortalConfig(AppConfig):
    """The project itself: home page, health check, shared templates and template tags."""

    name = "portal"
    verbose_name = "Cổng giao dịch điện tử BHXH"
