from django.apps import AppConfig


class IntakeConfig(AppConfig):
    """The one intake pipeline of signed dossiers, the procedures' rules, the money tables,
    and composing and uploading in the browser."""

    name = "declarations.intake"
    label = "intake"
    verbose_name = "Tiếp nhận hồ sơ điện tử"

    def ready(self):
        # Imported here: these modules use the models, loaded once the registry is ready.
        from declarations.intake import (  # noqa: F401
            imports,  # registers the compose page's refusal codes (and imports compose's)
            navigation,  # registers its pages
        )
        from declarations.intake.procedures import (  # noqa: F401  (each registers itself)
            p600,
            p600a,
            p601,
            p603,
            p604,
            p607,
            p610,
        )
