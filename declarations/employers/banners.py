"""The CA-operations banner on the home page of the IT staff (stale or missing CRLs)."""

from django.template.loader import render_to_string

from declarations.employers.selectors import trust_alerts

# IT staff of every level see it: a stale CRL stops dossiers of every office.
PERMISSION = "accounts.view_operations"


def trust_banner(request):
    if request.resolver_match is None or request.resolver_match.url_name != "home":
        return None
    if not request.user.has_perm(PERMISSION):
        return None
    alerts = trust_alerts()
    if not alerts:
        return None
    return render_to_string(
        "declarations/trust/home_banner.html", {"alerts": alerts}, request=request
    )
