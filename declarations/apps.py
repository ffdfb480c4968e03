from django.apps import AppConfig


class DeclarationsConfig(AppConfig):
    """Employers, e-transaction registration, intake of signed dossiers, review, notices."""

    name = "declarations"
    verbose_name = "Hồ sơ giao dịch điện tử"

    def ready(self):
        from . import (
            navigation_district,  # noqa: F401  (registers the pages' nav entries)
            tasks_district,  # noqa: F401  (registers the periodic summary task)
        )
