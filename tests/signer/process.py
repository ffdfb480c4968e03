"""The local signer as a real process for the tests: started on a free port of 127.0.0.1,
its console read as it prints, and answered through its stdin as a user would type."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

SIGNER_SOURCE = Path(__file__).resolve().parents[2] / "signer"
CONFIRM_PROMPT = "[y/N]: "
PIN_PROMPT = "Mã PIN của token: "


class SignerProcess:
    def __init__(
        self,
        *,
        module: str,
        env: dict[str, str],
        origins: list[str],
        confirm_timeout: float = 30,
        port: int = 0,
        extra: list[str] | None = None,
    ):
        """``port`` 0: any free port of 127.0.0.1 (``self.url`` says which)."""
        args = [sys.executable, "-u", "-m", "bhxh_signer", "--module", module, "--port", str(port)]
        for origin in origins:
            args += ["--allow-origin", origin]
        args += ["--confirm-timeout", str(confirm_timeout), *(extra or [])]
        env = {
            **env,
            "PYTHONPATH": os.pathsep.join(
                filter(None, [str(SIGNER_SOURCE), env.get("PYTHONPATH")])
            ),
        }
        self._output = ""
        self._changed = threading.Condition()
        self.proc = subprocess.Popen(
            args,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,  # no controlling terminal: the console reads stdin
        )
        self._readers = [
            threading.Thread(target=self._pump, args=(self.proc.stdout,), daemon=True),
            threading.Thread(target=self._drain_stderr, daemon=True),
        ]
        self.log = ""
        for reader in self._readers:
            reader.start()
        match = re.search(r"http://127\.0\.0\.1:(\d+)", self.wait_for("Đang chạy tại", 20))
        self.url = f"http://127.0.0.1:{match.group(1)}"

    def _pump(self, stream) -> None:
        while chunk := stream.read1(4096):
            with self._changed:
                self._output += chunk.decode("utf-8", "replace")
                self._changed.notify_all()

    def _drain_stderr(self) -> None:
        for line in self.proc.stderr:
            self.log += line.decode("utf-8", "replace")

    @property
    def output(self) -> str:
        return self._output

    def wait_for(self, text: str, timeout: float = 15, *, count: int = 1) -> str:
        """The console's output once ``text`` has appeared ``count`` times in it."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while self._output.count(text) < count:
                left = deadline - time.monotonic()
                if left <= 0 or self.proc.poll() is not None:
                    raise AssertionError(
                        f"signer never printed {text!r} x{count}:\n{self._output}\n{self.log}"
                    )
                self._changed.wait(min(left, 0.2))
            return self._output

    def type(self, line: str, *, after: str, count: int = 1) -> None:
        """Type ``line`` once the prompt ``after`` is on the console (for the ``count``-th
        time): what is typed earlier is thrown away by the signer, as it should be."""
        self.wait_for(after, count=count)
        self.proc.stdin.write(line.encode("utf-8") + b"\n")
        self.proc.stdin.flush()

    def request(
        self, method: str, path: str, *, origin: str | None, body: dict | None = None
    ) -> tuple[int, httpx.Headers, dict]:
        """(status, headers, JSON body) of one request, as a page at ``origin`` sends it."""
        headers = {"Content-Type": "application/json"} if body is not None else {}
        if origin is not None:
            headers["Origin"] = origin
        data = json.dumps(body).encode() if body is not None else None
        resp = httpx.request(method, self.url + path, content=data, headers=headers, timeout=60)
        return resp.status_code, resp.headers, resp.json() if resp.content else {}

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        for reader in self._readers:
            reader.join(5)
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            stream.close()
