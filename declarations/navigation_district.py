"""Navigation entries of the adoption and difficulty pages (registered at start-up)."""

from django.utils.translation import gettext_lazy as _

from portal import navigation
from portal.navigation import NavItem

navigation.register(
    NavItem(
        _("E-transaction adoption"),
        "district:adoption",
        "declarations.view_adoption",
        _("Share of employers transacting electronically, targets and leaderboard."),
    )
)
navigation.register(
    NavItem(
        _("Employer assignments"),
        "district:assignments",
        "declarations.assign_employers",
        _("Assign employers to collection officers."),
    )
)
navigation.register(
    NavItem(
        _("Release deployment"),
        "district:releases",
        "declarations.view_adoption",
        _("Provinces' deployment of the current portal release."),
    )
)
navigation.register(
    NavItem(
        _("Difficulties"),
        "district:difficulties",
        "declarations.file_difficulty",
        _("Report a difficulty with e-transactions and follow its answer."),
    )
)
navigation.register(
    NavItem(
        _("Difficulties to answer"),
        "district:difficulties_inbox",
        "declarations.answer_difficulty",
        _("Answer difficulties or forward them to IT or the provider."),
    )
)
navigation.register(
    NavItem(
        _("Summary of difficulties"),
        "district:difficulty_summary",
        "declarations.view_difficulty_summary",
        _("Counts by category and office for the directors."),
    )
)
