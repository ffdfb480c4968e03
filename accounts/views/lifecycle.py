"""Personnel decisions, staff accounts and dormant accounts (cán bộ, quyết định, khóa)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.paging import paged
from core.refusals import Refused

from .. import lifecycle, provisioning, scope
from ..forms import DecisionForm, GrantForm, LockForm, StaffAccountForm
from ..models import AccountKind, ApplicationGrant, PersonnelDecision
from .common import needs, service_error

MANAGE_STAFF = "accounts.manage_staff"


def _decisions(user):
    return scope.scoped(user, PersonnelDecision.objects.all(), permission=MANAGE_STAFF)


@needs(MANAGE_STAFF)
def decision_list(request):
    decisions = _decisions(request.user).select_related("user", "new_office", "office")
    listing = paged(request, decisions.order_by("-effective_on", "-id"))
    return render(
        request, "accounts/decision_list.html", {"page": listing.page, "query": listing.query}
    )


@needs(MANAGE_STAFF)
def decision_new(request):
    users = lifecycle.agency_accounts(
        lifecycle.users_in_scope(request.user), kinds=[AccountKind.STAFF]
    ).order_by("username")
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
    offices = scope.offices_in_force(request.user, permission=MANAGE_STAFF).order_by("code")
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
        except Refused as refusal:
            service_error(form, refusal.validation_error())
        else:
            messages.success(request, _("Account %(u)s created.") % {"u": user.username})
            return redirect("accounts:staff_detail", pk=user.pk)
    return render(request, "accounts/staff_form.html", {"form": form})


@needs(MANAGE_STAFF)
def dormant(request):
    listing = paged(request, lifecycle.dormant_accounts(request.user))
    return render(
        request,
        "accounts/dormant.html",
        {
            "page": listing.page,
            "query": listing.query,
            "days": lifecycle.settings.ACCOUNTS_DORMANT_DAYS,
        },
    )


@require_POST
@needs(MANAGE_STAFF)
def dormant_lock(request, pk):
    user = get_object_or_404(lifecycle.dormant_accounts(request.user), pk=pk)
    if user.pk == request.user.pk:
        messages.error(request, _("[ACC-LOCK-SELF] You cannot lock your own account."))
    else:
        lifecycle.account_lock(actor=request.user, user=user, reason="dormant")
        messages.success(request, _("Account %(u)s locked.") % {"u": user.username})
    return redirect("accounts:dormant")


def _people(request):
    return lifecycle.agency_accounts(lifecycle.users_in_scope(request.user))


@needs(MANAGE_STAFF)
def staff_list(request):
    query = request.GET.get("q", "").strip()
    users = _people(request).order_by("username")
    if query:
        users = users.filter(Q(username__icontains=query) | Q(full_name__icontains=query))
    listing = paged(request, users)
    return render(
        request,
        "accounts/staff_list.html",
        {"page": listing.page, "query": listing.query, "q": query},
    )


@needs(MANAGE_STAFF)
def staff_detail(request, pk):
    person = get_object_or_404(_people(request), pk=pk)
    offices = scope.offices_in_force(request.user, permission=MANAGE_STAFF).order_by("code")
    form = GrantForm(request.POST or None, offices=offices)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        lifecycle.application_grant(
            actor=request.user,
            user=person,
            application=data["application"],
            office=data["office"],
            valid_to=data["valid_to"],
        )
        messages.success(request, _("Rights granted."))
        return redirect("accounts:staff_detail", pk=pk)
    grants = (
        ApplicationGrant.objects.filter(user=person)
        .select_related("application", "office")
        .order_by("-valid_from")
    )
    return render(
        request,
        "accounts/staff_detail.html",
        {
            "person": person,
            "grants": grants,
            "memberships": person.memberships.select_related("role", "office").order_by(
                "-valid_from"
            ),
            "decisions": person.personnel_decisions.all()[:20],
            "form": form,
            "lock_form": LockForm(),
            "today": timezone.localdate(),
        },
    )


@require_POST
@needs(MANAGE_STAFF)
def grant_end(request, pk, grant_pk):
    person = get_object_or_404(_people(request), pk=pk)
    grants = scope.scoped(request.user, ApplicationGrant.objects.active(), permission=MANAGE_STAFF)
    grant = get_object_or_404(grants, pk=grant_pk, user=person)
    lifecycle.application_end(actor=request.user, grant=grant)
    messages.success(request, _("Rights ended."))
    return redirect("accounts:staff_detail", pk=pk)


@require_POST
@needs(MANAGE_STAFF)
def staff_lock(request, pk):
    person = get_object_or_404(_people(request), pk=pk)
    form = LockForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("[ACC-LOCK-REASON] Give the reason for the lock."))
    elif person.pk == request.user.pk:
        messages.error(request, _("[ACC-LOCK-SELF] You cannot lock your own account."))
    else:
        lifecycle.account_lock(actor=request.user, user=person, reason=form.cleaned_data["reason"])
        messages.success(request, _("Account %(u)s locked.") % {"u": person.username})
    return redirect("accounts:staff_detail", pk=pk)


@require_POST
@needs(MANAGE_STAFF)
def staff_unlock(request, pk):
    person = get_object_or_404(_people(request), pk=pk)
    lifecycle.account_reactivate(actor=request.user, user=person, reason="unlocked by admin")
    messages.success(request, _("Account %(u)s opened again.") % {"u": person.username})
    return redirect("accounts:staff_detail", pk=pk)
