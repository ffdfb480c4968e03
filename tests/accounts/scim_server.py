"""A small SCIM 2.0 service provider of the project's own, playing a business application
for the tests and the demo: ``/Users`` with a bearer token, filter ``userName eq "…"``,
``PATCH`` (RFC 7644 §3.5.2, ``replace`` of ``active`` and the enterprise ``department``).

It can go down, as a real application does: ``down("refused")`` closes its socket
(connection refused), ``down("503")`` answers 503; ``up()`` brings it back on the same port.
Reached over HTTP only.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
FILTER = re.compile(r'^userName eq "((?:[^"\\]|\\.)*)"$', re.IGNORECASE)


class ScimServer:
    def __init__(self, token: str = "scim-test-token"):  # noqa: S107  (a test double)
        self.token = token
        self.users: dict[str, dict] = {}
        self.requests: list[tuple[str, str, int]] = []  # (method, path, status)
        self.mode = "up"
        self.lock = threading.Lock()
        self.port = 0
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- life -----------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/scim/v2"

    def start(self) -> ScimServer:
        self._httpd = ThreadingHTTPServer(("127.0.0.1", self.port), _handler_for(self))
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        self.mode = "up"
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def down(self, how: str = "refused") -> None:
        """``refused``: nothing listens on the port; ``503``: it answers Service Unavailable."""
        if how == "refused":
            self.stop()
        self.mode = how

    def up(self) -> None:
        if self._httpd is None:
            self.start()  # the same port again
        self.mode = "up"

    # --- data -------------------------------------------------------------------------------
    def add_user(self, user_name: str, *, active: bool = True, department: str = "") -> dict:
        resource = {
            "schemas": [USER_SCHEMA, ENTERPRISE],
            "id": uuid.uuid4().hex,
            "userName": user_name,
            "active": active,
            ENTERPRISE: {"department": department},
            "meta": {"resourceType": "User"},
        }
        with self.lock:
            self.users[resource["id"]] = resource
        return resource

    def user(self, user_name: str) -> dict | None:
        with self.lock:
            for resource in self.users.values():
                if resource["userName"].lower() == user_name.lower():
                    return json.loads(json.dumps(resource))
        return None


def _handler_for(server: ScimServer):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):  # quiet in test output
            pass

        def _send(self, status: int, body: dict | None = None) -> None:
            data = json.dumps(body).encode() if body is not None else b""
            self.send_response(status)
            if body is not None:
                self.send_header("Content-Type", "application/scim+json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            server.requests.append((self.command, self.path, status))

        def _error(self, status: int, detail: str) -> None:
            self._send(
                status,
                {
                    "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
                    "status": str(status),
                    "detail": detail,
                },
            )

        def _guard(self) -> str | None:
            """The path under /scim/v2, or None when the request was already answered."""
            length = int(self.headers.get("Content-Length") or 0)
            self.body = self.rfile.read(length) if length else b""
            if server.mode == "503":
                self._error(503, "down for maintenance")
                return None
            if self.headers.get("Authorization") != f"Bearer {server.token}":
                self._error(401, "bad bearer token")
                return None
            path = urlsplit(self.path).path
            if not path.startswith("/scim/v2/Users"):
                self._error(404, "no such endpoint")
                return None
            return path[len("/scim/v2") :]

        def do_GET(self):
            path = self._guard()
            if path is None:
                return
            if path == "/Users":
                query = parse_qs(urlsplit(self.path).query)
                match = FILTER.match((query.get("filter") or [""])[0])
                if not match:
                    self._error(400, "only userName eq filters are supported")
                    return
                name = match.group(1).replace('\\"', '"').replace("\\\\", "\\")
                found = server.user(name)
                resources = [found] if found else []
                self._send(
                    200,
                    {
                        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
                        "totalResults": len(resources),
                        "Resources": resources,
                    },
                )
                return
            with server.lock:
                resource = server.users.get(path.rsplit("/", 1)[-1])
            self._send(200, resource) if resource else self._error(404, "no such user")

        def do_PATCH(self):
            path = self._guard()
            if path is None:
                return
            user_id = path.rsplit("/", 1)[-1]
            try:
                body = json.loads(self.body)
            except ValueError:
                self._error(400, "invalid JSON")
                return
            with server.lock:
                resource = server.users.get(user_id)
                if resource is None:
                    self._error(404, "no such user")
                    return
                for op in body.get("Operations", []):
                    if op.get("op", "").lower() != "replace":
                        self._error(400, "only replace is supported")
                        return
                    if op.get("path") == "active":
                        resource["active"] = bool(op["value"])
                    elif op.get("path") == f"{ENTERPRISE}:department":
                        resource[ENTERPRISE]["department"] = op["value"]
                    else:
                        self._error(400, f"unsupported path {op.get('path')}")
                        return
                answer = json.loads(json.dumps(resource))
            self._send(200, answer)

    return Handler
