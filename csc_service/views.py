"""The approval pages, standing in for the CA's phone app: the holder signs in with their
own account at the signing service (not the portal's), sees who asks to sign what, and
approves or refuses. The sign-in is a signed cookie of this service's own."""

from __future__ import annotations

import base64
from functools import wraps

import structlog
from django import forms
from django.contrib.auth.hashers import check_password
from django.core.signing import BadSignature
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from . import selectors, services
from .models import AuthorizationState, CscAccount

log = structlog.get_logger(__name__)

COOKIE = "csc_account"
SALT = "csc_service.approval"
SESSION_SECONDS = 30 * 60


class SignInForm(forms.Form):
    username = forms.CharField(label=_("User ID"), max_length=64)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, max_length=200)


def _account(request) -> CscAccount | None:
    try:
        pk = request.get_signed_cookie(COOKIE, salt=SALT, max_age=SESSION_SECONDS)
    except (KeyError, BadSignature):
        return None
    return CscAccount.objects.filter(pk=pk).first()


def holder_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        account = _account(request)
        if account is None:
            return redirect("csc_service:sign-in")
        request.csc_account = account
        return view(request, *args, **kwargs)

    return wrapper


def sign_in(request):
    form = SignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        account = CscAccount.objects.filter(username=form.cleaned_data["username"]).first()
        if account and check_password(form.cleaned_data["password"], account.password):
            response = redirect("csc_service:approvals")
            response.set_signed_cookie(
                COOKIE,
                account.pk,
                salt=SALT,
                max_age=SESSION_SECONDS,
                httponly=True,
                samesite="Lax",
                secure=request.is_secure(),
            )
            log.info("csc_holder_signed_in", username=account.username)
            return response
        log.warning("csc_holder_sign_in_refused", username=form.cleaned_data["username"])
        form.add_error(None, _("Wrong user ID or password."))
    return render(request, "csc_service/sign_in.html", {"form": form})


@require_POST
def sign_out(request):
    response = redirect("csc_service:sign-in")
    response.delete_cookie(COOKIE)
    return response


@holder_required
def approvals(request):
    pending = selectors.authorizations_pending(account=request.csc_account)
    return render(
        request,
        "csc_service/approvals.html",
        {"account": request.csc_account, "pending": pending},
    )


@holder_required
def approval(request, handle: str):
    authorization = selectors.authorization_of(account=request.csc_account, handle=handle)
    if authorization is None:
        raise Http404
    if request.method == "POST":
        decision = request.POST.get("decision")
        if decision in ("approve", "refuse"):
            services.authorization_decide(
                account=request.csc_account, handle=handle, approve=decision == "approve"
            )
        return redirect("csc_service:approval", handle=handle)
    pending = authorization.state == AuthorizationState.PENDING
    return render(
        request,
        "csc_service/approval.html",
        {
            "account": request.csc_account,
            "authorization": authorization,
            "digests": [base64.b64decode(h).hex() for h in authorization.hashes],
            "answerable": pending and authorization.answer_by > timezone.now(),
            "overdue": pending and authorization.answer_by <= timezone.now(),
        },
    )
