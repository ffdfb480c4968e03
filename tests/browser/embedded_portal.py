"""The portal as ``scripts/dev.sh`` runs it, in a subprocess: development settings, SQLite,
tasks in-process, e-mail on the console, the demo data loaded by the same commands; every
file it writes in a private folder, on a free port of its own."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from django.conf import settings

# What dev.sh runs before the server, in its order.
SETUP_COMMANDS = (
    ("migrate", "--noinput", "-v0"),
    ("migrate", "--database", "central", "--noinput", "-v0"),
    ("seed_demo",),
    ("demo_central",),
)
# Kept from the caller's environment: nothing that would switch the settings away from the
# embedded default (databases, broker, cache, e-mail, settings module).
PASSED_THROUGH = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "PDF_FONT_PATH")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class EmbeddedPortal:
    folder: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.folder / "server.log"

    @property
    def demo_pki(self) -> Path:
        return self.folder / "demo-pki"

    def environment(self) -> dict[str, str]:
        env = {name: os.environ[name] for name in PASSED_THROUGH if name in os.environ}
        credentials = str(self.folder / "central-credentials.ini")
        checkpoints = self.folder / "audit-checkpoints"
        env.update(
            DJANGO_SETTINGS_MODULE="portal.settings.dev",
            PORT=str(self.port),
            CENTRAL_API_URL=self.url,
            PYTHONUNBUFFERED="1",
            # Where the embedded default writes beside the checkout, moved to the folder.
            DATABASE_URL=f"sqlite:///{self.folder / 'db.sqlite3'}",
            CENTRAL_DATABASE_URL=f"sqlite:///{self.folder / 'central.sqlite3'}",
            MEDIA_ROOT=str(self.folder / "media"),
            TRUSTED_CA_DIR=str(self.folder / "trusted-ca"),
            DEMO_PKI_DIR=str(self.demo_pki),
            CLOSURE_CREDENTIALS_FILE=credentials,
            CENTRAL_CREDENTIALS_FILE=credentials,
            AUDIT_CHECKPOINT_KEY_FILE=str(checkpoints / "signing-key.pem"),
            AUDIT_CHECKPOINT_PUBLIC_KEYS=str(checkpoints / "public-keys"),
            AUDIT_CHECKPOINT_FILE=str(checkpoints / "checkpoints.jsonl"),
        )
        return env

    def _manage(self, *args: str) -> list[str]:
        return [sys.executable, str(settings.BASE_DIR / "manage.py"), *args]

    def setup(self) -> None:
        """Migrate both databases and load the demo, as dev.sh does."""
        for command in SETUP_COMMANDS:
            done = subprocess.run(
                self._manage(*command),
                cwd=settings.BASE_DIR,
                env=self.environment(),
                capture_output=True,
                text=True,
                timeout=900,
            )
            if done.returncode:
                raise RuntimeError(
                    f"manage.py {' '.join(command)} failed:\n{done.stdout[-3000:]}\n"
                    f"{done.stderr[-3000:]}"
                )

    def start(self, timeout: float = 120.0) -> None:
        # No autoreloader: the checkout may change under a running test.
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self._manage("runserver", "--noreload", f"127.0.0.1:{self.port}"),
                cwd=settings.BASE_DIR,
                env=self.environment(),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the portal exited at start:\n{self.log_tail()}")
            if self._answers():
                return
            time.sleep(0.5)
        raise RuntimeError(f"the portal did not answer within {timeout}s:\n{self.log_tail()}")

    def _answers(self) -> bool:
        try:
            login = httpx.get(f"{self.url}/tai-khoan/dang-nhap/", timeout=5, trust_env=False)
        except httpx.TransportError:
            return False
        return login.status_code == 200

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=15)

    def log_size(self) -> int:
        return self.log_path.stat().st_size if self.log_path.exists() else 0

    def log_since(self, offset: int) -> str:
        with self.log_path.open("rb") as log:
            log.seek(offset)
            return log.read().decode("utf-8", "replace")

    def log_tail(self, chars: int = 4000) -> str:
        return self.log_since(0)[-chars:] if self.log_path.exists() else ""


def server_errors(log: str) -> list[str]:
    """Lines of the server's log that report an error: logged at ERROR or above, or a
    traceback."""
    return [
        line
        for line in log.splitlines()
        if '"level": "error"' in line
        or '"level": "critical"' in line
        or line.startswith("Traceback")
    ]


class Watch:
    """What goes wrong in a page while a journey walks: responses of 500 and above,
    console errors, uncaught exceptions; and the links of the pages it noted, to follow."""

    def __init__(self, page, origin: str):
        self.failures: list[str] = []
        self.origin = origin
        self.links: dict[str, str] = {}  # link → the page it was found on
        page.on("response", self._response)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.failures.append(f"pageerror: {error}"))

    def _response(self, response) -> None:
        if response.status >= 500:
            self.failures.append(f"{response.status} {response.request.method} {response.url}")

    def _console(self, message) -> None:
        if message.type == "error":
            where = message.location.get("url", "") if message.location else ""
            self.failures.append(f"console error: {message.text} ({where})")

    def note_links(self, page) -> None:
        """Remember the portal's links in the page's main content."""
        hrefs = page.eval_on_selector_all("main a[href]", "links => links.map(a => a.href)")
        for href in hrefs:
            link = href.split("#")[0]
            if link.startswith(self.origin + "/"):
                self.links.setdefault(link, page.url)

    def broken_links(self, page) -> list[str]:
        """The noted links that do not open (status 400 or more), followed with the page's
        session."""
        broken = []
        for link, found_on in sorted(self.links.items()):
            status = page.request.get(link).status
            if status >= 400:
                broken.append(f"broken link {status} {link} (on {found_on})")
        return broken
