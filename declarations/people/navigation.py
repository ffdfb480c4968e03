"""Navigation entries of the people pages (registered at start-up)."""

from django.utils.translation import gettext_lazy as _

from core import navigation
from core.navigation import NavItem

for item in (
    NavItem(
        _("Workforce"),
        "declarations:workforce",
        "accounts.submit_dossiers",
        _("Your insured workers, their books and cards."),
    ),
    NavItem(
        _("Insured people"),
        "district:people",
        "people.view_person",
        _("Look up a person's record: identity, employment spells, book and cards."),
    ),
    NavItem(
        _("Cards to return"),
        "district:cards_to_return",
        "people.record_card_return",
        _("Health-insurance cards units must hand back; record their return."),
    ),
):
    navigation.register(item)
