"""The committed OpenAPI document is exactly what the code generates; docs are served."""

import json
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "docs" / "ivan-openapi.json"
REGENERATE = (
    "python manage.py spectacular --urlconf ivan.api.schema_urls --format openapi-json "
    "--validate --fail-on-warn --lang en --file docs/ivan-openapi.json"
)


def test_committed_document_matches_the_code(tmp_path):
    fresh = tmp_path / "openapi.json"
    call_command(
        "spectacular",
        urlconf="ivan.api.schema_urls",
        format="openapi-json",
        validate=True,
        fail_on_warn=True,
        lang="en",
        file=str(fresh),
    )
    assert json.loads(fresh.read_text()) == json.loads(COMMITTED.read_text()), (
        f"docs/ivan-openapi.json is stale: run `{REGENERATE}`"
    )


def test_every_operation_has_scopes_and_problem_responses():
    doc = json.loads(COMMITTED.read_text())
    operations = [op for item in doc["paths"].values() for op in item.values()]
    assert operations
    for op in operations:
        assert "oauth2" in op["security"][0], op["operationId"]
        assert "application/problem+json" in op["responses"]["401"]["content"]


@pytest.mark.django_db
def test_swagger_page_and_schema_are_served_without_a_cdn(client):
    page = client.get("/api/ivan/v1/docs")
    assert page.status_code == 200
    assert b"cdn." not in page.content and b"/static/drf_spectacular_sidecar/" in page.content
    schema = client.get("/api/ivan/v1/openapi.json", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200


def test_every_call_has_examples():
    doc = json.loads(COMMITTED.read_text())
    for path, item in doc["paths"].items():
        for method, op in item.items():
            body = op.get("requestBody", {}).get("content", {})
            if body:
                assert any("examples" in c for c in body.values()), (method, path)
            answers = [c for r in op["responses"].values() for c in r.get("content", {}).values()]
            assert any("examples" in c for c in answers), (method, path)
