"""The CSC signing service over real HTTP (pytest-django's live server), with the demo PKI's
key and certificate of one unit enrolled for its holder, and the portal registered as its
OAuth2 client. Imported by tests/csc_service/conftest.py and the client's tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from declarations.employers.pki.demo_ca import demo_pki_write

HOLDER = "0101300842"
HOLDER_PASSWORD = "mat-khau-ky-so-2026"
CLIENT_ID = "bhxh-portal"
CLIENT_SECRET = "portal-secret-for-tests-0123456789"
CREDENTIAL_ID = "TZH490L-SIGN"


@dataclass
class CscService:
    url: str  # the live server's root
    base_url: str  # the CSC API root (…/csc/v2)
    folder: Path  # the demo PKI: TZH490L.key.pem, TZH490L.cert.pem, ca/ca.pem

    def holder_browser(self, username: str = HOLDER, password: str = HOLDER_PASSWORD) -> Client:
        """A Django test client signed in on the approval page as the holder."""
        browser = Client()
        page = browser.post("/csc/dang-nhap/", {"username": username, "password": password})
        assert page.status_code == 302, page.content[:500]
        return browser

    def answer(self, handle: str, decision: str, **kwargs) -> None:
        page = self.holder_browser(**kwargs).post(
            f"/csc/phe-duyet/{handle}/", {"decision": decision}
        )
        assert page.status_code == 302


@pytest.fixture(scope="session")
def csc_pki(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("csc-pki")
    demo_pki_write(folder, [("TZH490L", HOLDER, "Công ty TNHH Minh Phát")])
    return folder


def csc_enrol(folder: Path) -> None:
    """Enrol the holder, the portal and the unit's key exactly as an operator (and the demo)
    would, by the service's commands."""
    call_command(
        "csc_account_create",
        HOLDER,
        password=HOLDER_PASSWORD,
        full_name="Nguyễn Thị Lan",
    )
    call_command("csc_client_register", CLIENT_ID, name="Cổng BHXH", secret=CLIENT_SECRET)
    call_command(
        "csc_credential_enrol",
        HOLDER,
        key=str(folder / "TZH490L.key.pem"),
        cert=str(folder / "TZH490L.cert.pem"),
        chain=str(folder / "ca" / "ca.pem"),
        credential_id=CREDENTIAL_ID,
        description="Chứng thư số Công ty TNHH Minh Phát",
    )


@pytest.fixture
def csc_enrolled(db, csc_pki) -> Path:
    """The service's rows in the test database (for tests through Django's test client)."""
    csc_enrol(csc_pki)
    return csc_pki


@pytest.fixture
def csc_service(live_server, csc_pki, settings) -> CscService:
    """The service over real HTTP, enrolled; the portal's provider setting points at it."""
    csc_enrol(csc_pki)
    base_url = f"{live_server.url}/csc/v2"
    settings.SIGNING_CSC_PROVIDERS = {
        "demo-ca": {
            "name": "CA thử nghiệm",
            "base_url": base_url,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "timeout": 5.0,
        }
    }
    return CscService(url=live_server.url, base_url=base_url, folder=csc_pki)
