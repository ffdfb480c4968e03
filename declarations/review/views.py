"""Pages of the review (xử lý hồ sơ): the receiving queue, one dossier with its decisions,
the office dashboard, the post dispatch list and the directors' periodic report. Thin:
they call the review services and selectors; every lookup goes through accounts.scope."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.scope import may_reach, office_ids_for, scoped
from core import charts
from core.db_routing import replica_reads
from core.refusals import Refused
from declarations.dossiers.content import dossier_content
from declarations.dossiers.models import (
    OPEN_STATUSES,
    TRANSITIONS,
    Dossier,
    DossierStatus,
)
from declarations.dossiers.reasons import REJECT, SUPPLEMENT, reasons_for, returned_rows_parse
from declarations.dossiers.supplements import supplement_request
from declarations.dossiers.workdays import WorkingCalendar
from declarations.employers.procedures import REGISTRY, procedure_get
from declarations.employers.selectors import staff_require
from declarations.review import exports
from declarations.review import selectors as review
from declarations.review.dashboard import office_dashboard
from declarations.review.services import (
    dispatch_mark_sent,
    dossier_assign,
    dossier_claim,
    dossier_transition,
    paper_set_record,
)
from declarations.review.supplements import supplements_of

PAGE_SIZE = 50


def _require(user, permission: str) -> None:
    ids = office_ids_for(user, permission=permission)
    if ids is not None and not ids:
        raise PermissionDenied


def _dossier_or_404(request, pk: int):
    dossier = review.staff_dossier_get(user=request.user, pk=pk)
    if dossier is None:
        raise Http404
    return dossier


# --- queue -------------------------------------------------------------------------------------
@login_required
def queue(request):
    _require(request.user, review.PERMISSION)
    filters = review.QueueFilters.from_query(request.GET)
    today = timezone.localdate()
    calendar = WorkingCalendar.load()
    risk_day = review.at_risk_before(today, calendar)
    page = Paginator(
        review.receiving_queue(user=request.user, filters=filters, today=today), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    counter = review.working_day_counter(calendar, [today, *(d.deadline for d in page)])
    for dossier in page:
        if dossier.deadline is None:
            # No deadline: the clock is paused for a supplement, or the procedure has no
            # legal time limit on record; only the first is shown as "paused".
            paused = dossier.status == DossierStatus.SUPPLEMENT_REQUESTED
            dossier.time_left, dossier.flag = None, "paused" if paused else ""
            continue
        dossier.time_left = counter[dossier.deadline] - counter[today]
        if dossier.deadline < today:
            dossier.flag = "overdue"
        else:
            dossier.flag = "at-risk" if dossier.deadline <= risk_day else ""
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "declarations/review/queue.html",
        {
            "page": page,
            "filters": filters,
            "statuses": [(s, DossierStatus(s).label) for s in OPEN_STATUSES],
            "procedures": sorted(REGISTRY),
            "query": query.urlencode(),
            "today": today,
        },
    )


@login_required
def dossier(request, pk: int):
    _require(request.user, review.PERMISSION)
    item = _dossier_or_404(request, pk)
    procedure = procedure_get(item.procedure_code)
    return render(
        request,
        "declarations/review/dossier.html",
        {
            "dossier": item,
            "notices": item.notices.all(),
            "pauses": item.pauses.all(),
            "allowed": [(s, DossierStatus(s).label) for s in TRANSITIONS.get(item.status, ())],
            "reject_reasons": reasons_for(REJECT),
            "supplement_reasons": reasons_for(SUPPLEMENT),
            "officers": review.officers_of(user=request.user)
            if item.status in OPEN_STATUSES
            else [],
            "is_open": item.status in OPEN_STATUSES,
            "supplements": supplements_section(request, item),
            # What was declared, beside each person's record, before deciding.
            "content": dossier_content(
                item,
                page=request.GET.get("page"),
                file=request.GET.get("file"),
                user=request.user,
            ),
            "row_decisions": bool(procedure and procedure.row_decisions),
        },
    )


@login_required
@require_POST
def transition(request, pk: int):
    _require(request.user, review.PERMISSION)
    item = _dossier_or_404(request, pk)
    to = request.POST.get("to", "")
    try:
        returned = (
            returned_rows_parse(request.POST.get("returned_rows", "")) if to == "accepted" else None
        )
        dossier_transition(
            actor=request.user,
            dossier=item,
            to=to,
            note=request.POST.get("note", ""),
            reasons=request.POST.getlist("reasons"),
            returned=returned or None,
        )
    except Refused as refusal:
        messages.error(request, f"{refusal.code}: {refusal.message}")
    else:
        messages.success(request, _("Decision recorded."))
    return redirect("district:review_dossier", pk=pk)


@login_required
@require_POST
def claim(request, pk: int):
    _require(request.user, review.PERMISSION)
    item = _dossier_or_404(request, pk)
    try:
        dossier_claim(actor=request.user, dossier=item)
    except Refused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, _("The dossier is yours."))
    back = request.POST.get("next", "")
    return redirect(back if back.startswith("/quan-ly/tiep-nhan/") else "district:review_queue")


@login_required
@require_POST
def assign(request, pk: int):
    _require(request.user, review.PERMISSION)
    item = _dossier_or_404(request, pk)
    wanted = request.POST.get("officer", "")
    officers = {str(u.pk): u for u in review.officers_of(user=request.user)}
    if wanted and wanted not in officers:
        messages.error(request, str(Refused("REVIEW_ASSIGNEE_INVALID")))
        return redirect("district:review_dossier", pk=pk)
    try:
        dossier_assign(actor=request.user, dossier=item, officer=officers.get(wanted))
    except Refused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, _("Assignment saved."))
    return redirect("district:review_dossier", pk=pk)


# --- dashboard -----------------------------------------------------------------------------------
@login_required
@replica_reads
def dashboard(request):
    _require(request.user, review.PERMISSION)
    data = office_dashboard(user=request.user)
    return render(
        request,
        "declarations/review/dashboard.html",
        {
            "data": data,
            "status_chart": charts.bar_chart(
                [(label, n) for _v, label, n in data.by_status], title=_("Dossiers by state")
            ),
            "rate_chart": charts.line_chart(
                data.weekly_rates, title=_("On-time rate per week (%)")
            ),
        },
    )


# --- post dispatch ---------------------------------------------------------------------------------
def _day(request) -> date:
    return parse_date(request.GET.get("day", "") or "") or timezone.localdate()


@login_required
def dispatch(request):
    _require(request.user, review.PERMISSION)
    day = _day(request)
    if request.method == "POST":
        rows = list(review.dispatch_list(user=request.user, day=day))
        chosen = set(request.POST.getlist("sent"))
        count = dispatch_mark_sent(
            actor=request.user, dispatches=[r for r in rows if str(r.pk) in chosen]
        )
        messages.success(request, _("%(n)d result(s) marked sent.") % {"n": count})
        return redirect(f"{request.path}?day={day.isoformat()}")
    return render(
        request,
        "declarations/review/dispatch.html",
        {"rows": review.dispatch_list(user=request.user, day=day), "day": day},
    )


@login_required
def dispatch_labels(request):
    _require(request.user, review.PERMISSION)
    day = _day(request)
    pdf = exports.dispatch_labels_pdf(list(review.dispatch_list(user=request.user, day=day)))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="nhan-buu-dien-{day}.pdf"'
    return response


@login_required
def dispatch_csv(request):
    _require(request.user, review.PERMISSION)
    day = _day(request)
    text = exports.dispatch_csv(list(review.dispatch_list(user=request.user, day=day)))
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="danh-sach-buu-dien-{day}.csv"'
    return response


# --- directors' report -------------------------------------------------------------------------------
def _period(request) -> tuple[date, date]:
    today = timezone.localdate()
    first = today.replace(day=1)
    default_from = (first - timedelta(days=1)).replace(day=1)
    date_from = parse_date(request.GET.get("from", "") or "") or default_from
    date_to = parse_date(request.GET.get("to", "") or "") or first - timedelta(days=1)
    if date_to < date_from:
        date_from, date_to = date_to, date_from
    return date_from, date_to


@login_required
@replica_reads
def report(request):
    _require(request.user, review.REPORT_PERMISSION)
    date_from, date_to = _period(request)
    data = review.period_report(user=request.user, date_from=date_from, date_to=date_to)
    return render(
        request,
        "declarations/review/report.html",
        {
            "data": data,
            "received_chart": charts.bar_chart(
                [(f"{f.office.code} {f.office.name}", f.received) for f in data.offices],
                title=_("Dossiers received per office"),
            ),
            "channel_chart": charts.bar_chart(
                [(review.channel_label(c), n) for c, n in sorted(data.totals.by_channel.items())],
                title=_("Dossiers by channel"),
            ),
            "procedure_chart": charts.bar_chart(
                sorted(data.totals.by_procedure.items()), title=_("Dossiers by procedure")
            ),
            "rows": [
                (
                    f,
                    [f.by_procedure.get(p, 0) for p in data.procedures],
                    [f.by_channel.get(c, 0) for c in data.channels],
                )
                for f in data.offices
            ],
            "query": f"from={date_from.isoformat()}&to={date_to.isoformat()}",
        },
    )


@login_required
@replica_reads
def report_xlsx(request):
    _require(request.user, review.REPORT_PERMISSION)
    date_from, date_to = _period(request)
    data = review.period_report(user=request.user, date_from=date_from, date_to=date_to)
    response = HttpResponse(
        exports.report_workbook(data),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="bao-cao-{date_from}-{date_to}.xlsx"'
    return response


@login_required
@replica_reads
def report_pdf(request):
    _require(request.user, review.REPORT_PERMISSION)
    date_from, date_to = _period(request)
    data = review.period_report(user=request.user, date_from=date_from, date_to=date_to)
    response = HttpResponse(exports.report_pdf(data), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="bao-cao-{date_from}-{date_to}.pdf"'
    return response


@login_required
@require_POST
def paper_set_received(request, pk: int):
    staff_require(request.user, "accounts.receive_dossiers")
    dossier = (
        scoped(request.user, Dossier.objects.all(), permission="accounts.receive_dossiers")
        .filter(pk=pk)
        .first()
    )
    if dossier is None:
        raise Http404
    paper_set_record(actor=request.user, dossier=dossier)
    messages.success(request, _("Paper set recorded; the result is released."))
    return redirect("declarations:dossier", pk=pk)


# --- supplements (a section of the dossier pages) -----------------------------------------------
def supplements_section(request, dossier) -> str | None:
    """The supplements part of a dossier's pages (registered with
    ``declarations.dossiers.sections``): the request awaiting an answer, with its coded
    reasons and, for the unit, the "Nộp hồ sơ bổ sung" action; the supplements received,
    with their files and what they changed in the D02-LT list; or, on a supplement, the
    dossier it answers. None when there is nothing of the kind."""
    awaited = supplement_request(dossier)
    original = dossier.supplement_of if dossier.supplement_of_id else None
    received = supplements_of(dossier) if original is None else []
    if awaited is None and original is None and not received:
        return None
    may_answer = awaited is not None and may_reach(
        request.user, dossier.employer, permission="accounts.submit_dossiers"
    )
    return render_to_string(
        "declarations/review/_supplements.html",
        {
            "dossier": dossier,
            "awaited": awaited,
            "may_answer": may_answer,
            "original": original,
            "received": received,
        },
        request=request,
    )
