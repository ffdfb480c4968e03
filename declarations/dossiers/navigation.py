"""Navigation entries of the dossier pages (registered at start-up)."""

from django.utils.translation import gettext_lazy as _

from core import navigation
from core.navigation import NavItem

for item in (
    NavItem(
        _("Dossiers and notices"),
        "declarations:history",
        "accounts.submit_dossiers",
        _("Your dossiers, their status and every notice (view, print as PDF)."),
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
