"""Fixtures for the I-VAN API: providers with API clients, a reference client per provider."""

import pytest

from ivan import services
from ivan.client import IvanClient
from ivan.models import Provider

ALL_SCOPES = [
    "dossiers:submit",
    "dossiers:read",
    "notices:read",
    "employers:register",
    "employers:read",
    "webhooks:manage",
    "stats:read",
]


@pytest.fixture
def issue_client(reference_data_tx):
    def issue(code="VNPT", scopes=ALL_SCOPES, sandbox=False):
        provider = Provider.objects.get(code=code)
        return services.api_client_create(
            actor=None, provider=provider, scopes=scopes, sandbox=sandbox
        )

    return issue


@pytest.fixture
def api(live_server, issue_client):
    """``api("VNPT", scopes=[...])`` → a reference IvanClient talking to the live server."""

    def make(code="VNPT", scopes=ALL_SCOPES, sandbox=False, request_scopes=None):
        issued = issue_client(code, scopes, sandbox)
        client = IvanClient(
            f"{live_server.url}/api/ivan/v1",
            issued.client_id,
            issued.secret,
            scopes=tuple(request_scopes or scopes),
        )
        client.issued = issued
        return client

    return make
