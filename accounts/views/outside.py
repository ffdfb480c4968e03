"""Outside-account requests: filed by a provincial admin, decided by a central leader."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.paging import paged

from .. import provisioning, scope
from ..forms import DecisionNoteForm, OutsideRequestForm
from ..models import OutsideAccountRequest
from .common import needs, service_error

MANAGE_STAFF = "accounts.manage_staff"
APPROVE = "accounts.approve_outside_account"


def _requests(user):
    ids = set()
    for permission in (MANAGE_STAFF, APPROVE):
        ids |= set(
            scope.scoped(
                user, OutsideAccountRequest.objects.all(), permission=permission
            ).values_list("id", flat=True)
        )
    return OutsideAccountRequest.objects.filter(id__in=ids).select_related(
        "office", "application", "requested_by", "decided_by"
    )


@needs(MANAGE_STAFF, APPROVE)
def request_list(request):
    listing = paged(request, _requests(request.user).order_by("-requested_at", "-id"))
    return render(
        request,
        "accounts/outside_list.html",
        {
            "page": listing.page,
            "query": listing.query,
            "may_file": request.user.has_perm(MANAGE_STAFF),
        },
    )


@needs(MANAGE_STAFF)
def request_new(request):
    offices = scope.offices_in_force(request.user, permission=MANAGE_STAFF).order_by("code")
    form = OutsideRequestForm(request.POST or None, offices=offices)
    if request.method == "POST" and form.is_valid():
        try:
            req = provisioning.outside_request_file(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            service_error(form, exc)
        else:
            messages.success(request, _("Request sent for approval."))
            return redirect("accounts:outside_detail", pk=req.pk)
    return render(request, "accounts/outside_form.html", {"form": form})


@needs(MANAGE_STAFF, APPROVE)
def request_detail(request, pk):
    req = get_object_or_404(_requests(request.user), pk=pk)
    account = getattr(req, "account", None) if req.status == "approved" else None
    return render(
        request,
        "accounts/outside_detail.html",
        {
            "req": req,
            "account": account,
            "form": DecisionNoteForm(),
            "may_decide": scope.may(request.user, APPROVE, req.office) and req.status == "pending",
        },
    )


@require_POST
@needs(APPROVE)
def request_decide(request, pk, verdict):
    req = get_object_or_404(_requests(request.user), pk=pk)
    form = DecisionNoteForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        if verdict == "approve":
            user = provisioning.outside_request_approve(actor=request.user, request=req, note=note)
            messages.success(request, _("Approved: account %(u)s created.") % {"u": user.username})
        else:
            provisioning.outside_request_reject(actor=request.user, request=req, note=note)
            messages.success(request, _("Request rejected."))
    except ValidationError as exc:
        service_error(request, exc)
    return redirect("accounts:outside_detail", pk=pk)
