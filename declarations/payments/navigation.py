"""Navigation entries of the payments pages (registered at start-up)."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core import navigation
from core.navigation import NavItem

for item in (
    NavItem(
        _("Import a bank statement"),
        "district:payments_import",
        "payments.import_statement",
        _("The collection account's statement: check, preview, store; transfers matched."),
    ),
    NavItem(
        _("Unmatched transfers"),
        "district:payments_queue",
        "payments.match_payment",
        _("Transfers no unit was found for: match them by hand."),
    ),
    NavItem(
        pgettext_lazy("payments", "Payments received"),
        "district:payments",
        "payments.view_payment",
        _("Transfers received, by unit and month."),
    ),
):
    navigation.register(item)
