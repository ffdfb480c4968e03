"""Navigation entries of the statement pages (registered at start-up)."""

from django.utils.translation import gettext_lazy as _

from core import navigation
from core.navigation import NavItem

for item in (
    NavItem(
        _("Contribution statements"),
        "declarations:statements",
        ("accounts.submit_dossiers", "statements.view_statement"),
        _("Monthly statements (C12-TS): amounts due, payments, interest, what is carried."),
    ),
    NavItem(
        _("Units' statements"),
        "district:statements",
        # Both: an employer user holds the first only.
        ("statements.view_statement", "statements.view_statement_summary"),
        _("The C12-TS statements of the units of your offices."),
    ),
    NavItem(
        _("Collection summary"),
        "district:statements_summary",
        "statements.view_statement_summary",
        _("Amount due against money received per month, units in arrears."),
    ),
):
    navigation.register(item)
