"""The curl examples of docs/ivan-integration.md, run as written against a live server with a
client issued the product's way, give the answers the guide documents; the webhook
signature examples (Python and the openssl one-liner) accept what the portal signs."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from declarations.dossiers.models import Dossier
from declarations.review.services import dossier_transition
from ivan.webhooks import signed_headers
from tests.declarations.conftest import worker

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "ivan-integration.md"
TEXT = GUIDE.read_text(encoding="utf-8")
EXAMPLES = {
    name: body
    for name, body in re.findall(r"<!-- example: (\S+) -->\s*```\w+\n(.*?)```", TEXT, re.S)
}
ANSWERS = {
    name: json.loads(body)
    for name, body in re.findall(r"<!-- answer: (\S+) -->\s*```json\n(.*?)```", TEXT, re.S)
}
SCOPES = ["dossiers:submit", "dossiers:read", "notices:read", "people:read", "webhooks:manage"]

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not shutil.which("curl"), reason="curl not installed"),
]


def documented(expected, actual, where="") -> None:
    """``actual`` holds every value the guide shows; "…" stands for a value of each call."""
    if isinstance(expected, str) and "…" in expected:
        return
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{where}: {actual!r}"
        for key, value in expected.items():
            assert key in actual, f"{where}.{key} missing in {actual!r}"
            documented(value, actual[key], f"{where}.{key}")
    elif isinstance(expected, list) and expected:
        assert isinstance(actual, list) and actual, f"{where}: {actual!r}"
        documented(expected[0], actual[0], f"{where}[0]")
    else:
        assert actual == expected, f"{where}: {actual!r} != {expected!r}"


def test_the_guide_names_every_example_it_answers():
    assert set(ANSWERS) <= set(EXAMPLES)
    commands = [n for n, body in EXAMPLES.items() if body.lstrip().startswith("curl ")]
    assert set(commands) == set(ANSWERS)
    assert {"token", "submit", "status", "notices", "supplement", "workforce"} <= set(commands)


def test_curl_examples_answer_as_documented(live_server, issue_client, carried, sign, tmp_path):
    unit = carried("VNPT", "TZH490L")
    issued = issue_client("VNPT", SCOPES)
    (tmp_path / "hoso.xml").write_bytes(sign(unit))
    (tmp_path / "bosung.xml").write_bytes(sign(unit, [worker(1), worker(2, TienLuong="6500000")]))
    env = {
        "PATH": os.environ["PATH"],
        "BASE": live_server.url,
        "CLIENT_ID": issued.client_id,
        "CLIENT_SECRET": issued.secret,
        "UNIT": unit.unit_code,
    }

    def run(name: str) -> dict:
        done = subprocess.run(
            ["bash", "-c", EXAMPLES[name]],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        answer = json.loads(done.stdout)
        documented(ANSWERS[name], answer, name)
        return answer

    env["TOKEN"] = run("token")["access_token"]
    run("me")
    run("no-token")
    env["MA_GD"] = run("submit")["transaction_code"]
    # The office asks for a supplement (the guide's next steps follow it).
    dossier = Dossier.objects.get(transaction_code=env["MA_GD"])
    dossier_transition(actor=None, dossier=dossier, to="in_review")
    dossier_transition(actor=None, dossier=dossier, to="supplement_requested", reasons=["BS03"])
    run("status")
    run("notices")
    assert run("supplement")["supplement_of"] == env["MA_GD"]
    # The office accepts: the people, books and cards are written.
    dossier.refresh_from_db()
    dossier_transition(actor=None, dossier=dossier, to="in_review")
    dossier_transition(actor=None, dossier=dossier, to="accepted")
    assert run("workforce")["next"]  # two workers, one per page
    assert len(run("cards")["results"]) == 2
    run("webhook")


def sample_delivery():
    secret = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwMfKQ9r8GKYo="
    body = json.dumps(
        {"id": "evt_1", "type": "receipt.issued", "data": {"unit_code": "TZH490L"}},
        ensure_ascii=False,
        separators=(",", ":"),
    )
    headers = signed_headers(secret=secret, event_id="evt_1", body=body, at=datetime.now(UTC))
    return secret, headers, body


def test_python_verification_example_accepts_the_portals_signature_only():
    namespace: dict = {}
    exec(compile(EXAMPLES["verify-python"], str(GUIDE), "exec"), namespace)  # noqa: S102
    verify = namespace["webhook_verify"]
    secret, headers, body = sample_delivery()
    assert verify(secret, headers, body.encode("utf-8"))
    assert not verify(secret, headers, body.replace("TZH490L", "TZH490X").encode("utf-8"))
    stale = {**headers, "webhook-timestamp": str(int(headers["webhook-timestamp"]) - 3600)}
    assert not verify(secret, stale, body.encode("utf-8"))


@pytest.mark.skipif(not shutil.which("openssl"), reason="openssl not installed")
def test_openssl_one_liner_prints_the_portals_signature(tmp_path):
    secret, headers, body = sample_delivery()
    (tmp_path / "body.json").write_bytes(body.encode("utf-8"))
    done = subprocess.run(
        ["bash", "-c", EXAMPLES["verify-openssl"]],
        cwd=tmp_path,
        env={
            "PATH": os.environ["PATH"],
            "WEBHOOK_ID": headers["webhook-id"],
            "WEBHOOK_TIMESTAMP": headers["webhook-timestamp"],
            "WEBHOOK_SECRET": secret,
        },
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert done.stdout.strip() == headers["webhook-signature"]
