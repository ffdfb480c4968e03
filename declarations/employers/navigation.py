"""Navigation entries of the employers' pages (registered at start-up)."""

from django.utils.translation import gettext_lazy as _

from core import navigation
from core.navigation import NavItem

for item in (
    NavItem(
        _("Certificates"),
        "declarations:certificates",
        "accounts.submit_dossiers",
        _("Registered signing certificates; renew or replace."),
    ),
    NavItem(
        _("Change the unit's data"),
        "declarations:unit_data",
        "accounts.submit_dossiers",
        _("Procedure 604: name, address, tax code, bank account, contact, result delivery."),
    ),
    NavItem(
        _("E-transaction registration"),
        "declarations:signing_channel",
        "accounts.submit_dossiers",
        _("Change (05/SD-IVAN) or stop (06/NG-IVAN) the unit's e-transactions, signed here."),
    ),
    NavItem(
        _("E-transaction registrations"),
        "declarations:registrations",
        "accounts.manage_employers",
        _("Approve employers' 04/ĐK-IVAN registrations."),
    ),
):
    navigation.register(item)
