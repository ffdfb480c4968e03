"""The HTTP side: ``/v1/status``, ``/v1/certificates``, ``/v1/sign`` on 127.0.0.1 only,
for the configured origins only (CORS and Private Network Access preflights included)."""

from __future__ import annotations

import base64
import json
import logging
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from bhxh_signer import PROTOCOL_VERSION
from bhxh_signer.console import Console, printable
from bhxh_signer.errors import SignerError
from bhxh_signer.protocol import sign_request_parse
from bhxh_signer.token import LOGIN_CONSOLE, LOGIN_PAD, PROTECTED, TokenAccess

log = logging.getLogger("bhxh_signer")

MAX_BODY = 64 * 1024  # 50 digests with their ids fit many times over


class SignerServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int, *, token: TokenAccess, console: Console, origins: set[str]):
        # Loopback only: the token must not be reachable from the network.
        super().__init__(("127.0.0.1", port), SignerHandler)
        self.token = token
        self.console = console
        self.origins = origins


class SignerHandler(BaseHTTPRequestHandler):
    server: SignerServer
    server_version = "bhxh-signer/" + PROTOCOL_VERSION
    # Keep-alive: the page's two rounds reuse one connection. Every answer carries its
    # Content-Length; a refused request closes it (its body may be unread). Idle ones go.
    protocol_version = "HTTP/1.1"
    timeout = 30
    # Headers and body leave as two writes: no waiting for the first one's ACK.
    disable_nagle_algorithm = True

    def version_string(self) -> str:
        return self.server_version

    # -- plumbing -------------------------------------------------------------------------

    def log_message(self, format, *args):  # noqa: A002  (the base class's signature)
        log.debug("http %s", format % args)

    def _origin(self) -> str | None:
        origin = self.headers.get("Origin")
        return origin if origin in self.server.origins else None

    def _send(self, status: int, body: dict | None, *, origin: str | None) -> None:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8") if body is not None else b""
        self.send_response(status)
        if origin:
            self.send_header("Access-Control-Allow-Origin", origin)
            self.send_header("Vary", "Origin")
        if body is not None:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)

    def _refuse(self, error: SignerError, *, origin: str | None) -> None:
        # The detail may carry what a page sent (its Origin): no control characters in the log.
        log.info(
            "refused code=%s detail=%s path=%s",
            error.code,
            printable(error.detail),
            printable(self.path),
        )
        self.close_connection = True
        self._send(error.status, error.body(), origin=origin)

    def _guarded(self, route) -> None:
        origin = self._origin()
        if origin is None:
            self._refuse(
                SignerError("signer.origin_refused", self.headers.get("Origin") or "no Origin"),
                origin=None,
            )
            return
        try:
            self._send(200, route(origin), origin=origin)
        except SignerError as exc:
            self._refuse(exc, origin=origin)

    # -- methods --------------------------------------------------------------------------

    def do_OPTIONS(self):  # noqa: N802
        origin = self._origin()
        if origin is None:
            self._refuse(SignerError("signer.origin_refused", "preflight"), origin=None)
            return
        self.send_response(204)
        self.send_header("Access-Control-Allow-Origin", origin)
        self.send_header("Vary", "Origin")
        self.send_header("Access-Control-Allow-Methods", "GET, POST")
        self.send_header("Access-Control-Allow-Headers", "Content-Type")
        # Chromium's Private Network Access: a public page may call 127.0.0.1 only if it says so.
        self.send_header("Access-Control-Allow-Private-Network", "true")
        self.send_header("Access-Control-Max-Age", "600")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self):  # noqa: N802
        routes = {"/v1/status": self._status, "/v1/certificates": self._certificates}
        self._guarded(routes.get(self.path, self._not_found))

    def do_POST(self):  # noqa: N802
        self._guarded(self._sign if self.path == "/v1/sign" else self._not_found)

    # -- routes ---------------------------------------------------------------------------

    def _not_found(self, origin: str) -> dict:
        raise SignerError("signer.bad_request", f"no route {self.command} {self.path}")

    def _status(self, origin: str) -> dict:
        return {"version": PROTOCOL_VERSION, **self.server.token.status()}

    def _certificates(self, origin: str) -> dict:
        return {"certificates": [c.describe() for c in self.server.token.certificates()]}

    def _body(self) -> bytes:
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError as exc:
            raise SignerError("signer.bad_request", "Content-Length") from exc
        if not 0 < length <= MAX_BODY:
            raise SignerError("signer.bad_request", f"body of {length} bytes")
        return self.rfile.read(length)

    def _sign(self, origin: str) -> dict:
        request = sign_request_parse(self._body())
        token, console = self.server.token, self.server.console
        ids = [digest_id for digest_id, _ in request.digests]
        logged_ids = ",".join(printable(digest_id) for digest_id in ids)
        log.info(
            "sign_request origin=%s certificate_id=%s digest_ids=%s",
            origin,
            request.certificate_id.hex(),
            logged_ids,
        )
        # Unknown certificate or no token: refused before the user is bothered.
        cert = token.certificate(request.certificate_id)
        with console.exclusive():
            agreed = console.confirm(
                origin=origin,
                summary=request.summary,
                count=len(request.digests),
                subject=cert.x509.subject.rfc4514_string(),
            )
            if not agreed:
                raise SignerError("signer.declined", "user said no or did not answer")
            try:
                values = self._login_and_sign(request)
            except SignerError as exc:
                console.say(f"-> {exc.message}")
                raise
            console.say(f"-> Đã ký {len(values)} chữ ký.")
        log.info("sign_done certificate_id=%s digest_ids=%s", cert.id.hex(), logged_ids)
        return {
            "signatures": [
                {"id": digest_id, "value": base64.b64encode(value).decode("ascii")}
                for digest_id, value in zip(ids, values, strict=True)
            ]
        }

    def _login_and_sign(self, request) -> list[bytes]:
        token, console = self.server.token, self.server.console
        way = token.login_way()
        if way == LOGIN_PAD:
            console.say("Nhập mã PIN trên bàn phím của token.")
            token.login(PROTECTED)
        elif way == LOGIN_CONSOLE:
            pin = console.ask("Mã PIN của token: ", hidden=True)
            if pin is None:
                raise SignerError("signer.declined", "no PIN in time")
            token.login(pin)
        return token.sign(request.certificate_id, [digest for _, digest in request.digests])
