"""Closure pages: records and confirmation, manual push and jobs, lookup, receive,
compliance. Thin: permissions and scope through accounts.scope, work in services."""

from __future__ import annotations

from datetime import date, timedelta

import structlog
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.scope import may, offices_in_force, scoped
from core.db_routing import replica_reads
from core.refusals import Refused

from . import client, errors, jobs, selectors, services
from .forms import (
    BackfillForm,
    ClosureDraftForm,
    CorrectionForm,
    LookupForm,
    ManualPushForm,
    ReceiveForm,
    periods_render,
)
from .models import ClosureRecord, ClosureStatus, JobKind, PushJob

CONFIRM = "closure_sync.confirm_closure"
TRANSFER = "accounts.transfer_closure"
LOOKUP = "closure_sync.lookup_closure"
RECEIVE = "closure_sync.receive_closure"
MONITOR = "closure_sync.monitor_closure"

log = structlog.get_logger(__name__)


def _central_error(exc: Exception, *, page: str) -> str:
    """The page's message for a failed call to the central store; the detail goes to the
    log only (it may name files or carry the central store's English text)."""
    code = client.failure_code(exc)
    log.warning("closure_central_call_failed", page=page, code=code, detail=str(exc)[:500])
    return errors.message_for(code)


def _require(request, permission):
    if not request.user.has_perm(permission):
        raise PermissionDenied


def _offices(request, permission):
    return offices_in_force(request.user, permission=permission).order_by("code")


