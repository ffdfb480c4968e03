"""Provider authentication: client credentials, scopes, contracts, secrets, throttling."""

import pytest
import requests

from accounts.models import AuditEntry
from declarations.employers.models import Provider
from ivan import services
from ivan.client import ApiError
from ivan.models import ApiCall, ClientSecret, Contract
from tests.factories import EmployerFactory, carry

pytestmark = pytest.mark.django_db(transaction=True)


def test_token_with_the_right_secret_and_refused_with_a_wrong_one(api):
    client = api("VNPT")
    assert client.me()["provider_code"] == "VNPT"
    client._token, client.client_secret = None, "wrong-secret"
    with pytest.raises(ApiError) as refused:
        client.me()
    assert refused.value.status == 401


def test_call_without_token_is_a_problem_document(live_server, reference_data_tx):
    response = requests.get(f"{live_server.url}/api/ivan/v1/me", timeout=10)
    assert response.status_code == 401
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert response.json()["code"] == "IVAN_UNAUTHENTICATED"
    assert "Bearer" in response.headers["WWW-Authenticate"]


def test_message_is_english_when_asked(live_server, reference_data_tx):
    response = requests.get(
        f"{live_server.url}/api/ivan/v1/me", timeout=10, headers={"Accept-Language": "en"}
    )
    assert response.json()["detail"] == "The access token is missing or invalid."


def test_client_cannot_request_a_scope_it_was_not_given(api):
    client = api("VNPT", scopes=["dossiers:read"], request_scopes=["dossiers:read", "stats:read"])
    with pytest.raises(ApiError) as refused:
        client.me()
    assert refused.value.code == "TOKEN_REFUSED"


def test_action_needs_its_scope(api):
    client = api("VNPT", scopes=["dossiers:read"])
    with pytest.raises(ApiError) as refused:
        client.request("GET", "employers")
    assert (refused.value.status, refused.value.code) == (403, "IVAN_SCOPE_MISSING")


def test_suspended_contract_stops_every_token_at_once(api):
    client = api("TS24")
    client.me()
    contract = Contract.objects.get(provider__code="TS24")
    services.contract_set_state(actor=None, contract=contract, state="suspended")
    with pytest.raises(ApiError) as refused:
        client.me()
    assert refused.value.status == 401
    client._token = None  # a new token is refused too
    with pytest.raises(ApiError):
        client.me()
    assert AuditEntry.objects.filter(action="ivan.contract.suspended").count() == 1


def test_contract_state_is_checked_even_if_a_token_survived(api):
    client = api("EFY")
    client.me()
    Contract.objects.filter(provider__code="EFY").update(state="ended")  # no service call
    with pytest.raises(ApiError) as refused:
        client.me()
    assert refused.value.code == "IVAN_CONTRACT_INACTIVE"


def test_secret_rotation_keeps_both_secrets_live_until_the_old_is_revoked(api):
    old = api("BKAV")
    api_client = old.issued.client
    new_secret = services.client_secret_issue(actor=None, client=api_client, label="2026")
    new = type(old)(old.base_url, old.client_id, new_secret.secret, scopes=old.scopes)
    assert old.me()["client_id"] == new.me()["client_id"]
    with pytest.raises(services.SecretLimitReached):
        services.client_secret_issue(actor=None, client=api_client)
    services.client_secret_revoke(
        actor=None, secret=ClientSecret.objects.filter(client=api_client).order_by("id").first()
    )
    old._token = None
    with pytest.raises(ApiError):
        old.me()
    new._token = None
    assert new.me()["provider_code"] == "BKAV"


def test_provider_sees_only_the_employers_it_carries(api, reference_data_tx):
    vnpt, viettel = Provider.objects.get(code="VNPT"), Provider.objects.get(code="VIETTEL")
    mine = EmployerFactory(unit_code="VN0001A")
    theirs = EmployerFactory(unit_code="VT0001A")
    EmployerFactory(unit_code="PT0001A")  # transacts on the portal itself
    carry(mine, vnpt)
    carry(theirs, viettel)
    client = api("VNPT")
    assert [e["unit_code"] for e in client.iterate("employers")] == ["VN0001A"]
    assert client.request("GET", "employers/VN0001A").json()["unit_code"] == "VN0001A"
    for other in ("VT0001A", "PT0001A"):
        with pytest.raises(ApiError) as refused:
            client.request("GET", f"employers/{other}")
        assert (refused.value.status, refused.value.code) == (404, "IVAN_NOT_FOUND")


