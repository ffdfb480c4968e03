"""The approval page standing in for the CA's phone app: the holder signs in with the
service's own account, sees who asks to sign what, and answers; nobody else can."""

from __future__ import annotations

from django.test import Client
from django.utils.translation import override

from csc_service.models import CscAuthorization
from csc_service.services import account_create
from tests.csc_service.fixtures import CREDENTIAL_ID, HOLDER, HOLDER_PASSWORD
from tests.csc_service.helpers import DIGESTS, b64, call, token


def _request(client) -> str:
    return call(
        client,
        "credentials/authorize",
        {
            "credentialID": CREDENTIAL_ID,
            "numSignatures": 2,
            "hashes": b64(DIGESTS),
            "hashAlgorithmOID": "2.16.840.1.101.3.4.2.1",
            "description": "Hồ sơ 600 — kỳ 03/2026",
        },
        token(client),
    ).json()["handle"]


def _signed_in(username=HOLDER, password=HOLDER_PASSWORD) -> Client:
    browser = Client()
    browser.post("/csc/dang-nhap/", {"username": username, "password": password})
    return browser


def test_holder_sees_who_asks_what_and_approves(client, csc_enrolled):
    handle = _request(client)
    browser = _signed_in()
    listing = browser.get("/csc/phe-duyet/").content.decode()
    assert "Cổng BHXH" in listing and "Hồ sơ 600 — kỳ 03/2026" in listing
    page = browser.get(f"/csc/phe-duyet/{handle}/").content.decode()
    assert "Yêu cầu ký" in page and 'data-testid="count">2<' in page
    assert DIGESTS[0].hex() in page and "Đồng ý ký" in page
    browser.post(f"/csc/phe-duyet/{handle}/", {"decision": "approve"})
    assert CscAuthorization.objects.get().state == "approved"
    assert "Không có yêu cầu nào đang chờ." in browser.get("/csc/phe-duyet/").content.decode()


def test_wrong_password_signs_nobody_in(client, csc_enrolled):
    browser = Client()
    with override("vi"):
        page = browser.post("/csc/dang-nhap/", {"username": HOLDER, "password": "sai"})
    assert "Sai mã người dùng hoặc mật khẩu." in page.content.decode()
    assert browser.get("/csc/phe-duyet/").status_code == 302


def test_another_holder_can_neither_see_nor_answer(client, csc_enrolled):
    handle = _request(client)
    account_create(username="0301234562", password="mat-khau-khac-2026")
    browser = _signed_in("0301234562", "mat-khau-khac-2026")
    assert "Cổng BHXH" not in browser.get("/csc/phe-duyet/").content.decode()
    assert browser.get(f"/csc/phe-duyet/{handle}/").status_code == 404
    assert browser.post(f"/csc/phe-duyet/{handle}/", {"decision": "approve"}).status_code == 404
    assert CscAuthorization.objects.get().state == "pending"


def test_an_answer_stands(client, csc_enrolled):
    handle = _request(client)
    browser = _signed_in()
    browser.post(f"/csc/phe-duyet/{handle}/", {"decision": "refuse"})
    browser.post(f"/csc/phe-duyet/{handle}/", {"decision": "approve"})
    assert CscAuthorization.objects.get().state == "refused"
