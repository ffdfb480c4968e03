"""Navigation entries of the review pages (registered at start-up)."""

from django.utils.translation import gettext_lazy as _

from core import navigation
from core.navigation import NavItem

for item in (
    NavItem(
        _("Receiving queue"),
        "district:review_queue",
        "accounts.receive_dossiers",
        _("Dossiers to settle within the legal time limit: claim, decide, notify."),
    ),
    NavItem(
        _("Office dashboard"),
        "district:review_dashboard",
        "accounts.receive_dossiers",
        _("Counts by state, at-risk and overdue dossiers, on-time rate per week."),
    ),
    NavItem(
        _("Post dispatch"),
        "district:review_dispatch",
        "accounts.receive_dossiers",
        _("Results to send by post today: labels, list for the post office."),
    ),
    NavItem(
        _("Periodic e-transaction report"),
        "district:review_report",
        "review.view_review_report",
        _("Figures per office for a period, for the directors (.xlsx, PDF)."),
    ),
):
    navigation.register(item)
