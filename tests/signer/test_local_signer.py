"""The local signer as the portal's page meets it: a real process on 127.0.0.1, a real
PKCS#11 token (SoftHSM2) with the demo employer's key, the user answering on its console."""

from __future__ import annotations

import base64
import hashlib
import threading
import time

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, utils

from tests.signer.conftest import KEY_ID, PORTAL_ORIGIN
from tests.signer.process import CONFIRM_PROMPT, PIN_PROMPT, SignerProcess

FOREIGN_ORIGIN = "https://evil.example"


def sign_body(*texts: str, cert_id: str = KEY_ID, summary: str = "Hồ sơ 600 tháng 12/2026"):
    return {
        "certificate_id": cert_id,
        "algorithm": "rsa-pkcs1-sha256",
        "digests": [
            {
                "id": f"d{n}",
                "sha256": base64.b64encode(hashlib.sha256(t.encode()).digest()).decode(),
            }
            for n, t in enumerate(texts)
        ],
        "summary": summary,
    }


def sign_in_background(signer: SignerProcess, body: dict, origin: str = PORTAL_ORIGIN):
    """Send ``/v1/sign`` from another thread (it waits for the user); join, then read
    ``result``."""
    result: dict = {}

    def run():
        result["status"], result["headers"], result["body"] = signer.request(
            "POST", "/v1/sign", origin=origin, body=body
        )

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, result


def signed(signer: SignerProcess, body: dict, *, answers: list[tuple[str, str]], count=1):
    """Sign ``body``, typing each (line, after prompt) on the console; the finished result."""
    thread, result = sign_in_background(signer, body)
    for line, prompt in answers:
        signer.type(line, after=prompt, count=count)
    thread.join(60)
    assert not thread.is_alive()
    return result


def test_listens_on_loopback_only(local_signer):
    import psutil

    listening = [
        c.laddr
        for c in psutil.Process(local_signer.proc.pid).net_connections()
        if c.status == "LISTEN"
    ]

    assert [addr.ip for addr in listening] == ["127.0.0.1"]


def test_status_names_the_token(local_signer):
    status, headers, body = local_signer.request("GET", "/v1/status", origin=PORTAL_ORIGIN)

    assert status == 200
    assert body == {"version": "1", "token_present": True, "token_label": "BHXH DEMO"}
    assert headers["Access-Control-Allow-Origin"] == PORTAL_ORIGIN


def test_certificates_listed_with_their_key_id(local_signer, signer_pki):
    _, issued = signer_pki

    status, _, body = local_signer.request("GET", "/v1/certificates", origin=PORTAL_ORIGIN)

    assert status == 200
    [cert] = body["certificates"]
    assert cert["id"] == KEY_ID
    assert cert["label"] == "TZH490L"
    assert "MST:0101300842" in cert["subject"]
    assert cert["issuer"] == issued.cert.issuer.rfc4514_string()
    assert cert["serial"] == format(issued.cert.serial_number, "x")
    assert cert["not_after"] == issued.cert.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert base64.b64decode(cert["der"]) == issued.cert_der


def test_confirmed_request_is_signed_with_the_token_key(local_signer, softhsm_token, signer_pki):
    _, issued = signer_pki
    body = sign_body("SignedInfo of D02-LT", "SignedInfo of the envelope")

    result = signed(
        local_signer, body, answers=[("y", CONFIRM_PROMPT), (softhsm_token.pin, PIN_PROMPT)]
    )

    assert result["status"] == 200, result
    values = {s["id"]: base64.b64decode(s["value"]) for s in result["body"]["signatures"]}
    assert list(values) == ["d0", "d1"]
    for item in body["digests"]:
        issued.cert.public_key().verify(
            values[item["id"]],
            base64.b64decode(item["sha256"]),
            padding.PKCS1v15(),
            utils.Prehashed(hashes.SHA256()),
        )
    console = local_signer.output
    assert PORTAL_ORIGIN in console
    assert "Hồ sơ 600 tháng 12/2026" in console
    assert "Số chữ ký:          2" in console
    assert "MST:0101300842" in console


