"""The navigation registry: each app registers the pages it offers and who may open them.

The home page and the header show a user exactly the items their permissions allow, so
navigation is role-aware without any ``if role ==`` in templates or views.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    # "app_label.codename", or a tuple of them that must all be held; None: any signed-in user
    permission: str | tuple[str, ...] | None = None
    description: str = ""
    staff_only: bool = False

    def url(self) -> str | None:
        try:
            return reverse(self.url_name)
        except NoReverseMatch:
            return None


_ITEMS: list[NavItem] = []


def register(item: NavItem) -> None:
    if item.url_name not in {i.url_name for i in _ITEMS}:
        _ITEMS.append(item)


def items_for(user) -> list[dict]:
    """The navigation entries ``user`` may open, in registration order."""
    if not getattr(user, "is_authenticated", False):
        return []
    visible = []
    for item in _ITEMS:
        if item.staff_only and not user.is_staff:
            continue
        needed = (item.permission,) if isinstance(item.permission, str) else item.permission
        if needed and not user.has_perms(needed):
            continue
        url = item.url()
        if url:
            visible.append({"label": item.label, "url": url, "description": item.description})
    return visible


register(NavItem(_("Home"), "home", description=_("Your work at a glance.")))
register(
    NavItem(
        _("Outbox dead letters"),
        "outbox:dead",
        "accounts.replay_outbox",
        _("E-mails and notifications that failed every attempt; replay them."),
    )
)
register(
    NavItem(
        _("Administration"),
        "admin:index",
        staff_only=True,
        description=_("Offices, users, memberships and the audit log."),
    )
)


# Home-page banners: an app registers a function ``(request) -> html | None`` (for example
# deadline alerts); the home page shows what each returns.
_BANNERS: list = []


def register_banner(func) -> None:
    if func not in _BANNERS:
        _BANNERS.append(func)


def banners_for(request) -> list[str]:
    return [html for html in (func(request) for func in _BANNERS) if html]
