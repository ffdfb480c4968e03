"""OIDC SSO: off by default, maps claims to existing accounts by e-mail (no network).

The sign-in through a real provider over HTTP is in ``test_sso_real.py``."""

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import NoReverseMatch, reverse

from accounts import sso
from accounts.models import User
from core.refusals import Refused
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

OIDC = {
    "OIDC_RP_CLIENT_ID": "portal",
    "OIDC_RP_CLIENT_SECRET": "secret",
    "OIDC_OP_ISSUER": "https://sso.example.vn/o",
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
    with pytest.raises(Refused) as refused:  # the callback page says why, in Vietnamese
        backend.get_or_create_user("access", "id", {})
    assert refused.value.code == "ACC-SSO-UNKNOWN-EMAIL"
    assert not User.objects.filter(email="moi@bhxh.gov.vn").exists()
    assert list(backend.filter_users_by_claims(claims)) == [user]


@override_settings(
    **{**OIDC, "OIDC_OP_ISSUER": "http://127.0.0.1:9/o"},  # nothing listens there
    AUTHENTICATION_BACKENDS=[
        *settings.AUTHENTICATION_BACKENDS,
        "accounts.sso.OfficialEmailBackend",
    ],
)
def test_password_sign_in_works_while_the_provider_is_down(client):
    """Django builds every backend on each password sign-in: the SSO one must not call out."""
    user = UserFactory(username="matkhau", email="mat.khau@bhxh.gov.vn")
    answer = client.post(
        reverse("accounts:login"), {"username": "matkhau", "password": TEST_PASSWORD}
    )
    assert answer.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


@override_settings(**OIDC)
def test_sso_backend_grants_no_permission_of_its_own():
    """Rights come from memberships only (MembershipBackend), never from Django groups."""
    from django.contrib.auth.models import Group, Permission

    user = UserFactory(email="nhom@bhxh.gov.vn")
    group = Group.objects.create(name="cu")
    group.permissions.add(Permission.objects.get(codename="manage_staff"))
    user.groups.add(group)
    backend = sso.OfficialEmailBackend()
    assert backend.get_all_permissions(user) == set()
    assert backend.has_perm(user, "accounts.manage_staff") is False
