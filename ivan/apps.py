from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from accounts import hooks
from core import navigation


class IvanConfig(AppConfig):
    """Contracted I-VAN providers and the API through which they submit dossiers."""

    name = "ivan"
    verbose_name = "Nhà cung cấp I-VAN"

    def ready(self):
        # Imported here: these modules use the models, loaded once the registry is ready.
        from declarations.dossiers import events
        from ivan import webhooks  # noqa: F401  (registers the outbox handler)
        from ivan.api import (
            errors,  # noqa: F401  (registers the API's refusal codes)
            schema,  # noqa: F401  (OpenAPI description of provider auth)
        )
        from ivan.notifications import concerns, on_dossier_event
        from ivan.services import user_tokens_revoke

        events.subscribe(on_dossier_event, concerns=concerns)
        hooks.register_token_revoker("ivan.oauth", user_tokens_revoke)
        navigation.register(
            navigation.NavItem(
                _("I-VAN API clients"),
                "ivan:clients",
                "ivan.manage_api_clients",
                _("Issue sandbox and live clients to providers; rotate and revoke secrets."),
            )
        )
