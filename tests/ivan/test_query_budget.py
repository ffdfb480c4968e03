"""How many SQL queries an API call costs around its work, so the per-call overhead cannot
creep back: the token, its client, provider and contract come in one query; one statistics
row and one audit entry per call."""

import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from oauth2_provider.models import AccessToken
from rest_framework.test import APIClient

from ivan.api import dossiers as dossier_views
from ivan.models import ApiCall

pytestmark = pytest.mark.django_db(transaction=True)

# The code before this test existed ran 3 queries to authenticate a call (token, API client,
# contract), a savepoint pair around the Idempotency-Key row, 20 queries outside the intake for a
# submit (test settings run the outbox in-process) and 11 for a status call.
AUTH_QUERIES = 1
STATUS_CALL_MAX = 9
# The receipt's agency document (issue 22) is built by its outbox row: in-process under the
# test settings (read the notice, store the document, mark the row), a worker's in production.
AGENCY_DOCUMENT_QUERIES = 5
SUBMIT_OUTSIDE_INTAKE_MAX = 16 + AGENCY_DOCUMENT_QUERIES


@pytest.fixture
def bearer(issue_client):
    def make(code="VNPT"):
        issued = issue_client(code, ["dossiers:submit", "dossiers:read"])
        token = AccessToken.objects.create(
            application=issued.client.application,
            token=uuid.uuid4().hex,
            expires=timezone.now() + timedelta(hours=1),
            scope="dossiers:submit dossiers:read",
        )
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token.token}")
        return client

    return make


def test_the_token_comes_with_its_client_provider_and_contract_in_one_query(
    issue_client, django_assert_num_queries
):
    from ivan.oauth import ProviderOAuth2Validator

    issued = issue_client("VNPT", ["dossiers:read"])
    token = uuid.uuid4().hex
    AccessToken.objects.create(
        application=issued.client.application,
        token=token,
        expires=timezone.now() + timedelta(hours=1),
        scope="dossiers:read",
    )
    with django_assert_num_queries(AUTH_QUERIES):
        found = ProviderOAuth2Validator()._load_access_token(token)
    with django_assert_num_queries(0):
        assert found.application.ivan_client.provider.code == "VNPT"
        assert found.ivan_contract_in_force is True
        assert found.user is None


def test_a_status_call_costs_few_queries(bearer, carried, sign):
    unit = carried("VNPT")
    client = bearer("VNPT")
    submitted = client.post(
        "/api/ivan/v1/dossiers", sign(unit), content_type="application/xml"
    ).json()
    with CaptureQueriesContext(connection) as captured:
        answer = client.get(f"/api/ivan/v1/dossiers/{submitted['transaction_code']}")
    assert answer.status_code == 200 and answer.json()["status"] == "received"
    assert len(captured.captured_queries) <= STATUS_CALL_MAX
    assert ApiCall.objects.filter(action="DossierViewSet.retrieve", status_code=200).count() == 1


def test_a_submit_costs_few_queries_outside_the_intake(bearer, carried, sign, monkeypatch):
    unit = carried("VNPT")
    client = bearer("VNPT")
    envelope = sign(unit)
    intake_span = []
    inner = dossier_views.intake_submit

    def measured(**kwargs):
        start = len(captured.captured_queries)
        result = inner(**kwargs)
        intake_span.append(len(captured.captured_queries) - start)
        return result

    monkeypatch.setattr(dossier_views, "intake_submit", measured)
    with CaptureQueriesContext(connection) as captured:
        answer = client.post(
            "/api/ivan/v1/dossiers",
            envelope,
            content_type="application/xml",
            HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
        )
    assert answer.status_code == 201, answer.content
    sqls = [q["sql"] for q in captured.captured_queries]
    outside = len(sqls) - intake_span[0]
    assert outside <= SUBMIT_OUTSIDE_INTAKE_MAX, "\n".join(sqls)
    assert ApiCall.objects.filter(action="DossierViewSet.create").count() == 1


def test_a_dossier_event_finds_the_providers_webhooks_in_one_query(carried):
    from declarations.dossiers.models import Dossier
    from declarations.employers.models import Provider
    from ivan.models import WebhookEndpoint
    from ivan.notifications import endpoints_of

    vnpt, ts24 = Provider.objects.get(code="VNPT"), Provider.objects.get(code="TS24")
    unit = carried("VNPT", "VN0001A")
    carried("VNPT", "VN0002A")
    carried("VNPT", "VN0003A")
    first = WebhookEndpoint.objects.create(provider=vnpt, url="https://a.example/h", secret="s")
    WebhookEndpoint.objects.create(provider=vnpt, url="https://b.example/h", secret="s")
    WebhookEndpoint.objects.create(
        provider=vnpt, url="https://c.example/h", secret="s", active=False
    )
    theirs = WebhookEndpoint.objects.create(provider=ts24, url="https://t.example/h", secret="s")
    WebhookEndpoint.objects.create(
        provider=Provider.objects.get(code="EFY"), url="https://e.example/h", secret="s"
    )
    with CaptureQueriesContext(connection) as captured:
        found = endpoints_of(Dossier(employer=unit, provider=ts24))
    # Each endpoint once, though its provider carries three employers.
    assert sorted(e.pk for e in found) == sorted([first.pk, theirs.pk])
    assert len(captured.captured_queries) == 1
