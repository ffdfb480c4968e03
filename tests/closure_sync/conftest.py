import pytest

from .helpers import credential, write_credentials


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
    return live_server
