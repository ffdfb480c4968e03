"""The local identity provider as a real server process, and a proxy the tests control.

``idp`` starts ``idp`` (its own settings, SQLite file and RSA key) on a free port and
fills its directory; the portal (the live server) is registered as its client. The
:class:`TamperingProxy` sits between the portal and the provider for the attack tests: it
forwards every request unchanged (keeping the Host header, so the provider names itself
by the proxy's address) and lets a test rewrite the token endpoint's answer.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Mat-khau-SSO-2026"
PORTAL_CLIENT = ("portal", "portal-client-secret-for-tests")
OTHER_CLIENT = ("ung-dung-khac", "other-client-secret-for-tests")
OTHER_REDIRECT = "http://127.0.0.1:9/callback/"
# The ministry's directory: official accounts, whether or not the portal knows them.
DIRECTORY = (
    "can.bo@bhxh.gov.vn",
    "quan.tri@bhxh.gov.vn",
    "khoa@bhxh.gov.vn",
    "khong.co@bhxh.gov.vn",
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rsa_key_pem() -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


@dataclass
class IdpServer:
    folder: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def issuer(self) -> str:
        return f"{self.base}/o"

    @property
    def env(self) -> dict:
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "idp.settings",
            "IDP_DATABASE_URL": f"sqlite:///{self.folder / 'idp.sqlite3'}",
            "IDP_RSA_PRIVATE_KEY_FILE": str(self.folder / "key.pem"),
            "IDP_SECRET_KEY": "idp-test-secret",
            "PYTHONUNBUFFERED": "1",
        }

    def manage(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "django", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def start(self) -> IdpServer:
        self.log = open(self.folder / "server.log", "ab")  # noqa: SIM115  (closed in stop)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "django", "runserver", f"127.0.0.1:{self.port}", "--noreload"],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, (self.folder / "server.log").read_text()
            try:
                if requests.get(self.issuer + "/.well-known/openid-configuration", timeout=2).ok:
                    return self
            except requests.ConnectionError:
                pass
            time.sleep(0.2)
        raise AssertionError("the identity provider did not start")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=15)
        self.log.close()


@pytest.fixture(scope="session")
def idp(tmp_path_factory, live_server):
    """The provider, running, with its directory and two clients: the portal and another."""
    server = IdpServer(tmp_path_factory.mktemp("idp"))
    (server.folder / "key.pem").write_bytes(rsa_key_pem())
    server.manage("migrate", "-v0")
    server.manage("idp_account", *DIRECTORY, "--password", PASSWORD)
    client_id, secret = PORTAL_CLIENT
    server.manage(
        "idp_client", client_id, "--secret", secret,
        "--redirect-uri", f"{live_server.url}/oidc/callback/",
    )  # fmt: skip
    other_id, other_secret = OTHER_CLIENT
    server.manage(
        "idp_client", other_id, "--secret", other_secret, "--redirect-uri", OTHER_REDIRECT
    )
    server.start()
    yield server
    server.stop()


def portal_sso_settings(settings, issuer: str) -> None:
    """Switch the portal's SSO on, pointed at ``issuer`` (the provider or the proxy)."""
    from django.core.cache import cache

    settings.OIDC_ENABLED = True
    settings.OIDC_OP_ISSUER = issuer
    settings.OIDC_RP_CLIENT_ID, settings.OIDC_RP_CLIENT_SECRET = PORTAL_CLIENT
    settings.OIDC_ALLOWED_EMAIL_DOMAINS = ["bhxh.gov.vn"]
    settings.AUTHENTICATION_BACKENDS = [
        *settings.AUTHENTICATION_BACKENDS,
        "accounts.sso.OfficialEmailBackend",
    ]
    settings.ROOT_URLCONF = "tests.accounts.sso_urls"
    cache.clear()  # no discovery document or keys of another test's provider


def provider_sign_in(session: requests.Session, login_page: requests.Response, email: str):
    """Fill the provider's login page (reached by following redirects) and submit it."""
    assert "/dang-nhap/" in login_page.url, login_page.url
    token = session.cookies.get("idp_csrftoken")
    return session.post(
        login_page.url,
        data={"csrfmiddlewaretoken": token, "username": email, "password": PASSWORD},
        allow_redirects=True,
    )


def code_flow_tokens(issuer: str, client: tuple[str, str], redirect_uri: str, email: str, nonce):
    """A whole authorization-code flow with PKCE for ``client``: its token response."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    session = requests.Session()
    query = {
        "response_type": "code",
        "client_id": client[0],
        "redirect_uri": redirect_uri,
        "scope": "openid email profile",
        "state": "s",
        "nonce": nonce,
        "code_challenge": challenge.decode(),
        "code_challenge_method": "S256",
    }
    page = session.get(f"{issuer}/authorize/?{urlencode(query)}")
    token = session.cookies.get("idp_csrftoken")
    answer = session.post(
        page.url,
        data={"csrfmiddlewaretoken": token, "username": email, "password": PASSWORD},
        allow_redirects=False,
    )
    while not answer.headers["Location"].startswith(redirect_uri):
        answer = session.get(urljoin(answer.url, answer.headers["Location"]), allow_redirects=False)
    code = parse_qs(urlsplit(answer.headers["Location"]).query)["code"][0]
    tokens = requests.post(
        f"{issuer}/token/",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "client_id": client[0],
            "client_secret": client[1],
            "code_verifier": verifier,
        },
        timeout=30,
    )
    tokens.raise_for_status()
    return tokens.json()


class TamperingProxy:
    """Forwards to the provider; ``token_hook(tokens)`` may rewrite the token answer to
    the portal (the one asking as ``PORTAL_CLIENT``).
    ``authorize_queries`` keeps what the portal asked the authorization endpoint."""

    HOP = {"connection", "transfer-encoding", "content-encoding", "content-length", "keep-alive"}

    def __init__(self, target: str):
        self.target = target
        self.token_hook = None
        self.keep_host = True  # False: the provider sees (and names itself by) its own address
        self.authorize_queries: list[dict] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                self._forward()

            def do_POST(self):
                self._forward()

            def _forward(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                path = self.path
                if urlsplit(path).path.endswith("/authorize/"):
                    proxy.authorize_queries.append(
                        {k: v[0] for k, v in parse_qs(urlsplit(path).query).items()}
                    )
                headers = {k: v for k, v in self.headers.items() if k.lower() not in proxy.HOP}
                if not proxy.keep_host:
                    headers["Host"] = urlsplit(proxy.target).netloc
                upstream = requests.request(
                    self.command,
                    proxy.target + path,
                    headers=headers,
                    data=body,
                    allow_redirects=False,
                    timeout=60,
                )
                content = upstream.content
                asker = parse_qs((body or b"").decode()).get("client_id", [""])[0]
                mine = path.startswith("/o/token/") and asker == PORTAL_CLIENT[0]
                if mine and upstream.ok and proxy.token_hook:
                    content = json.dumps(proxy.token_hook(upstream.json())).encode()
                self.send_response(upstream.status_code)
                for name, value in upstream.raw.headers.items():
                    if name.lower() not in proxy.HOP:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def issuer(self) -> str:
        return f"{self.base}/o"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
