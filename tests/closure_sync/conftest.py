import pytest
from django.db import connections

from central.auth import key_ring_forget

from .helpers import credential, write_credentials


@pytest.fixture(autouse=True)
def _fresh_key_ring():
    """Uploaded keys are cached per process for a few seconds; each test starts clean."""
    key_ring_forget()
    yield
    key_ring_forget()


@pytest.fixture
def key():
    return credential()


@pytest.fixture
def credentials_file(tmp_path, settings, key):
    """One credential file used by both sides (the portal client and the central store)."""
    path = write_credentials(tmp_path / "central.ini", key)
    settings.CLOSURE_CREDENTIALS_FILE = str(path)
    settings.CENTRAL_CREDENTIALS_FILE = str(path)
    return path


@pytest.fixture
def central(live_server, settings, credentials_file):
    """The central store's API served over real HTTP on a loopback port."""
    settings.CLOSURE_CENTRAL_URL = live_server.url
    yield live_server
    # The server's request threads keep their central connections (CONN_MAX_AGE); end
    # them so the throwaway central database can be dropped (PostgreSQL only: SQLite
    # has no server sessions).
    if connections["central"].vendor != "postgresql":
        return
    with connections["central"].cursor() as cur:
        cur.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