def test_session_stays_logged_in_after_the_pin(local_signer, softhsm_token):
    first = signed(
        local_signer,
        sign_body("one"),
        answers=[("y", CONFIRM_PROMPT), (softhsm_token.pin, PIN_PROMPT)],
    )
    second = signed(local_signer, sign_body("two"), answers=[("y", CONFIRM_PROMPT)], count=2)

    assert (first["status"], second["status"]) == (200, 200)
    assert local_signer.output.count(PIN_PROMPT) == 1


def test_log_names_ids_only_never_the_pin_or_digests(local_signer, softhsm_token):
    body = sign_body("secret form")
    signed(local_signer, body, answers=[("y", CONFIRM_PROMPT), (softhsm_token.pin, PIN_PROMPT)])
    local_signer.stop()

    assert "sign_done" in local_signer.log
    assert "digest_ids=d0" in local_signer.log
    assert softhsm_token.pin not in local_signer.log + local_signer.output
    assert body["digests"][0]["sha256"] not in local_signer.log + local_signer.output


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/v1/status"), ("GET", "/v1/certificates"), ("POST", "/v1/sign")],
)
def test_foreign_origin_refused(local_signer, method, path):
    body = sign_body("x") if method == "POST" else None

    status, headers, answer = local_signer.request(method, path, origin=FOREIGN_ORIGIN, body=body)

    assert status == 403
    assert answer["code"] == "signer.origin_refused"
    assert "Access-Control-Allow-Origin" not in headers
    assert CONFIRM_PROMPT not in local_signer.output


@pytest.mark.parametrize(("method", "path"), [("GET", "/v1/certificates"), ("POST", "/v1/sign")])
def test_request_without_origin_refused(local_signer, method, path):
    body = sign_body("x") if method == "POST" else None

    status, _, answer = local_signer.request(method, path, origin=None, body=body)

    assert (status, answer["code"]) == (403, "signer.origin_refused")
    assert CONFIRM_PROMPT not in local_signer.output


def test_preflight_answered_for_the_allowed_origin(local_signer):
    status, headers, _ = local_signer.request("OPTIONS", "/v1/sign", origin=PORTAL_ORIGIN)

    assert status == 204
    assert headers["Access-Control-Allow-Origin"] == PORTAL_ORIGIN
    assert headers["Access-Control-Allow-Methods"] == "GET, POST"
    assert headers["Access-Control-Allow-Headers"] == "Content-Type"
    assert headers["Access-Control-Allow-Private-Network"] == "true"


def test_preflight_refused_for_a_foreign_origin(local_signer):
    status, headers, body = local_signer.request("OPTIONS", "/v1/sign", origin=FOREIGN_ORIGIN)

    assert (status, body["code"]) == (403, "signer.origin_refused")
    assert "Access-Control-Allow-Origin" not in headers
    assert "Access-Control-Allow-Private-Network" not in headers


def test_answer_no_declines(local_signer):
    result = signed(local_signer, sign_body("x"), answers=[("n", CONFIRM_PROMPT)])

    assert (result["status"], result["body"]["code"]) == (403, "signer.declined")
    assert PIN_PROMPT not in local_signer.output


def test_no_answer_in_time_declines(softhsm_token):
    signer = SignerProcess(
        module=softhsm_token.module,
        env=softhsm_token.env,
        origins=[PORTAL_ORIGIN],
        confirm_timeout=1,
    )
    try:
        status, _, body = signer.request(
            "POST", "/v1/sign", origin=PORTAL_ORIGIN, body=sign_body("x")
        )
    finally:
        signer.stop()

    assert (status, body["code"]) == (403, "signer.declined")
    assert CONFIRM_PROMPT in signer.output


def test_answer_typed_before_the_prompt_does_not_confirm(local_signer):
    local_signer.proc.stdin.write(b"y\n")
    local_signer.proc.stdin.flush()
    time.sleep(0.3)  # read and queued by the signer before the request comes
    thread, result = sign_in_background(local_signer, sign_body("x"))
    local_signer.type("n", after=CONFIRM_PROMPT)
    thread.join(30)

    assert result["body"]["code"] == "signer.declined"


def test_second_request_while_the_first_waits_is_busy(local_signer):
    thread, first = sign_in_background(local_signer, sign_body("first"))
    local_signer.wait_for(CONFIRM_PROMPT)

    status, _, body = local_signer.request(
        "POST", "/v1/sign", origin=PORTAL_ORIGIN, body=sign_body("second")
    )
    local_signer.type("n", after=CONFIRM_PROMPT)
    thread.join(30)

    assert (status, body["code"]) == (409, "signer.busy")
    assert first["body"]["code"] == "signer.declined"


