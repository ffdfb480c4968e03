"""What the committed OpenAPI document tells an integrator: every operation and property
described in Vietnamese and English, enums for status and code fields, `servers`, the
webhooks the portal sends, and an example for every error it documents."""

import json
import re
from pathlib import Path

import pytest
from django.utils import translation

from core.refusals import CATALOGUE
from ivan.notifications import EVENTS

DOC = json.loads(
    (Path(__file__).resolve().parents[2] / "docs" / "ivan-openapi.json").read_text("utf-8")
)
OPERATIONS = [
    (f"{method.upper()} {path}", op)
    for path, item in DOC["paths"].items()
    for method, op in item.items()
]
VIETNAMESE = re.compile(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", re.I)


def accented(text: str) -> float:
    """The share of letters carrying a Vietnamese accent (about 0.2 in Vietnamese prose; an
    English text quoting a Vietnamese term stays far below 0.05)."""
    letters = [c for c in text if c.isalpha()]
    return len(VIETNAMESE.findall(text)) / max(len(letters), 1)


def bilingual(text: str) -> bool:
    """Vietnamese first, then English: paragraphs of a description, halves of a summary."""
    parts = [p for p in re.split(r"\n\n| — ", text) if p.strip()]
    return (
        len(parts) >= 2
        and accented(parts[0]) > 0.05
        and any(accented(p) < 0.05 and re.search("[A-Za-z]{3}", p) for p in parts[1:])
    )


def properties(schema: dict, where: str):
    """Every property of ``schema``, nested objects and list items included."""
    for name, prop in schema.get("properties", {}).items():
        yield f"{where}.{name}", prop
        yield from properties(prop, f"{where}.{name}")
        yield from properties(prop.get("items", {}), f"{where}.{name}[]")


def every_schema():
    yield from DOC["components"]["schemas"].items()
    for name, hook in DOC["webhooks"].items():
        for media in hook["post"]["requestBody"]["content"].values():
            yield f"webhook {name}", media["schema"]


@pytest.mark.parametrize(("name", "op"), OPERATIONS, ids=[n for n, _ in OPERATIONS])
def test_every_operation_has_a_summary_and_description_in_both_languages(name, op):
    assert " — " in op.get("summary", ""), name
    assert bilingual(op["summary"]), name
    assert bilingual(op.get("description", "")), name
    for parameter in op.get("parameters", []):
        assert parameter.get("description"), f"{name} {parameter['name']}"


def test_every_property_has_a_description():
    missing = [
        where
        for name, schema in every_schema()
        for where, prop in properties(schema, name)
        if not prop.get("description")
    ]
    assert not missing, missing


def test_status_and_code_fields_have_enums():
    schemas = DOC["components"]["schemas"]

    def enum_of(schema, prop):
        field = schemas[schema]["properties"][prop]
        if "enum" in field:
            return set(field["enum"])
        refs = [field.get("$ref")] + [
            part.get("$ref") for part in field.get("allOf", []) + field.get("oneOf", [])
        ]
        found = set()
        for ref in filter(None, refs):
            found |= set(schemas[ref.rsplit("/", 1)[1]]["enum"])
        return found - {"", None}

    assert enum_of("Dossier", "status") >= {"received", "accepted", "supplement_requested"}
    assert enum_of("Notice", "kind") >= {"receipt", "accepted", "supplement"}
    assert enum_of("Card", "status") >= {"active", "to_return", "returned"}
    assert enum_of("Spell", "status") >= {"contributing", "maternity"}
    assert enum_of("Registration", "status") == {"pending", "approved", "rejected"}
    assert enum_of("Dossier", "time_source") == {"receipt", "tsa"}
    assert enum_of("Problem", "code") == set(CATALOGUE)
    assert enum_of("RefusalCount", "code") == set(CATALOGUE)


def test_servers_are_listed():
    assert DOC["openapi"].startswith("3.1")
    urls = [s["url"] for s in DOC["servers"]]
    assert any(u.startswith("https://") for u in urls) and all(
        s.get("description") for s in DOC["servers"]
    )


def test_every_event_sent_is_a_documented_webhook():
    assert set(DOC["webhooks"]) == EVENTS
    for name, hook in DOC["webhooks"].items():
        post = hook["post"]
        assert bilingual(post["summary"]) and "webhook-signature" in post["description"]
        (media,) = post["requestBody"]["content"].values()
        (example,) = media["examples"].values()
        assert example["value"]["type"] == name
        body = DOC["components"]["schemas"].get(media["schema"]["$ref"].rsplit("/", 1)[1])
        assert set(body["required"]) >= {"id", "type", "created_at", "data"}


def error_examples():
    for name, op in OPERATIONS:
        for status, response in op["responses"].items():
            if int(status) >= 400:
                yield name, int(status), response


def test_every_error_response_has_examples_of_its_status():
    for name, status, response in error_examples():
        examples = response["content"]["application/problem+json"].get("examples")
        assert examples, f"{name} {status}"
        for example in examples.values():
            assert example["value"]["status"] == status, f"{name} {status}"
            assert example["value"]["code"] in CATALOGUE, f"{name} {status}"


def test_each_documented_error_code_has_its_example():
    shown = {
        e["value"]["code"]
        for _name, _status, response in error_examples()
        for e in response["content"]["application/problem+json"]["examples"].values()
    }
    named = {
        code
        for _name, op in OPERATIONS
        for code in re.findall(r"`([A-Z][A-Z0-9_]+)`", op.get("description", ""))
        if code in CATALOGUE
    }
    assert named and named <= shown, named - shown
    # Among them the refused dossier (422), once dropped for its media type.
    submit = dict(OPERATIONS)["POST /api/ivan/v1/dossiers"]
    refused = submit["responses"]["422"]["content"]["application/problem+json"]["examples"]
    assert {"ROW_BHXH_FORMAT", "IVAN_IDEMPOTENCY_CONFLICT"} <= {
        e["value"]["code"] for e in refused.values()
    }
    # Every code of the API's own group that a call can answer is shown.
    api_codes = {c for c, entry in CATALOGUE.items() if entry.group == "ivan"}
    not_answered_as_code = {"IVAN_DOSSIER_REFUSED", "IVAN_METHOD_NOT_ALLOWED"}
    assert api_codes - not_answered_as_code - {"IVAN_UNSUPPORTED_MEDIA"} <= shown


def test_error_examples_speak_as_the_catalogue_does():
    """An example's message is the catalogue's Vietnamese message (for messages without
    parameters), so an integrator matching on text sees what the API sends."""
    with translation.override("vi"):
        for name, status, response in error_examples():
            for example in response["content"]["application/problem+json"]["examples"].values():
                value = example["value"]
                message = str(CATALOGUE[value["code"]].message)
                if "{" not in message:
                    assert value["detail"] == message, f"{name} {status} {value['code']}"
