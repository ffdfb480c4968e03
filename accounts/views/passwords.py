"""Forgotten password (e-mailed link), choosing it from the link, changing it signed in.
Each change is audited; the e-mail goes through the outbox."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from .. import passwords
from ..forms import PasswordResetRequestForm
from ..signals import client_of


@require_http_methods(["GET", "POST"])
def password_reset(request):
    """Quên mật khẩu: ask for the account's e-mail address; the same answer whether or not
    an account uses it."""
    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        passwords.password_reset_request(
            email=form.cleaned_data["email"], client=client_of(request)
        )
        return redirect("accounts:password_reset_sent")
    return render(request, "accounts/password_reset.html", {"form": form})


def password_reset_sent(request):
    return render(request, "accounts/password_reset_sent.html")


class PasswordSetView(auth_views.PasswordResetConfirmView):
    """Choose a password from an e-mailed link (welcome or forgotten password)."""

    template_name = "accounts/password_set.html"
    success_url = reverse_lazy("accounts:login")

    def form_valid(self, form):
        response = super().form_valid(form)
        passwords.password_changed(
            user=form.user, how="reset_completed", client=client_of(self.request)
        )
        messages.success(self.request, _("Your password is set. Sign in with it."))
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    """Đổi mật khẩu, signed in: the old password, then the new one twice. Other sessions
    of the account end (their session hash no longer matches)."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("home")

    def form_valid(self, form):
        response = super().form_valid(form)
        passwords.password_changed(user=form.user, how="changed", client=client_of(self.request))
        messages.success(self.request, _("Your password was changed."))
        return response
