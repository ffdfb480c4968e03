from django.apps import AppConfig
from django.core import checks

from core import (
    pdf,
    uploads,  # noqa: F401  (registers the upload refusal codes)
)


class PortalConfig(AppConfig):
    """The project itself: home page, health check, shared templates and template tags."""

    name = "portal"
    verbose_name = "Cổng giao dịch điện tử BHXH"

    def ready(self):
        # A font without Vietnamese glyphs would print notices as empty boxes: refuse to start.
        checks.register(pdf.font_check)
