from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from core import navigation
from core.navigation import NavItem


class ClosureSyncConfig(AppConfig):
    """Closure records (chốt sổ) and their transfer to the national central store."""

    name = "closure_sync"
    verbose_name = "Chuyển dữ liệu chốt sổ"

    def ready(self):
        # These import models, so they load once the app registry is ready.
        from . import (
            audit_witness,  # noqa: F401  (registers the central store as witness)
            imports,  # noqa: F401  (registers the import's refusal codes)
            services,  # noqa: F401  (registers the closure refusal codes)
            tasks,  # noqa: F401  (dispatch sends these tasks by name)
        )
        from .banners import deadline_banner

        for item in (
            NavItem(
                _("Closures"),
                "closure_sync:list",
                "closure_sync.confirm_closure",
                _("Enter and confirm closure records (chốt sổ)."),
            ),
            NavItem(
                _("Import closures"),
                "closure_sync:import",
                # As the page: those who watch an office's closures and may receive some.
                ("closure_sync.receive_closure", "closure_sync.monitor_closure"),
                _("Import closures from the collection system's export (.xlsx, CSV)."),
            ),
            NavItem(
                _("Push closures"),
                "closure_sync:push",
                "accounts.transfer_closure",
                _("Push closures to the central store by date, unit and book; backfill."),
            ),
            NavItem(
                _("Closure lookup"),
                "closure_sync:lookup",
                "closure_sync.lookup_closure",
                _("Search the central store (tra cứu)."),
            ),
            NavItem(
                _("Receive closures"),
                "closure_sync:receive",
                "closure_sync.receive_closure",
                _("Copy a moving worker's closed periods from the central store (nhận)."),
            ),
            NavItem(
                _("Closure compliance"),
                "closure_sync:compliance",
                "closure_sync.monitor_closure",
                _("Share pushed within 2 days, overdue records."),
            ),
            NavItem(
                _("Central credentials"),
                "central:credentials",
                "closure_sync.rotate_central_credentials",
                _("Rotate the central store's credential file; keys used per office."),
            ),
        ):
            navigation.register(item)
        navigation.register_banner(deadline_banner)
