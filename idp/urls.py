from django.contrib.auth import views as auth_views
from django.urls import include, path

from idp import views
from idp.forms import DirectoryLoginForm

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "dang-nhap/",
        auth_views.LoginView.as_view(
            template_name="idp/login.html", authentication_form=DirectoryLoginForm
        ),
        name="login",
    ),
    path("dang-xuat/", auth_views.LogoutView.as_view(), name="logout"),
    # Authorization, token, userinfo, JWKS and discovery (o/.well-known/openid-configuration).
    path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
]
