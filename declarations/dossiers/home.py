"""The employer's part of the home page (a home banner, ``core.navigation``): recent
dossiers, the latest notices, supplement requests to answer and the dates ahead."""

from __future__ import annotations

from django.template.loader import render_to_string

from accounts.models import RoleScope
from accounts.scope import memberships_of
from declarations.dossiers.selectors import employer_home
from declarations.dossiers.supplements import supplement_request


def employer_home_banner(request) -> str | None:
    match = request.resolver_match
    if match is None or match.url_name != "home":
        return None
    user = request.user
    if not any(m.role.scope == RoleScope.EMPLOYER for m in memberships_of(user)):
        return None
    home = employer_home(user=user)
    for dossier in home.awaiting_supplement:
        dossier.supplement_request = supplement_request(dossier)
    return render_to_string("declarations/_employer_home.html", {"home": home}, request=request)
