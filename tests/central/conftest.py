import pytest

from central.auth import key_ring_forget


@pytest.fixture(autouse=True)
def _fresh_key_ring():
    """Uploaded keys are cached per process for a few seconds; each test starts clean."""
    key_ring_forget()
    yield
    key_ring_forget()
