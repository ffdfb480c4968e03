from django.apps import AppConfig

from core.navigation import register_banner
from core.refusals import catalogue_section_register


class DossiersConfig(AppConfig):
    """Dossiers (hồ sơ), their files, notices and events, incidents and paper dossiers, and
    the working-day calendar of their legal time limits."""

    name = "declarations.dossiers"
    label = "dossiers"
    verbose_name = "Hồ sơ và thông báo"

    def ready(self):
        # Imported here: these modules use the models, loaded once the registry is ready.
        from declarations.dossiers import (
            navigation,  # noqa: F401  (registers its pages)
            supplements,  # noqa: F401  (registers its refusal codes)
        )
        from declarations.dossiers.home import employer_home_banner

        register_banner(employer_home_banner)  # the employer's dossiers on the home page

        # The agency's signed documents: the outbox handler that issues them, the result
        # notices' subscription, the verification page's refusal codes and log filter.
        from declarations.dossiers import agency_documents, events, notices, verification  # noqa: F401

        events.subscribe(notices.on_notice_issued, concerns=notices.notice_events_concern)

        # reasons registers the review decisions' refusal codes.
        from declarations.dossiers.reasons import REASONS

        catalogue_section_register(
            "Reasons given in rejection and supplement notices",
            "",
            lambda: ((r.code, r.vi, r.en) for r in REASONS.values()),
        )
