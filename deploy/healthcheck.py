"""Container health probes (Dockerfile HEALTHCHECK, docker-compose.yml). Standard library
only: a probe every 30 seconds must cost milliseconds, not a Django start-up.

    python deploy/healthcheck.py http [URL]         the web answers /healthz with 200
    python deploy/healthcheck.py fresh PATH SECONDS  celery beat wrote its schedule lately

Exit status 0 when healthy, 1 (with the reason on stderr) when not.
"""

from __future__ import annotations

import glob
import os
import sys
import time
import urllib.error
import urllib.request

DEFAULT_URL = "http://127.0.0.1:8000/healthz"


def _host() -> str:
    """The first allowed host: the portal refuses any other Host header (DisallowedHost)."""
    first = (os.environ.get("ALLOWED_HOSTS") or "localhost").split(",")[0].strip()
    return "localhost" if first in ("", "*") else first.lstrip(".")


def http(url: str = DEFAULT_URL) -> str | None:
    """Why the web process is unhealthy, or None. Asks as the proxy does (HTTPS forwarded),
    so the production redirect to HTTPS does not answer instead of the application."""
    if not url.startswith(("http://", "https://")):
        return f"{url} is not an HTTP address"
    headers = {"Host": _host(), "X-Forwarded-Proto": "https", "User-Agent": "healthcheck"}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 (scheme checked)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            status = response.status
    except urllib.error.HTTPError as exc:
        return f"{url} answered {exc.code}"
    except OSError as exc:
        return f"{url} unreachable: {exc}"
    return None if status == 200 else f"{url} answered {status}"


def fresh(path: str, seconds: str) -> str | None:
    """Why the file at ``path`` (or its dbm siblings ``path.*``) is stale, or None."""
    files = glob.glob(glob.escape(path)) + glob.glob(glob.escape(path) + ".*")
    if not files:
        return f"{path} not written yet"
    age = time.time() - max(os.path.getmtime(f) for f in files)
    return None if age <= float(seconds) else f"{path} last written {age:.0f} s ago"


PROBES = {"http": http, "fresh": fresh}


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in PROBES:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        problem = PROBES[argv[0]](*argv[1:])
    except TypeError:
        print(__doc__, file=sys.stderr)
        return 2
    if problem:
        print(f"unhealthy: {problem}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
