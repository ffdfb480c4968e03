from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The project itself: home page, health check, shared templates and template tags."""

    name = "portal"
    verbose_name = "Cổng giao dịch điện tử BHXH"
