"""SSO against a real OpenID Connect provider (the local ``idp`` server) over HTTP.

The browser is a requests session following redirects: portal → provider's login page →
provider → portal's callback → portal. Every refusal ends on the portal's login page with
its Vietnamese message, no session and an audit entry.
"""

from __future__ import annotations

import base64
import json

import jwt
import pytest
import requests

from accounts.lifecycle import account_lock
from accounts.models import AuditEntry, User
from tests.accounts.sso_support import (
    OTHER_CLIENT,
    OTHER_REDIRECT,
    PORTAL_CLIENT,
    TamperingProxy,
    code_flow_tokens,
    free_port,
    idp,  # noqa: F401  (fixture)
    portal_sso_settings,
    provider_sign_in,
    rsa_key_pem,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

LOGIN_PATH = "/tai-khoan/dang-nhap/"


@pytest.fixture
def portal(settings, idp, live_server):  # noqa: F811
    portal_sso_settings(settings, idp.issuer)
    return live_server.url


@pytest.fixture
def proxy(settings, idp, live_server):  # noqa: F811
    """The portal pointed at a proxy in front of the provider (the attack tests)."""
    tampering = TamperingProxy(idp.base)
    tampering.portal = live_server.url
    portal_sso_settings(settings, tampering.issuer)
    yield tampering
    tampering.close()


def sso_login(portal_url: str, email: str) -> tuple[requests.Session, requests.Response]:
    session = requests.Session()
    login_page = session.get(f"{portal_url}/oidc/authenticate/")
    return session, provider_sign_in(session, login_page, email)


def signed_in(session: requests.Session, portal_url: str) -> bool:
    """Whether the portal knows this browser: a signed-in page answers without a redirect."""
    answer = session.get(f"{portal_url}/tai-khoan/doi-mat-khau/", allow_redirects=False)
    return answer.status_code == 200


def refused_with(session, answer, portal_url, code: str, message: str) -> None:
    assert answer.url == portal_url + LOGIN_PATH
    assert message in answer.text
    assert not signed_in(session, portal_url)
    entry = AuditEntry.objects.filter(action="login.sso_refused").latest("pk")
    assert entry.data["code"] == code


def test_official_email_signs_in_through_the_provider(portal):
    user = UserFactory(username="canbo", email="Can.Bo@bhxh.gov.vn")
    session, answer = sso_login(portal, "can.bo@bhxh.gov.vn")
    assert answer.status_code == 200
    assert answer.url == portal + "/"
    assert user.full_name in answer.text
    assert signed_in(session, portal)
    entry = AuditEntry.objects.filter(action="login.succeeded").latest("pk")
    assert entry.actor_id == user.pk
    assert not User.objects.filter(email__iexact="khong.co@bhxh.gov.vn").exists()


def test_login_page_offers_the_provider(portal):
    page = requests.get(portal + LOGIN_PATH, timeout=30)
    assert "Đăng nhập bằng tài khoản thư điện tử công vụ" in page.text
    assert 'href="/oidc/authenticate/"' in page.text


def test_unknown_email_is_refused_and_no_account_created(portal):
    session, answer = sso_login(portal, "khong.co@bhxh.gov.vn")
    refused_with(
        session,
        answer,
        portal,
        "ACC-SSO-UNKNOWN-EMAIL",
        "Không có tài khoản nào trên cổng gắn với thư điện tử công vụ khong.co@bhxh.gov.vn",
    )
    assert not User.objects.filter(email__iexact="khong.co@bhxh.gov.vn").exists()


def test_locked_user_is_refused_at_the_return(portal):
    user = UserFactory(username="khoa", email="khoa@bhxh.gov.vn")
    account_lock(actor=None, user=user, reason="Nghỉ thai sản")
    session, answer = sso_login(portal, "khoa@bhxh.gov.vn")
    refused_with(
        session,
        answer,
        portal,
        "ACC-SSO-LOCKED",
        "Tài khoản trên cổng gắn với thư điện tử khoa@bhxh.gov.vn đã bị khóa",
    )


SUBSTITUTES = {
    # (whose token, asked where, which nonce) → the refusal
    "another-client": (OTHER_CLIENT, "proxy", "same", "ACC-SSO-AUDIENCE"),
    "another-sign-in": ("portal", "proxy", "other", "ACC-SSO-NONCE"),
    "another-issuer": ("portal", "provider", "same", "ACC-SSO-ISSUER"),
}
MESSAGES = {
    "ACC-SSO-AUDIENCE": "Thông tin đăng nhập được cấp cho một ứng dụng khác, không phải cổng này",
    "ACC-SSO-NONCE": "Thông tin đăng nhập không thuộc lần đăng nhập này",
    "ACC-SSO-ISSUER": "Thông tin đăng nhập không do hệ thống đăng nhập một lần đã cấu hình cấp",
}


@pytest.mark.parametrize("case", list(SUBSTITUTES))
def test_genuine_token_of_another_context_is_refused(proxy, idp, case):  # noqa: F811
    """Token substitution: the proxy hands the portal a genuine, well-signed id_token of the
    same provider for the same person, but issued to another application, for another
    sign-in (nonce), or under another issuer name (the provider's own address)."""
    client, where, which_nonce, code = SUBSTITUTES[case]
    client = PORTAL_CLIENT if client == "portal" else client
    redirect = f"{proxy.portal}/oidc/callback/" if client == PORTAL_CLIENT else OTHER_REDIRECT
    UserFactory(username="canbo", email="can.bo@bhxh.gov.vn")

    def substitute(tokens):
        proxy.token_hook = None  # once: the flow below asks the token endpoint too
        nonce = proxy.authorize_queries[-1]["nonce"] if which_nonce == "same" else "khac"
        issuer = proxy.issuer if where == "proxy" else idp.issuer
        other = code_flow_tokens(issuer, client, redirect, "can.bo@bhxh.gov.vn", nonce)
        return {**tokens, "id_token": other["id_token"]}

    proxy.token_hook = substitute
    session, answer = sso_login(proxy.portal, "can.bo@bhxh.gov.vn")
    refused_with(session, answer, proxy.portal, code, MESSAGES[code])
    asked = proxy.authorize_queries[0]  # what the portal sent: PKCE S256 and a nonce
    assert asked["code_challenge_method"] == "S256"
    assert len(asked["code_challenge"]) == 43
    assert len(asked["nonce"]) >= 32


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _tampered(tokens):
    """The id_token names the administrator instead: header and signature untouched."""
    header, payload, signature = tokens["id_token"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["email"] = "quan.tri@bhxh.gov.vn"
    return {**tokens, "id_token": f"{header}.{_b64(claims)}.{signature}"}


def _foreign_key(tokens):
    """The same claims signed with a key the provider never published (same kid)."""
    header = jwt.get_unverified_header(tokens["id_token"])
    claims = jwt.decode(tokens["id_token"], options={"verify_signature": False})
    forged = jwt.encode(claims, rsa_key_pem(), algorithm="RS256", headers={"kid": header["kid"]})
    return {**tokens, "id_token": forged}


def _alg_none(tokens):
    claims = jwt.decode(tokens["id_token"], options={"verify_signature": False})
    return {**tokens, "id_token": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."}


@pytest.mark.parametrize("tamper", [_tampered, _foreign_key, _alg_none])
def test_bad_signature_is_refused(proxy, tamper):
    UserFactory(username="canbo", email="can.bo@bhxh.gov.vn")
    UserFactory(username="quantri", email="quan.tri@bhxh.gov.vn", is_superuser=True)
    proxy.token_hook = tamper
    session, answer = sso_login(proxy.portal, "can.bo@bhxh.gov.vn")
    refused_with(
        session,
        answer,
        proxy.portal,
        "ACC-SSO-SIGNATURE",
        "Chữ ký của thông tin đăng nhập do hệ thống đăng nhập một lần trả về không hợp lệ",
    )


def test_provider_unreachable_is_answered_on_the_login_page(settings, live_server):
    portal_sso_settings(settings, f"http://127.0.0.1:{free_port()}/o")
    session = requests.Session()
    answer = session.get(f"{live_server.url}/oidc/authenticate/")
    assert answer.url == live_server.url + LOGIN_PATH
    assert "Không kết nối được với hệ thống đăng nhập một lần" in answer.text


def test_provider_key_rotation_is_followed(portal, idp):  # noqa: F811
    """The provider restarted with a new key: the portal's cached JWKS lacks it, so the
    portal reads the JWKS again (once) and accepts the token signed with the new key."""
    UserFactory(username="canbo", email="can.bo@bhxh.gov.vn")
    session, answer = sso_login(portal, "can.bo@bhxh.gov.vn")
    assert signed_in(session, portal)
    old_keys = requests.get(f"{idp.issuer}/.well-known/jwks.json", timeout=30).json()
    idp.stop()
    (idp.folder / "key.pem").write_bytes(rsa_key_pem())
    idp.start()
    assert requests.get(f"{idp.issuer}/.well-known/jwks.json", timeout=30).json() != old_keys
    session, answer = sso_login(portal, "can.bo@bhxh.gov.vn")
    assert answer.url == portal + "/"
    assert signed_in(session, portal)


def test_discovery_document_naming_another_issuer_is_refused(proxy):
    """OIDC Discovery §4.3: the document fetched from the configured issuer must name that
    issuer; here the provider names its own address, not the one the portal was given."""
    proxy.keep_host = False
    session = requests.Session()
    answer = session.get(f"{proxy.portal}/oidc/authenticate/")
    assert answer.url == proxy.portal + LOGIN_PATH
    assert "Cấu hình của hệ thống đăng nhập một lần không khớp" in answer.text
    assert AuditEntry.objects.get(action="login.sso_refused").data["code"] == (
        "ACC-SSO-PROVIDER-CONFIG"
    )
    assert not proxy.authorize_queries  # the browser was never sent there