@login_required
def closure_list(request):
    _require(request, CONFIRM)
    qs = scoped(request.user, ClosureRecord.objects.select_related("office"), permission=CONFIRM)
    status = request.GET.get("status", "")
    if status in ClosureStatus.values:
        qs = qs.filter(status=status)
    book = request.GET.get("book_number", "").strip()
    if book:
        qs = qs.filter(book_number=book)
    page = Paginator(qs.order_by("-id"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "closure_sync/list.html",
        {"page": page, "status": status, "book_number": book, "statuses": ClosureStatus.choices},
    )


@login_required
def closure_create(request):
    _require(request, CONFIRM)
    form = ClosureDraftForm(request.POST or None, offices=_offices(request, CONFIRM))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            record = services.closure_draft_create(
                actor=request.user,
                office=d["office"],
                book_number=d["book_number"].strip(),
                si_number=d["si_number"].strip(),
                full_name=d["full_name"].strip(),
                birth_date=d["birth_date"],
                unit_code=d["unit_code"].strip(),
                kind=d["kind"],
                periods=d["periods"],
            )
        except Refused as exc:
            form.add_error(None, f"[{exc.code}] {exc.message}")
        else:
            messages.success(request, _("Draft saved. Check it and confirm the closure."))
            return redirect("closure_sync:detail", pk=record.pk)
    return render(request, "closure_sync/create.html", {"form": form})


def _scoped_record(request, pk, permission):
    return get_object_or_404(
        scoped(request.user, ClosureRecord.objects.select_related("office"), permission=permission),
        pk=pk,
    )


@login_required
def closure_detail(request, pk):
    _require(request, CONFIRM)
    record = _scoped_record(request, pk, CONFIRM)
    versions = ClosureRecord.objects.filter(reference=record.reference).order_by("version")
    return render(
        request,
        "closure_sync/detail.html",
        {
            "record": record,
            "periods": record.periods.all(),
            "versions": versions,
            "correction_form": CorrectionForm(
                initial={"periods": periods_render(record.periods.all())}
            ),
        },
    )


@login_required
@require_POST
def closure_confirm(request, pk):
    _require(request, CONFIRM)
    record = _scoped_record(request, pk, CONFIRM)
    try:
        services.closure_confirm(actor=request.user, record=record)
    except Refused as exc:
        messages.error(request, f"[{exc.code}] {exc.message}")
    else:
        messages.success(
            request, _("Closure confirmed. It will reach the central store within 2 days.")
        )
    return redirect("closure_sync:detail", pk=pk)


@login_required
@require_POST
def closure_correct(request, pk):
    _require(request, CONFIRM)
    record = _scoped_record(request, pk, CONFIRM)
    form = CorrectionForm(request.POST)
    if not form.is_valid():
        for error in form.errors.get("periods", []):
            messages.error(request, error)
        return redirect("closure_sync:detail", pk=pk)
    try:
        new = services.closure_correct(
            actor=request.user, record=record, periods=form.cleaned_data["periods"]
        )
    except Refused as exc:
        messages.error(request, f"[{exc.code}] {exc.message}")
        return redirect("closure_sync:detail", pk=pk)
    messages.success(request, _("Correction saved as a new draft version."))
    return redirect("closure_sync:detail", pk=new.pk)


@login_required
def manual_push(request):
    """Filters → preview count → confirm Yes/No → a job with a progress bar."""
    _require(request, TRANSFER)
    offices = _offices(request, TRANSFER)
    form = ManualPushForm(request.POST or None, offices=offices)
    backfill_form = BackfillForm(offices=offices)
    preview = None
    if request.method == "POST" and form.is_valid():
        office = form.cleaned_data["office"]
        if not may(request.user, TRANSFER, office):
            raise PermissionDenied
        filters = form.filters()
        if request.POST.get("answer") == "yes":
            job = jobs.push_job_create(
                actor=request.user, kind=JobKind.MANUAL, office=office, filters=filters
            )
            return redirect("closure_sync:job", pk=job.pk)
        if request.POST.get("answer") == "no":
            messages.info(request, _("Push cancelled."))
            return redirect("closure_sync:push")
        preview = selectors.push_preview(office=office, filters=filters)
    recent = scoped(request.user, PushJob.objects.select_related("office"), permission=TRANSFER)[
        :10
    ]
    return render(
        request,
        "closure_sync/push.html",
        {"form": form, "backfill_form": backfill_form, "preview": preview, "recent": recent},
    )


@login_required
@require_POST
def backfill_start(request):
    _require(request, TRANSFER)
    form = BackfillForm(request.POST, offices=_offices(request, TRANSFER))
    if not form.is_valid():
        messages.error(request, _("Choose an office and a start date."))
        return redirect("closure_sync:push")
    office = form.cleaned_data["office"]
    if not may(request.user, TRANSFER, office):
        raise PermissionDenied
    job = jobs.push_job_create(
        actor=request.user,
        kind=JobKind.BACKFILL,
        office=office,
        filters={"since": form.cleaned_data["since"].isoformat()},
    )
    return redirect("closure_sync:job", pk=job.pk)


def _scoped_job(request, pk):
    _require(request, TRANSFER)
    return get_object_or_404(
        scoped(request.user, PushJob.objects.select_related("office"), permission=TRANSFER), pk=pk
    )


def _shown(records: list[dict]) -> list[dict]:
    """The central store's records with dates to show as dd/mm/yyyy and mm/yyyy (its JSON
    carries ISO text)."""
    return [
        {
            **r,
            "confirmed": date.fromisoformat(r["confirmed_on"]) if r.get("confirmed_on") else None,
            "months": [
                (date.fromisoformat(p["from"]), date.fromisoformat(p["to"])) for p in r["periods"]
            ],
        }
        for r in records
    ]


def _failures(job) -> list[dict]:
    """The job's failed records with the message of their code (not the detail)."""
    return [
        {"reference": f.get("reference", ""), "message": errors.message_for(f.get("code", ""))}
        for f in job.failures
    ]


@login_required
def job_detail(request, pk):
    job = _scoped_job(request, pk)
    return render(request, "closure_sync/job.html", {"job": job, "failures": _failures(job)})


@login_required
@require_GET
def job_status(request, pk):
    job = _scoped_job(request, pk)
    return JsonResponse(
        {
            "state": job.state,
            "state_label": job.get_state_display(),
            "percent": job.percent,
            "total": job.total,
            "processed": job.processed,
            "pushed": job.pushed,
            "already": job.already,
            "failed": job.failed,
            "failures": _failures(job)[:50],
            "error": job.error_message,
        }
    )


@login_required
@replica_reads
def lookup(request):
    """Tra cứu: search the central store, within the offices the user may look at."""
    _require(request, LOOKUP)
    form = LookupForm(request.GET or None)
    result, error = None, None
    if request.GET and form.is_valid():
        d = form.cleaned_data
        office_codes = selectors.office_codes_for(request.user, permission=LOOKUP)
        try:
            page = max(1, int(request.GET.get("page", "1")))
        except ValueError:
            page = 1
        try:
            result = client.search(
                book_number=d["book_number"].strip(),
                si_number=d["si_number"].strip(),
                unit_code=d["unit_code"].strip(),
                confirmed_from=d["confirmed_on"].isoformat() if d["confirmed_on"] else "",
                confirmed_to=d["confirmed_on"].isoformat() if d["confirmed_on"] else "",
                offices=",".join(office_codes) if office_codes is not None else None,
                page=page,
                page_size=20,
            )
        except (client.CentralUnavailable, Refused) as exc:
            error = _central_error(exc, page="lookup")
    query = request.GET.copy()
    query.pop("page", None)
    if result:
        result = {**result, "results": _shown(result["results"])}
    return render(
        request,
        "closure_sync/lookup.html",
        {"form": form, "result": result, "error": error, "query": query.urlencode()},
    )


@login_required
def receive(request):
    """Nhận: book number → what the central store holds → months and unit → confirm."""
    _require(request, RECEIVE)
    offices = _offices(request, RECEIVE)
    book_number = (request.POST.get("book_number") or request.GET.get("book_number") or "").strip()
    held, error = None, None
    if book_number:
        try:
            held = client.fetch(book_number=book_number)
        except (client.CentralUnavailable, Refused) as exc:
            error = _central_error(exc, page="receive")
    initial = {"book_number": book_number}
    if held:
        months = [p for r in held for p in r["periods"]]
        initial["from_month"] = min(p["from"] for p in months)[:7]
        initial["to_month"] = max(p["to"] for p in months)[:7]
    form = ReceiveForm(request.POST or None, offices=offices, initial=initial)
    confirmed = request.method == "POST" and request.POST.get("answer") == "yes"
    if confirmed and held is not None and form.is_valid():
        d = form.cleaned_data
        if not may(request.user, RECEIVE, d["office"]):
            raise PermissionDenied
        try:
            created = services.closure_receive(
                actor=request.user,
                office=d["office"],
                central_records=held,
                book_number=book_number,
                from_month=d["from_month"],
                to_month=d["to_month"],
                unit_code=d["unit_code"].strip(),
            )
        except Refused as exc:
            form.add_error(None, f"[{exc.code}] {exc.message}")
        else:
            messages.success(
                request,
                _("Received %(n)s closure record(s) into %(office)s.")
                % {"n": len(created), "office": d["office"].name},
            )
            return redirect(f"{request.path}?book_number={book_number}")
    return render(
        request,
        "closure_sync/receive.html",
        {
            "form": form,
            "held": held,
            "shown": _shown(held or []),
            "book_number": book_number,
            "error": error,
        },
    )


@login_required
def compliance(request):
    """Share pushed within 2 days per office per month, a chart, and the overdue list."""
    _require(request, MONITOR)
    today = timezone.localdate()
    start = (today.replace(day=1) - timedelta(days=330)).replace(day=1)
    stats = selectors.compliance_by_office_month(user=request.user, since=start)
    chart = selectors.compliance_chart(stats)
    overdue = Paginator(selectors.overdue_for(user=request.user), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "closure_sync/compliance.html",
        {"stats": stats, "chart": chart, "overdue": overdue, "since": start},
    )
