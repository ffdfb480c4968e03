"""The deadline banner on the home page of the IT staff."""

from django.template.loader import render_to_string

from .monitor import banner_counts


def deadline_banner(request):
    if request.resolver_match is None or request.resolver_match.url_name != "home":
        return None
    counts = banner_counts(request.user)
    if not counts:
        return None
    return render_to_string("closure_sync/home_banner.html", {"banner": counts}, request=request)