def test_wrong_pin_refused_then_the_right_one_signs(local_signer, softhsm_token):
    wrong = signed(
        local_signer, sign_body("x"), answers=[("y", CONFIRM_PROMPT), ("000000", PIN_PROMPT)]
    )
    right = signed(
        local_signer,
        sign_body("x"),
        answers=[("y", CONFIRM_PROMPT), (softhsm_token.pin, PIN_PROMPT)],
        count=2,
    )

    assert (wrong["status"], wrong["body"]["code"]) == (401, "signer.pin_wrong")
    assert "Mã PIN của token không đúng" in wrong["body"]["message"]
    assert right["status"] == 200


def test_token_removed_after_login(local_signer, softhsm_token):
    first = signed(
        local_signer,
        sign_body("x"),
        answers=[("y", CONFIRM_PROMPT), (softhsm_token.pin, PIN_PROMPT)],
    )
    softhsm_token.remove()

    status, _, body = local_signer.request(
        "POST", "/v1/sign", origin=PORTAL_ORIGIN, body=sign_body("y")
    )
    _, _, state = local_signer.request("GET", "/v1/status", origin=PORTAL_ORIGIN)

    assert first["status"] == 200
    assert (status, body["code"]) == (409, "signer.token_absent")
    assert state["token_present"] is False
    assert local_signer.output.count(CONFIRM_PROMPT) == 1


def test_empty_slot_has_no_token(tmp_path):
    from tests.signer.conftest import softhsm_required
    from tests.signer.softhsm import softhsm_token_create

    softhsm_required()
    empty = softhsm_token_create(tmp_path / "softhsm")
    empty.remove()
    signer = SignerProcess(module=empty.module, env=empty.env, origins=[PORTAL_ORIGIN])
    try:
        _, _, state = signer.request("GET", "/v1/status", origin=PORTAL_ORIGIN)
        status, _, body = signer.request("GET", "/v1/certificates", origin=PORTAL_ORIGIN)
        sign_status, _, sign = signer.request(
            "POST", "/v1/sign", origin=PORTAL_ORIGIN, body=sign_body("x")
        )
    finally:
        signer.stop()

    assert state == {"version": "1", "token_present": False, "token_label": None}
    assert (status, body["code"]) == (409, "signer.token_absent")
    assert (sign_status, sign["code"]) == (409, "signer.token_absent")


def test_unknown_certificate_refused_before_asking(local_signer):
    status, _, body = local_signer.request(
        "POST", "/v1/sign", origin=PORTAL_ORIGIN, body=sign_body("x", cert_id="ffff")
    )

    assert (status, body["code"]) == (404, "signer.certificate_unknown")
    assert CONFIRM_PROMPT not in local_signer.output


@pytest.mark.parametrize(
    "change",
    [
        {"algorithm": "rsa-pss-sha256"},
        {"certificate_id": "not hex"},
        {"digests": []},
        {"digests": [{"id": "a", "sha256": base64.b64encode(b"short").decode()}]},
        {"digests": [{"id": "a", "sha256": "***"}]},
        {"summary": "x" * 301},
        {
            "digests": [
                {"id": str(n), "sha256": base64.b64encode(bytes(32)).decode()} for n in range(51)
            ]
        },
    ],
)
def test_malformed_sign_request_refused(local_signer, change):
    status, _, body = local_signer.request(
        "POST", "/v1/sign", origin=PORTAL_ORIGIN, body={**sign_body("x"), **change}
    )

    assert (status, body["code"]) == (400, "signer.bad_request")
    assert CONFIRM_PROMPT not in local_signer.output


def test_summary_control_characters_not_printed(local_signer):
    result = signed(
        local_signer,
        sign_body("x", summary="Hồ sơ\x1b[2J\x1b[1A ẩn"),
        answers=[("n", CONFIRM_PROMPT)],
    )

    assert result["body"]["code"] == "signer.declined"
    assert "\x1b" not in local_signer.output
    assert "Hồ sơ" in local_signer.output
