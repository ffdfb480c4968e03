from django.apps import AppConfig


class IvanConfig(AppConfig):
    """Contracted I-VAN providers and the API through which they submit dossiers."""

    name = "ivan"
    verbose_name = "Nhà cung cấp I-VAN"

    def ready(self):
        from accounts import hooks
        from core.refusals import catalogue_section_register
        from declarations.dossiers import events
        from ivan import webhooks  # noqa: F401  (registers the outbox handler)
        from ivan.api import schema  # noqa: F401  (OpenAPI description of provider auth)
        from ivan.api.errors import MESSAGES
        from ivan.notifications import concerns, on_dossier_event
        from ivan.services import user_tokens_revoke

        events.subscribe(on_dossier_event, concerns=concerns)
        hooks.register_token_revoker("ivan.oauth", user_tokens_revoke)
        catalogue_section_register(
            "I-VAN API (problem documents)",
            "The API answers `application/problem+json` with one of these codes; a refused "
            "dossier (`IVAN_DOSSIER_REFUSED`) lists the intake codes above in `errors`.",
            lambda: ((code, vi, en) for code, (vi, en) in MESSAGES.items()),
        )
