from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The project itself: home page, health check, shared templates and template tags."""

    name = "portal"
    verbose_name = "Cổng giao dịch điện tử BHXH"

    def ready(self):
        from core.refusals import catalogue_section_register
        from core.uploads import MESSAGES

        catalogue_section_register(
            "Uploads (every upload page)",
            "A page that takes files answers 413 with `UPLOAD_TOO_LARGE` when the upload "
            "passes its limit (nothing is read past it, nothing is saved).",
            lambda: ((code, vi, en) for code, (vi, en) in MESSAGES.items()),
        )
