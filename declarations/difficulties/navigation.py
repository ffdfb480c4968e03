"""Navigation entries of the difficulty pages (registered at start-up)."""

from django.utils.translation import gettext_lazy as _

from core import navigation
from core.navigation import NavItem

for item in (
    NavItem(
        _("Difficulties"),
        "district:difficulties",
        "difficulties.file_difficulty",
        _("Report a difficulty with e-transactions and follow its answer."),
    ),
    NavItem(
        _("Difficulties to answer"),
        "district:difficulties_inbox",
        "difficulties.answer_difficulty",
        _("Answer difficulties or forward them to IT or the provider."),
    ),
    NavItem(
        _("Summary of difficulties"),
        "district:difficulty_summary",
        "difficulties.view_difficulty_summary",
        _("Counts by category and office for the directors."),
    ),
):
    navigation.register(item)
