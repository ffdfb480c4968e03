import pytest

from .servers import PrivatePostgres, PrivateRedis, pg_bin


@pytest.fixture
def private_pg():
    """A PostgreSQL cluster of this test alone (the shared one is never restarted)."""
    if pg_bin() is None:
        pytest.skip("PostgreSQL server binaries not installed")
    cluster = PrivatePostgres().init()
    cluster.start()
    yield cluster
    cluster.destroy()


@pytest.fixture
def private_redis():
    """A Redis server of this test alone, without persistence."""
    server = PrivateRedis().start()
    yield server
    server.kill()


# The closure tests' central store over HTTP and its credential file, shared here.
from tests.closure_sync.conftest import _fresh_key_ring, central, credentials_file, key  # noqa: E402, F401

# The I-VAN API's fixtures (a provider's client over HTTP, carried employers, signing).
from tests.ivan.conftest import api, carried, issue_client, pki_demo, sign, trusted  # noqa: E402, F401
