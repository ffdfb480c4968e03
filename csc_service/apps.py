from django.apps import AppConfig


class CscServiceConfig(AppConfig):
    """A CA's remote-signing service (CSC API v2) for the tests and the demo: another
    party, reached by the portal over HTTP only (``/csc/`` in development)."""

    name = "csc_service"
    verbose_name = "Dịch vụ ký số từ xa (CSC)"
