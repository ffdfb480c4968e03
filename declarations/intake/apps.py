from django.apps import AppConfig


class IntakeConfig(AppConfig):
    """The one intake pipeline of signed dossiers, the procedures' rules, the money tables,
    and composing and uploading in the browser."""

    name = "declarations.intake"
    label = "intake"
    verbose_name = "Tiếp nhận hồ sơ điện tử"

    def ready(self):
        # Imported here: these modules use the models, loaded once the registry is ready.
        from declarations.intake import navigation  # noqa: F401  (registers its pages)
        from declarations.intake.procedures import p600, p600a  # noqa: F401  (each registers itself)
