"""The employer's page of its remote signing accounts: its own unit's only, with the
provider's configured name and whether the signing page offers each."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from declarations.signing.services import remote_account_register
from tests.declarations.conftest import register_cert
from tests.factories import EmployerFactory, employer_user


def test_the_unit_sees_its_own_remote_accounts(client, employer, demo_pki, settings):
    settings.SIGNING_CSC_PROVIDERS = {
        "demo-ca": {
            "name": "CA thử nghiệm",
            "base_url": "http://127.0.0.1:9/csc/v2",
            "client_id": "portal",
            "client_secret": "secret-for-tests-0123456789",
        }
    }
    current = employer.certificates.get()
    remote_account_register(
        employer=employer,
        certificate=current,
        provider="demo-ca",
        user_ref="0101300842",
        credential_id="TZH490L-SIGN",
    )
    old = register_cert(employer, demo_pki.renewed, replaced_at=timezone.now() - timedelta(days=1))
    remote_account_register(
        employer=employer, certificate=old, provider="other-ca", user_ref="cu-0101300842"
    )
    other = EmployerFactory(unit_code="DV0012A")
    remote_account_register(
        employer=other,
        certificate=register_cert(other, demo_pki.other),
        provider="demo-ca",
        user_ref="0312345675",
    )
    client.force_login(employer_user(employer))

    page = client.get(reverse("declarations:signing_remote_accounts"))

    assert page.status_code == 200
    html = page.content.decode()
    assert "CA thử nghiệm" in html and "TZH490L-SIGN" in html and "0101300842" in html
    assert 'data-provider="other-ca"' in html and "đã được thay thế" in html
    assert "0312345675" not in html  # another unit's account
    assert (
        reverse("declarations:signing_remote_accounts")
        in client.get(reverse("declarations:certificates")).content.decode()
    )