def test_throttling_answers_429_with_retry_after_per_provider(api):
    Provider.objects.filter(code="THAISON").update(api_rate="3/min")
    slow, other = api("THAISON"), api("VNPT")
    for _ in range(3):
        slow.me()
    with pytest.raises(ApiError) as refused:
        slow.me()
    assert (refused.value.status, refused.value.code) == (429, "IVAN_THROTTLED")
    assert int(refused.value.retry_after) > 0
    assert other.me()["provider_code"] == "VNPT"


def test_every_call_is_audited_and_counted_in_the_statistics(api):
    client = api("VNPT", scopes=["stats:read", "dossiers:read"])
    client.me()
    with pytest.raises(ApiError):
        client.request("GET", "employers")  # scope missing
    stats = client.request("GET", "stats", params={"days": 7}).json()
    assert stats["calls"] == 2 and stats["refusals"] == 1
    assert stats["refusals_by_code"] == [{"code": "IVAN_SCOPE_MISSING", "count": 1}]
    assert stats["latency_ms_p95"] is not None
    assert ApiCall.objects.count() == 3
    assert AuditEntry.objects.filter(action="ivan.api.call").count() == 3


def test_stats_window_is_validated(api):
    client = api("VNPT", scopes=["stats:read"])
    with pytest.raises(ApiError) as refused:
        client.request("GET", "stats", params={"days": "abc"})
    assert (refused.value.status, refused.value.code) == (400, "IVAN_VALIDATION")


def test_public_page_lists_providers_under_contract_without_login(client, reference_data):
    Contract.objects.filter(provider__code="BKAV").update(state="ended")
    page = client.get("/nha-cung-cap-ivan/").content.decode()
    for code in ("VNPT", "TS24", "THAISON", "EFY", "VIETTEL"):
        assert f"<td>{code}</td>" in page
    assert "<td>BKAV</td>" not in page


def _token_as_loaded(token):
    from django.forms.models import model_to_dict

    application = token.application
    client = None if application is None else getattr(application, "ivan_client", None)
    return (
        model_to_dict(token),
        None if application is None else model_to_dict(application),
        None if client is None else model_to_dict(client),
        None if client is None else model_to_dict(client.provider),
        token.ivan_contract_in_force,
    )


def test_the_written_out_token_lookup_answers_as_its_queryset(issue_client):
    """On PostgreSQL the API reads the token with its SQL (``_token_sql``): the same answer
    as the queryset it stands for, in every case a token can be in."""
    import hashlib
    import uuid
    from datetime import date, timedelta

    from django.db import connection
    from django.utils import timezone
    from oauth2_provider.models import get_access_token_model, get_application_model

    from ivan import oauth

    if connection.vendor != "postgresql":
        pytest.skip("elsewhere the API runs the queryset itself")
    Token = get_access_token_model()
    bare = get_application_model().objects.create(
        name="không phải I-VAN",
        client_type="confidential",
        authorization_grant_type="client-credentials",
    )
    applications = [
        issue_client("VNPT").client.application,
        issue_client("TS24").client.application,
        bare,
        None,
    ]
    services.contract_set_state(
        actor=None, contract=Contract.objects.get(provider__code="TS24"), state="suspended"
    )
    checksums = []
    for application in applications:
        value = uuid.uuid4().hex
        Token.objects.create(
            application=application,
            token=value,
            expires=timezone.now() + timedelta(hours=1),
            scope="dossiers:read",
        )
        checksums.append(hashlib.sha256(value.encode()).hexdigest())
    checksums.append("0" * 64)
    answers = []
    for day in (date.today(), date(2001, 1, 1)):  # before any contract began
        for checksum in checksums:
            query = oauth._token_query(checksum=checksum, day=day).first()
            written = oauth._token_load(checksum=checksum, day=day)
            answers.append(
                (
                    None if query is None else _token_as_loaded(query),
                    None if written is None else _token_as_loaded(written),
                )
            )
    for query, written in answers:
        assert written == query
    in_force = [None if a[0] is None else a[0][4] for a in answers]
    assert in_force == [True, False, False, False, None, False, False, False, False, None]
    assert answers[2][0][2] is None and answers[3][0][1] is None
