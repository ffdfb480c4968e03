"""The signing service's routes: the CSC API under ``v2/``, the OAuth2 token endpoint under
``oauth2/`` and the holder's approval pages. Mounted at ``/csc/`` by the dev and test
settings' portal, or at the root of its own deployment (``standalone_urls``)."""

from django.urls import path

from . import api, views

app_name = "csc_service"

urlpatterns = [
    path("v2/info", api.info, name="info"),
    path("oauth2/token", api.oauth2_token, name="oauth2-token"),
    path("v2/credentials/list", api.credentials_list, name="credentials-list"),
    path("v2/credentials/info", api.credentials_info, name="credentials-info"),
    path("v2/credentials/authorize", api.credentials_authorize, name="credentials-authorize"),
    path(
        "v2/credentials/authorizeCheck",
        api.credentials_authorize_check,
        name="credentials-authorize-check",
    ),
    path("v2/signatures/signHash", api.signatures_sign_hash, name="signatures-sign-hash"),
    path("dang-nhap/", views.sign_in, name="sign-in"),
    path("dang-xuat/", views.sign_out, name="sign-out"),
    path("phe-duyet/", views.approvals, name="approvals"),
    path("phe-duyet/<str:handle>/", views.approval, name="approval"),
]
