"""Home page and health check."""

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .health import run_checks


@login_required
def home(request):
    """The role-aware home page: the user's roles and offices and what they may open."""
    return render(request, "portal/home.html")


@require_GET
def favicon(request):
    """Browsers and tools ask for /favicon.ico whatever the page links: send them to the
    static file (its URL changes with its content in production, so not permanently)."""
    return redirect(static("portal/favicon.ico"))


@never_cache
@require_GET
def healthz(request):
    healthy, checks = run_checks()
    return JsonResponse(
        {"status": "ok" if healthy else "fail", "checks": checks}, status=200 if healthy else 503
    )
