"""OIDC SSO: off by default, maps claims to existing accounts by e-mail (no network)."""

import pytest
from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.test import override_settings
from django.urls import NoReverseMatch, reverse

from accounts import sso
from accounts.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

OIDC = {
    "OIDC_RP_CLIENT_ID": "portal",
    "OIDC_RP_CLIENT_SECRET": "secret",
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "https://sso.example.vn/auth",
    "OIDC_OP_TOKEN_ENDPOINT": "https://sso.example.vn/token",
    "OIDC_OP_USER_ENDPOINT": "https://sso.example.vn/userinfo",
    "OIDC_RP_SIGN_ALGO": "HS256",
    "OIDC_ALLOWED_EMAIL_DOMAINS": ["bhxh.gov.vn"],
}


def test_sso_is_off_by_default(client):
    assert settings.OIDC_ENABLED is False
    assert "accounts.sso.OfficialEmailBackend" not in settings.AUTHENTICATION_BACKENDS
    with pytest.raises(NoReverseMatch):
        reverse("oidc_authentication_init")
    assert "official e-mail" not in client.get(reverse("accounts:login")).content.decode()


@override_settings(**OIDC)
def test_claims_map_to_the_existing_user_by_email():
    user = UserFactory(email="Nguyen.Van.A@bhxh.gov.vn")
    assert (
        sso.user_for_claims({"email": "nguyen.van.a@BHXH.gov.vn", "email_verified": True}) == user
    )
    assert sso.user_for_claims({"email": "nguyen.van.a@gmail.com"}) is None  # other domain
    assert (
        sso.user_for_claims({"email": "nguyen.van.a@bhxh.gov.vn", "email_verified": False}) is None
    )
    assert sso.user_for_claims({"email": "khong.co@bhxh.gov.vn"}) is None  # never created
    assert sso.user_for_claims({}) is None


@override_settings(**OIDC)
def test_ambiguous_locked_or_outside_accounts_do_not_match():
    UserFactory(email="trung@bhxh.gov.vn")
    UserFactory(email="TRUNG@bhxh.gov.vn")
    assert sso.user_for_claims({"email": "trung@bhxh.gov.vn"}) is None
    locked = UserFactory(email="khoa@bhxh.gov.vn")
    User.objects.filter(pk=locked.pk).update(is_active=False)
    assert sso.user_for_claims({"email": "khoa@bhxh.gov.vn"}) is None


@override_settings(**OIDC)
def test_backend_signs_in_the_mapped_user_and_never_creates_one(monkeypatch):
    user = UserFactory(email="can.bo@bhxh.gov.vn")
    backend = sso.OfficialEmailBackend()
    claims = {"email": "can.bo@bhxh.gov.vn", "email_verified": True, "sub": "42"}
    monkeypatch.setattr(backend, "get_userinfo", lambda access_token, id_token, payload: claims)
    assert backend.get_or_create_user("access", "id", {}) == user
    stranger = {"email": "moi@bhxh.gov.vn", "sub": "43"}
    monkeypatch.setattr(backend, "get_userinfo", lambda access_token, id_token, payload: stranger)
    with pytest.raises(SuspiciousOperation):  # authenticate() turns this into "no user"
        backend.get_or_create_user("access", "id", {})
    assert not User.objects.filter(email="moi@bhxh.gov.vn").exists()
    assert list(backend.filter_users_by_claims(claims)) == [user]
