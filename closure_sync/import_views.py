"""Import pages: upload → preview (counts, refused lines) → confirm → the stored records.

For the office's IT staff and closure operators: those who both watch its closures and
may receive closures into it (closure_sync's own permissions, scoped per office)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.scope import may, offices_in_force, scoped
from core.refusals import Problem, Refused
from core.uploads import upload_limit

from .forms import ImportForm
from .imports import services
from .models import ClosureImport, ImportState

RECEIVE = "closure_sync.receive_closure"
MONITOR = "closure_sync.monitor_closure"
CONFIRM = "closure_sync.confirm_closure"


def _require(request):
    if not (request.user.has_perm(RECEIVE) and request.user.has_perm(MONITOR)):
        raise PermissionDenied


def _offices(request):
    monitored = offices_in_force(request.user, permission=MONITOR).values("id")
    return offices_in_force(request.user, permission=RECEIVE).filter(id__in=monitored)


def _imports(request):
    qs = ClosureImport.objects.select_related("office", "created_by")
    return scoped(request.user, scoped(request.user, qs, permission=RECEIVE), permission=MONITOR)


@login_required
@upload_limit(lambda: settings.CLOSURE_IMPORT_MAX_BYTES)
def import_upload(request):
    _require(request)
    form = ImportForm(request.POST or None, request.FILES or None, offices=_offices(request))
    if request.method == "POST" and form.is_valid():
        office = form.cleaned_data["office"]
        if not (may(request.user, RECEIVE, office) and may(request.user, MONITOR, office)):
            raise PermissionDenied
        imp = services.closure_import_receive(
            actor=request.user, office=office, upload=form.cleaned_data["file"]
        )
        return redirect("closure_sync:import-detail", pk=imp.pk)
    recent = _imports(request).order_by("-id")[:20]
    return render(request, "closure_sync/import.html", {"form": form, "recent": recent})


def _problems(imp: ClosureImport) -> list[dict]:
    """The refused lines kept, with their message in the reader's language."""
    return [
        {**p, "message": Problem(p["code"], p["params"]).text()}
        for p in imp.problems
        if p.get("code")
    ]


def _error(imp: ClosureImport, duplicate) -> str:
    """Why the confirmation stored nothing, in the reader's language."""
    if not imp.error:
        return ""
    return Problem(imp.error, {"number": duplicate.pk if duplicate else ""}).text()


@login_required
def import_detail(request, pk):
    _require(request)
    imp = get_object_or_404(_imports(request), pk=pk)
    duplicate = services.import_duplicate_of(imp)
    records = Paginator(
        imp.records.order_by("id")
        .only("id", "reference", "book_number", "full_name", "unit_code", "kind", "confirmed_on")
        .prefetch_related("periods"),
        50,
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "closure_sync/import_detail.html",
        {
            "imp": imp,
            "problems": _problems(imp),
            "more_problems": max(imp.refused_lines - len(imp.problems), 0),
            "duplicate": duplicate,
            "may_store": imp.state == ImportState.PREVIEWED,
            "working": imp.state in (ImportState.CHECKING, ImportState.STORING),
            "error": _error(imp, duplicate),
            "records": records,
            # The closure's own page is for those who confirm closures (closure operators).
            "may_open": request.user.has_perm(CONFIRM),
        },
    )


@login_required
@require_POST
def import_store(request, pk):
    _require(request)
    imp = get_object_or_404(_imports(request), pk=pk)
    try:
        services.closure_import_confirm(actor=request.user, imp=imp)
    except Refused as exc:
        messages.error(request, f"[{exc.code}] {exc.message}")
    return redirect("closure_sync:import-detail", pk=pk)
