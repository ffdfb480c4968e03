"""Enrol a TOTP device (QR code and secret) and enter a code after signing in."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from .. import second_factor
from ..forms import TokenForm


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return "/"


def _refusal(check) -> str:
    if check.wait_seconds:
        return _(
            "[ACC-OTP-WAIT] Too many wrong codes. Wait %(n)s seconds, then enter the current code."
        ) % {"n": check.wait_seconds}
    return _("[ACC-OTP-CODE] The code is not right. Try the current one.")


@login_required
def otp_enrol(request):
    if second_factor.otp_device_confirmed(request.user) and not request.user.is_verified():
        return redirect("accounts:otp_verify")
    device = second_factor.otp_enrolment_start(user=request.user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        check = second_factor.otp_enrolment_confirm(
            request=request, device=device, token=form.cleaned_data["token"]
        )
        if check.ok:
            return redirect(_next(request))
        form.add_error("token", _refusal(check))
    return render(
        request,
        "accounts/otp_enrol.html",
        {
            "form": form,
            "qr": second_factor.otp_qr_svg(device),
            "secret": second_factor.otp_secret_b32(device),
            "next": _next(request),
        },
    )


@login_required
def otp_verify(request):
    if not second_factor.otp_device_confirmed(request.user):
        return redirect("accounts:otp_enrol")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        check = second_factor.otp_verify(request=request, token=form.cleaned_data["token"])
        if check.ok:
            return redirect(_next(request))
        form.add_error("token", _refusal(check))
    return render(request, "accounts/otp_verify.html", {"form": form, "next": _next(request)})
