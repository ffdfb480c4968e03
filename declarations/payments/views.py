"""Pages of collection staff (namespace ``district``): import a bank statement (upload →
preview → confirm), the queue of unmatched transfers and their match by hand, the list of
payments by unit and month. Each page asks its permission at one office at least (403
otherwise) and shows only what ``accounts.scope`` lets the user reach (404 otherwise)."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Sum
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.scope import may, offices_in_force
from core.refusals import Location, Problem, Refused
from core.uploads import upload_limit
from declarations.employers.selectors import staff_require

from . import services
from .forms import MatchForm, PaymentFilterForm, StatementForm
from .models import ImportState
from .selectors import (
    IMPORT,
    MATCH,
    UNASSIGNED,
    VIEW,
    imports_for,
    payments_list,
    queue_for,
    queued_payment_get,
)

STATEMENT_MAX_BYTES = 10 * 1024 * 1024


def _queue_require(user) -> None:
    """403 unless ``user`` may match transfers (of their units, or unassigned) somewhere."""
    for permission in (MATCH, UNASSIGNED):
        try:
            staff_require(user, permission)
        except PermissionDenied:
            continue
        return
    raise PermissionDenied


@login_required
@upload_limit(STATEMENT_MAX_BYTES)
def statement_import(request):
    staff_require(request.user, IMPORT)
    offices = offices_in_force(request.user, permission=IMPORT)
    form = StatementForm(request.POST or None, request.FILES or None, offices=offices)
    if request.method == "POST" and form.is_valid():
        office = form.cleaned_data["office"]
        if not may(request.user, IMPORT, office):
            raise PermissionDenied
        imp = services.payment_import_preview(
            actor=request.user, office=office, upload=form.cleaned_data["file"]
        )
        return redirect("district:payments_import_detail", pk=imp.pk)
    recent = imports_for(request.user).order_by("-id")[:20]
    return render(request, "payments/import.html", {"form": form, "recent": recent})


def _problems(imp) -> list[dict]:
    """The refused lines, with their message in the reader's language."""
    return [
        {
            **p,
            "message": Problem(p["code"], p["params"], Location(field=p["field"] or None)).text(),
        }
        for p in imp.problems
    ]


@login_required
def statement_detail(request, pk: int):
    staff_require(request.user, IMPORT)
    imp = get_object_or_404(imports_for(request.user), pk=pk)
    lines = Paginator(imp.lines, 100).get_page(request.GET.get("page"))
    lines.object_list = [
        {**line, "paid_on": date.fromisoformat(line["paid_on"])} for line in lines.object_list
    ]
    return render(
        request,
        "payments/import_detail.html",
        {
            "imp": imp,
            "problems": _problems(imp),
            "lines": lines,
            "unmatched_count": imp.new_count - imp.matched_count,
            "may_store": imp.state == ImportState.PREVIEWED and imp.new_count > 0,
        },
    )


@login_required
@require_POST
def statement_confirm(request, pk: int):
    staff_require(request.user, IMPORT)
    imp = get_object_or_404(imports_for(request.user), pk=pk)
    try:
        imp = services.payment_import_confirm(actor=request.user, imp=imp)
    except Refused as exc:
        messages.error(request, f"[{exc.code}] {exc.message}")
    else:
        messages.success(
            request,
            _("%(new)s transfer(s) stored: %(matched)s matched, %(queued)s in the queue.")
            % {
                "new": imp.new_count,
                "matched": imp.matched_count,
                "queued": imp.new_count - imp.matched_count,
            },
        )
    return redirect("district:payments_import_detail", pk=pk)


@login_required
def queue(request):
    _queue_require(request.user)
    page = Paginator(queue_for(request.user), 50).get_page(request.GET.get("page"))
    return render(request, "payments/queue.html", {"page": page, "form": MatchForm()})


@login_required
@require_POST
def payment_match(request, pk: int):
    _queue_require(request.user)
    payment = queued_payment_get(request.user, pk)
    if payment is None:
        raise Http404
    form = MatchForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write the unit code of the transfer."))
        return redirect("district:payments_queue")
    try:
        done = services.payment_match(
            actor=request.user, payment=payment, unit_code=form.cleaned_data["unit_code"]
        )
    except Refused as exc:
        messages.error(request, f"[{exc.code}] {exc.message}")
    else:
        text = _("Transfer %(unc)s matched to unit %(unit)s.") % {
            "unc": done.payment.unc_number,
            "unit": done.payment.employer.unit_code,
        }
        if done.rematched:
            count = len(done.rematched)
            text += " " + ngettext(
                "%(count)d other transfer from the same account was matched with it.",
                "%(count)d other transfers from the same account were matched with it.",
                count,
            ) % {"count": count}
        messages.success(request, text)
    return redirect("district:payments_queue")


@login_required
def payments_page(request):
    staff_require(request.user, VIEW)
    form = PaymentFilterForm(request.GET or None)
    unit_code, month = "", None
    if form.is_valid():
        unit_code = form.cleaned_data["unit_code"]
        month = form.cleaned_data["month"]
    qs = payments_list(request.user, unit_code=unit_code, month=month)
    total = qs.aggregate(total=Sum("amount"))["total"] or 0
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    keep = request.GET.copy()
    keep.pop("page", None)
    return render(
        request,
        "payments/list.html",
        {"form": form, "page": page, "total": total, "query": keep.urlencode()},
    )
