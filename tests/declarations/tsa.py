"""A time-stamping authority of our own for tests: RFC 3161 over HTTP on 127.0.0.1, the
tokens made by ``openssl ts -reply`` with a TSA certificate the test chooses.

The token carries the TSA's own certificate only (its CA is in the trust store): OpenSSL
writes a chain's certificates in the order given, not in DER's set order, and the strict
DER reader of rfc3161-client refuses that."""

from __future__ import annotations

import subprocess
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

CONFIG = """\
[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
serial = {folder}/serial
crypto_device = builtin
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = no
tsa_name = no
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""


class LocalTsa:
    """``url`` answers POSTed ``application/timestamp-query`` with a signed response."""

    def __init__(self, tsa):
        self.folder = Path(tempfile.mkdtemp(prefix="tsa-"))
        (self.folder / "serial").write_text("01\n")
        (self.folder / "tsa.cnf").write_text(CONFIG.format(folder=self.folder))
        (self.folder / "key.pem").write_bytes(tsa.key_pem)
        (self.folder / "cert.pem").write_bytes(tsa.cert_pem)
        self.requests = 0
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802  (http.server's name)
                query = self.rfile.read(int(self.headers["Content-Length"]))
                owner.requests += 1
                body = owner.reply(query)
                self.send_response(200)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/tsa"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def reply(self, query: bytes) -> bytes:
        with tempfile.TemporaryDirectory(dir=self.folder) as work:
            (Path(work) / "q.tsq").write_bytes(query)
            subprocess.run(
                [
                    "openssl", "ts", "-reply",
                    "-config", str(self.folder / "tsa.cnf"),
                    "-queryfile", str(Path(work) / "q.tsq"),
                    "-inkey", str(self.folder / "key.pem"),
                    "-signer", str(self.folder / "cert.pem"),
                    "-out", str(Path(work) / "r.tsr"),
                ],
                check=True,
                capture_output=True,
            )  # fmt: skip
            return (Path(work) / "r.tsr").read_bytes()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
