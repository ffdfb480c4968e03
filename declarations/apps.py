from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeclarationsConfig(AppConfig):
    """Employers, e-transaction registration, intake of signed dossiers, review, notices."""

    name = "declarations"
    verbose_name = "Hồ sơ giao dịch điện tử"

    def ready(self):
        from accounts import hooks
        from portal import navigation
        from portal.navigation import NavItem

        from . import (
            navigation_district,  # noqa: F401  (registers the pages' nav entries)
            navigation_review,  # noqa: F401  (registers the review pages' nav entries)
            tasks_district,  # noqa: F401  (registers the periodic summary task)
            tasks_trust,  # noqa: F401  (registers the CRL refresh tasks)
        )
        from .banners import trust_banner
        from .review.services import claims_hand_back

        # A locked person's claimed dossiers go back to the office queue.
        hooks.register_work_handback("declarations.claims", claims_hand_back)
        # IT staff see stale or missing CRLs of the licensed CAs on their home page.
        navigation.register_banner(trust_banner)

        for item in (
            NavItem(
                _("Dossiers and notices"),
                "declarations:history",
                "accounts.submit_dossiers",
                _("Your dossiers, their status and every notice (view, print as PDF)."),
            ),
            NavItem(
                _("Compose a D02-LT list"),
                "declarations:compose",
                "accounts.submit_dossiers",
                _("Fill the worker list, import it from .xlsx, download it to sign."),
            ),
            NavItem(
                _("Send a signed dossier"),
                "declarations:upload",
                "accounts.submit_dossiers",
                _("Upload the signed XML dossier and get the receipt at once."),
            ),
            NavItem(
                _("Certificates"),
                "declarations:certificates",
                "accounts.submit_dossiers",
                _("Registered signing certificates; renew or replace."),
            ),
            NavItem(
                _("E-transaction registrations"),
                "declarations:registrations",
                "accounts.manage_employers",
                _("Approve employers' 04/ĐK-IVAN registrations."),
            ),
            NavItem(
                _("Received dossiers"),
                "declarations:received",
                "accounts.receive_dossiers",
                _("Dossiers received for your offices."),
            ),
            NavItem(
                _("Incidents"),
                "declarations:incidents",
                "accounts.receive_dossiers",
                _("Network or software failures that excuse paper filing."),
            ),
            NavItem(
                _("Register a paper dossier"),
                "declarations:paper_dossier",
                "accounts.receive_dossiers",
                _("Paper receipt slips 101/103, with a covering incident."),
            ),
        ):
            navigation.register(item)
