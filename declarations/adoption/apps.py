from django.apps import AppConfig


class AdoptionConfig(AppConfig):
    """E-transaction adoption (tỷ lệ giao dịch điện tử): assignments, targets, snapshots,
    release deployments."""

    name = "declarations.adoption"
    label = "adoption"
    verbose_name = "Tỷ lệ giao dịch điện tử"

    def ready(self):
        # Imported here: these modules use the models, loaded once the registry is ready.
        from declarations.adoption import (
            navigation,  # noqa: F401  (registers its pages)
            results,  # noqa: F401  (registers its refusal codes)
            services,  # noqa: F401  (registers its refusal codes)
        )
