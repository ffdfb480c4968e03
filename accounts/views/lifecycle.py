"""Personnel decisions, staff accounts and dormant accounts (cán bộ, quyết định, khóa)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import lifecycle, provisioning, scope
from ..forms import DecisionForm, StaffAccountForm
from ..models import PersonnelDecision
from .common import needs, service_error

MANAGE_STAFF = "accounts.manage_staff"


def _decisions(user):
    return scope.scoped(user, PersonnelDecision.objects.all(), permission=MANAGE_STAFF)


@needs(MANAGE_STAFF)
def decision_list(request):
    decisions = _decisions(request.user).select_related("user", "new_office", "office")[:200]
    return render(request, "accounts/decision_list.html", {"decisions": decisions})


@needs(MANAGE_STAFF)
def decision_new(request):
    users = lifecycle.users_in_scope(request.user).filter(account_kind="staff").order_by("username")
    form = DecisionForm(request.POST or None, users=users)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            decision = lifecycle.decision_record(
                actor=request.user,
                user=data["user"],
                number=data["number"],
                signed_on=data["signed_on"],
                kind=data["kind"],
                effective_on=data["effective_on"],
                new_office=data["new_office"],
                note=data["note"],
            )
        except ValidationError as exc:
            service_error(form, exc)
        else:
            messages.success(request, _("Decision %(n)s recorded.") % {"n": decision.number})
            return redirect("accounts:decision_detail", pk=decision.pk)
    return render(request, "accounts/decision_form.html", {"form": form})


@needs(MANAGE_STAFF)
def decision_detail(request, pk):
    decision = get_object_or_404(_decisions(request.user).select_related("user"), pk=pk)
    return render(request, "accounts/decision_detail.html", {"decision": decision})


@require_POST
@needs(MANAGE_STAFF)
def decision_cancel(request, pk):
    decision = get_object_or_404(_decisions(request.user), pk=pk)
    try:
        lifecycle.decision_cancel(actor=request.user, decision=decision)
    except ValidationError as exc:
        service_error(request, exc)
    return redirect("accounts:decision_detail", pk=pk)


@needs(MANAGE_STAFF)
def staff_new(request):
    offices = scope.offices_for(request.user, permission=MANAGE_STAFF).order_by("code")
    form = StaffAccountForm(request.POST or None, offices=offices)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = provisioning.account_create(
                actor=request.user,
                username=data["username"],
                full_name=data["full_name"],
                email=data["email"],
                office=data["office"],
                role=data["role"],
                applications=list(data["applications"]),
                account_kind=data["account_kind"],
            )
        except ValidationError as exc:
            service_error(form, exc)
        else:
            messages.success(request, _("Account %(u)s created.") % {"u": user.username})
            return redirect("accounts:dormant")
    return render(request, "accounts/staff_form.html", {"form": form})


@needs(MANAGE_STAFF)
def dormant(request):
    users = lifecycle.dormant_accounts(request.user)[:500]
    return render(
        request,
        "accounts/dormant.html",
        {"users": users, "days": lifecycle.settings.ACCOUNTS_DORMANT_DAYS},
    )


@require_POST
@needs(MANAGE_STAFF)
def dormant_lock(request, pk):
    user = get_object_or_404(lifecycle.dormant_accounts(request.user), pk=pk)
    lifecycle.account_lock(actor=request.user, user=user, reason="dormant")
    messages.success(request, _("Account %(u)s locked.") % {"u": user.username})
    return redirect("accounts:dormant")
