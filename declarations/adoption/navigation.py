"""Navigation entries of the adoption pages (registered at start-up)."""

from django.utils.translation import gettext_lazy as _

from core import navigation
from core.navigation import NavItem

for item in (
    NavItem(
        _("E-transaction adoption"),
        "district:adoption",
        "adoption.view_adoption",
        _("Share of employers transacting electronically, targets and leaderboard."),
    ),
    NavItem(
        _("Employer assignments"),
        "district:assignments",
        "adoption.assign_employers",
        _("Assign employers to collection officers."),
    ),
    NavItem(
        _("Release deployment"),
        "district:releases",
        "adoption.view_adoption",
        _("Provinces' deployment of the current portal release."),
    ),
    NavItem(
        _("Release deployment results"),
        "district:release_results",
        "adoption.record_deployment",
        _("Each province's report of its deployment, by the due date; who is overdue."),
    ),
):
    navigation.register(item)
