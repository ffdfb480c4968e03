"""Data-extraction requests: file, approve or reject, fulfil, download (audited)."""

from __future__ import annotations

import os

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.paging import paged
from core.uploads import upload_limit

from .. import data_requests as svc
from .. import scope
from ..forms import DataRequestForm, DecisionNoteForm, FulfilForm, IndicatorFormSet
from .common import needs, service_error

PERMS = (svc.REQUEST, svc.APPROVE, svc.FULFIL)


@needs(*PERMS)
def request_list(request):
    requests = svc.data_requests_visible(request.user).order_by("-requested_at", "-id")
    listing = paged(request, requests)
    return render(
        request,
        "accounts/data_request_list.html",
        {
            "page": listing.page,
            "query": listing.query,
            "may_file": request.user.has_perm(svc.REQUEST),
        },
    )


@needs(svc.REQUEST)
@upload_limit(svc.LETTER_MAX_BYTES)
def request_new(request):
    offices = scope.offices_in_force(request.user, permission=svc.REQUEST).order_by("code")
    form = DataRequestForm(request.POST or None, request.FILES or None, offices=offices)
    formset = IndicatorFormSet(request.POST or None, prefix="ind")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        rows = [f.cleaned_data for f in formset.forms if f.cleaned_data]
        try:
            req = svc.data_request_file(actor=request.user, indicators=rows, **form.cleaned_data)
        except ValidationError as exc:
            service_error(form, exc)
        else:
            messages.success(request, _("Request sent for approval."))
            return redirect("accounts:data_request_detail", pk=req.pk)
    return render(request, "accounts/data_request_form.html", {"form": form, "formset": formset})


@needs(*PERMS)
def request_detail(request, pk):
    req = get_object_or_404(svc.data_requests_visible(request.user), pk=pk)
    labels = {k: str(v) for k, v in svc.INDICATORS.items()}
    breakdowns = {k: str(v) for k, v in svc.BREAKDOWNS.items()}
    rows = [
        {
            **r,
            "label": labels.get(r["indicator"], r["indicator"]),
            "by": breakdowns.get(r["breakdown"], ""),
        }
        for r in req.indicators
    ]
    return render(
        request,
        "accounts/data_request_detail.html",
        {
            "req": req,
            "rows": rows,
            "note_form": DecisionNoteForm(),
            "fulfil_form": FulfilForm(),
            "may_decide": scope.may(request.user, svc.APPROVE, req.office)
            and req.status == "submitted",
            "may_fulfil": scope.may(request.user, svc.FULFIL, req.office)
            and req.status == "forwarded",
        },
    )


@require_POST
@needs(svc.APPROVE)
def request_decide(request, pk, verdict):
    req = get_object_or_404(svc.data_requests_visible(request.user), pk=pk)
    form = DecisionNoteForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        if verdict == "approve":
            svc.data_request_approve(actor=request.user, request=req, note=note)
            messages.success(request, _("Approved and forwarded to central IT."))
        else:
            svc.data_request_reject(actor=request.user, request=req, note=note)
            messages.success(request, _("Request rejected."))
    except ValidationError as exc:
        service_error(request, exc)
    return redirect("accounts:data_request_detail", pk=pk)


@require_POST
@needs(svc.FULFIL)
@upload_limit(lambda: settings.DATA_REQUEST_EXPORT_MAX_BYTES)
def request_fulfil(request, pk):
    req = get_object_or_404(svc.data_requests_visible(request.user), pk=pk)
    form = FulfilForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            svc.data_request_fulfil(
                actor=request.user, request=req, export_file=form.cleaned_data["export_file"]
            )
            messages.success(request, _("Export file attached; the requester is told."))
        except ValidationError as exc:
            service_error(request, exc)
    else:
        messages.error(request, _("Choose the export file."))
    return redirect("accounts:data_request_detail", pk=pk)


@needs(*PERMS)
def request_download(request, pk, which):
    req = get_object_or_404(svc.data_requests_visible(request.user), pk=pk)
    try:
        field = svc.data_request_download(actor=request.user, request=req, which=which)
    except ValidationError as exc:
        service_error(request, exc)
        return redirect("accounts:data_request_detail", pk=pk)
    return FileResponse(field, as_attachment=True, filename=os.path.basename(field.name))
