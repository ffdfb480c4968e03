"""GET /units/{unit_code}/workforce and /cards: what a provider's units filed, read back,
only for the units it carries, paginated."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from django.utils import timezone
from oauth2_provider.models import AccessToken
from rest_framework.test import APIClient

from declarations.employers.models import Provider
from declarations.people.models import (
    CardStatus,
    EmploymentSpell,
    HealthCard,
    Person,
    PersonIdentity,
)
from ivan import services
from tests.factories import EmployerFactory, carry, employer_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def bearer(reference_data):
    def make(code="VNPT", scopes=("people:read",), sandbox=False) -> APIClient:
        issued = services.api_client_create(
            actor=None,
            provider=Provider.objects.get(code=code),
            scopes=list(scopes),
            sandbox=sandbox,
        )
        token = AccessToken.objects.create(
            application=issued.client.application,
            token=uuid.uuid4().hex,
            expires=timezone.now() + timedelta(hours=1),
            scope=" ".join(scopes),
        )
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token.token}")
        return client

    return make


def worker(unit, n: int, *, card_status=CardStatus.ACTIVE, open_spell=True) -> Person:
    person = Person.objects.create(number=f"79{n:08d}")
    PersonIdentity.objects.create(person=person, full_name=f"Nguyễn Văn {n}")
    EmploymentSpell.objects.create(
        person=person,
        employer=unit,
        status="contributing",
        from_month=date(2026, 1, 1),
        to_month=None if open_spell else date(2026, 6, 1),
        salary=5_310_000,
        rate=32,
        opened_plan="TM",
    )
    HealthCard.objects.create(
        person=person,
        employer=unit,
        number=f"DN401{person.number}",
        object_code="DN",
        benefit_level="4",
        province_code="01",
        valid_from=date(2026, 1, 1),
        status=card_status,
    )
    return person


@pytest.fixture
def units(reference_data):
    vnpt, viettel = Provider.objects.get(code="VNPT"), Provider.objects.get(code="VIETTEL")
    mine, theirs = EmployerFactory(unit_code="VN0001A"), EmployerFactory(unit_code="VT0001A")
    carry(mine, vnpt)
    carry(theirs, viettel)
    return mine, theirs


def test_workforce_lists_the_current_workers_of_a_carried_unit(bearer, units):
    mine, _ = units
    worker(mine, 1)
    worker(mine, 2, open_spell=False, card_status=CardStatus.TO_RETURN)  # left: not listed
    answer = bearer().get("/api/ivan/v1/units/VN0001A/workforce")
    assert answer.status_code == 200, answer.content
    (row,) = answer.json()["results"]
    assert row["number"] == "7900000001" and row["full_name"] == "Nguyễn Văn 1"
    assert row["spell"]["status"] == "contributing" and row["spell"]["from_month"] == "2026-01"
    assert row["spell"]["salary"] == 5_310_000 and row["spell"]["plan"] == "TM"
    assert row["card"] == {"number": "DN4017900000001", "valid_to": None}


def test_cards_list_states_and_filters_those_to_return(bearer, units):
    mine, _ = units
    worker(mine, 1)
    worker(mine, 2, open_spell=False, card_status=CardStatus.TO_RETURN)
    client = bearer()
    every = client.get("/api/ivan/v1/units/VN0001A/cards").json()["results"]
    assert {(c["person_number"], c["status"]) for c in every} == {
        ("7900000001", "active"),
        ("7900000002", "to_return"),
    }
    to_return = client.get("/api/ivan/v1/units/VN0001A/cards", {"status": "to_return"})
    assert [c["number"] for c in to_return.json()["results"]] == ["DN4017900000002"]
    assert to_return.json()["results"][0]["full_name"] == "Nguyễn Văn 2"
    bad = client.get("/api/ivan/v1/units/VN0001A/cards", {"status": "lost"})
    assert bad.status_code == 400 and bad.json()["code"] == "IVAN_VALIDATION"


@pytest.mark.parametrize("path", ["workforce", "cards"])
def test_another_providers_unit_is_not_found(bearer, units, path):
    _, theirs = units
    worker(theirs, 1)
    answer = bearer().get(f"/api/ivan/v1/units/VT0001A/{path}")
    assert answer.status_code == 404
    assert answer["Content-Type"] == "application/problem+json"
    assert answer.json()["code"] == "IVAN_NOT_FOUND"
    assert bearer("VIETTEL").get(f"/api/ivan/v1/units/VT0001A/{path}").status_code == 200


@pytest.mark.parametrize("path", ["workforce", "cards"])
def test_no_token_an_employer_user_or_a_missing_scope_is_refused(client, bearer, units, path):
    mine, _ = units
    url = f"/api/ivan/v1/units/VN0001A/{path}"
    anonymous = APIClient().get(url)
    assert anonymous.status_code == 401 and anonymous.json()["code"] == "IVAN_UNAUTHENTICATED"
    client.force_login(employer_user(mine))  # a session is not a provider token
    as_employer = client.get(url)
    assert as_employer.status_code == 401
    assert as_employer.json()["code"] == "IVAN_UNAUTHENTICATED"
    no_scope = bearer(scopes=("employers:read",)).get(url)
    assert no_scope.status_code == 403 and no_scope.json()["code"] == "IVAN_SCOPE_MISSING"


def test_workforce_pages_with_a_cursor(bearer, units):
    mine, _ = units
    for n in range(1, 6):
        worker(mine, n)
    client = bearer()
    seen, url = [], "/api/ivan/v1/units/VN0001A/workforce?page_size=2"
    while url:
        page = client.get(url).json()
        assert len(page["results"]) <= 2
        seen += [row["number"] for row in page["results"]]
        url = page["next"]
    assert seen == [f"79{n:08d}" for n in range(1, 6)]


def test_a_sandbox_client_reads_no_people(bearer, units):
    mine, _ = units
    worker(mine, 1)
    sandbox = bearer(sandbox=True)
    assert sandbox.get("/api/ivan/v1/units/VN0001A/workforce").json()["results"] == []
    assert sandbox.get("/api/ivan/v1/units/VN0001A/cards").json()["results"] == []


def test_a_database_that_is_gone_is_a_retryable_503_not_a_500(bearer, units, monkeypatch):
    """A failover (no primary for a few seconds): the provider is told to retry, with the
    problem's code and Retry-After, never an HTML 500."""
    from django.db import OperationalError

    from ivan.api import people

    def gone(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(people, "workforce", gone)
    answer = bearer().get("/api/ivan/v1/units/VN0001A/workforce")
    assert answer.status_code == 503
    assert answer["Retry-After"] == "5"
    assert answer["Content-Type"] == "application/problem+json"
    assert answer.json()["code"] == "IVAN_UNAVAILABLE"
