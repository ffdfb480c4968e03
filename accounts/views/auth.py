"""Sign in and out."""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from ..forms import LoginForm


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        # One commit for what a login writes (new session, last login, axes bookkeeping,
        # the audit entry, the session's row for a later lock) instead of one each: under
        # load each commit waited for its own flush (benchmarks/login.py).
        with transaction.atomic():
            return super().form_valid(form)

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "sso_enabled": settings.OIDC_ENABLED,
            "sso_label": _("Sign in with your official e-mail account"),
        }


class LogoutView(auth_views.LogoutView):
    pass
