"""Navigation entries of composing and sending dossiers (registered at start-up)."""

from django.utils.translation import gettext_lazy as _

from core import navigation
from core.navigation import NavItem

for item in (
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
):
    navigation.register(item)
