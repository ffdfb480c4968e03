"""A small HTTP server of the tests' own on 127.0.0.1 that serves CRLs and OCSP answers
built in the test (nothing reaches the internet), and the licensed CAs held as data."""

from __future__ import annotations

import socket
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from declarations.employers.models import CertificateAuthority
from declarations.employers.pki.trust import trust_caches_clear, trust_changed


class Served:
    """What the server answers: ``routes[path] = (status, content type, body)`` or a
    callable ``(request body) -> (status, content type, body)``; ``hits`` what was asked."""

    def __init__(self, port: int):
        self.port = port
        self.routes: dict = {}
        self.hits: list[tuple[str, str]] = []

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def crl(self, path: str, body: bytes) -> str:
        self.routes[path] = (200, "application/pkix-crl", body)
        return self.url(path)

    def count(self, path: str) -> int:
        return sum(1 for _, hit in self.hits if hit == path)


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        self._answer(b"")

    def do_POST(self):  # noqa: N802
        self._answer(self.rfile.read(int(self.headers.get("Content-Length") or 0)))

    def _answer(self, body: bytes):
        served: Served = self.server.served
        served.hits.append((self.command, self.path))
        route = served.routes.get(self.path)
        if route is None:
            status, kind, payload = 404, "text/plain", b"not found"
        else:
            status, kind, payload = route(body) if callable(route) else route
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@contextmanager
def pki_server_running():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.served = Served(server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.served
    finally:
        server.shutdown()
        server.server_close()


def closed_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens (connection refused at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/ocsp"


@contextmanager
def trust_caches_fresh():
    """What a test's CAs put in the process's trust store goes with its rolled-back data."""
    trust_caches_clear()
    try:
        yield
    finally:
        trust_caches_clear()


def authority_create(ca, *, urls=(), code="test-ca", ocsp=False, active=True):
    """A licensed CA held as data, as central IT enters it in the admin."""
    authority = CertificateAuthority.objects.create(
        code=code,
        name=f"Test {code}",
        certificates_pem=ca.cert_pem.decode(),
        crl_urls="\n".join(urls),
        ocsp_enabled=ocsp,
        active=active,
    )
    trust_changed()
    return authority
