"""Template context shared by every page: navigation and who is signed in where."""

from accounts.scope import memberships_of
from core.navigation import banners_for, items_for


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "current_memberships": []}
    return {
        "nav_items": items_for(user),
        "current_memberships": memberships_of(user),
        # A callable: templates call it, so only pages that show banners compute them.
        "home_banners": lambda: banners_for(request),
    }
