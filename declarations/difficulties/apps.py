from django.apps import AppConfig


class DifficultiesConfig(AppConfig):
    """Difficulties (vướng mắc) filed by employers and staff, answered or forwarded."""

    name = "declarations.difficulties"
    label = "difficulties"
    verbose_name = "Vướng mắc"

    def ready(self):
        # Imported here: these modules use the models, loaded once the registry is ready.
        from declarations.difficulties import (
            navigation,  # noqa: F401  (registers its pages)
            services,  # noqa: F401  (registers its refusal codes)
        )
