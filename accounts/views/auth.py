"""Sign in and out."""

from django.contrib.auth import views as auth_views

from ..forms import LoginForm


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        from django.conf import settings

        return {**super().get_context_data(**kwargs), "sso_enabled": settings.OIDC_ENABLED}


class LogoutView(auth_views.LogoutView):
    pass
