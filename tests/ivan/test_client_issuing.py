"""Central IT issues I-VAN API clients in the product (page and ``manage.py
ivan_client_create``): the secret shown once and stored hashed, rotation with two live
secrets (the old one until revoked or until its expiry), audited; other roles refused."""

from __future__ import annotations

import base64
import io
import re
from datetime import timedelta

import pytest
from django.contrib.auth.hashers import check_password
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEntry
from declarations.employers.models import Provider
from ivan import services
from ivan.models import ApiClient, ClientSecret
from tests.factories import EmployerFactory, UserFactory, employer_user, grant, provider_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def central_it(reference_data, office):
    user = UserFactory(username="cntt_tw_test")
    grant(user, "central_it", office("00"))
    return user


def token_status(client, client_id: str, secret: str) -> int:
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    answer = client.post(
        "/api/ivan/v1/oauth/token",
        {"grant_type": "client_credentials", "scope": "dossiers:read"},
        HTTP_AUTHORIZATION=f"Basic {basic}",
    )
    return answer.status_code


def shown(html: str, testid: str) -> str:
    return re.search(rf'data-testid="{testid}">([^<]+)<', html).group(1)


def test_central_it_issues_a_sandbox_client_and_sees_its_secret_once(client, central_it):
    client.force_login(central_it)
    page = client.post(
        reverse("ivan:clients"),
        {"provider": "VNPT", "sandbox": "1", "scopes": ["dossiers:read", "dossiers:submit"]},
    )
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    html = page.content.decode()
    client_id, secret = shown(html, "client-id"), shown(html, "client-secret")
    api_client = ApiClient.objects.get(application__client_id=client_id)
    assert api_client.sandbox and api_client.provider.code == "VNPT"
    assert api_client.allowed_scopes == {"dossiers:read", "dossiers:submit"}
    (stored,) = ClientSecret.objects.filter(client=api_client)
    assert secret not in stored.secret_hash and check_password(secret, stored.secret_hash)
    entry = AuditEntry.objects.get(action="ivan.client.created")
    assert entry.actor_id == central_it.pk
    assert token_status(client, client_id, secret) == 200
    # The list and the client's page never show it again.
    assert secret not in client.get(reverse("ivan:clients")).content.decode()
    detail = client.get(reverse("ivan:client", args=[api_client.pk])).content.decode()
    assert secret not in detail


def test_a_refused_issue_shows_its_code(client, central_it):
    client.force_login(central_it)
    Provider.objects.get(code="EFY").contracts.update(state="ended")
    page = client.post(reverse("ivan:clients"), {"provider": "EFY", "scopes": ["stats:read"]})
    # A provider without a contract in force is not even offered.
    assert page.status_code == 200 and not ApiClient.objects.exists()
    assert "EFY" not in re.search(
        r'<select name="provider".*?</select>', page.content.decode(), re.S
    ).group(0)
    with pytest.raises(Exception, match="IVAN_PROVIDER_NO_CONTRACT"):
        services.api_client_create(
            actor=None, provider=Provider.objects.get(code="EFY"), scopes=["stats:read"]
        )


@pytest.mark.parametrize(
    "role", ["receiving_officer", "it_staff", "provincial_admin", "central_leader"]
)
def test_other_staff_roles_are_refused(client, reference_data, office, role):
    user = UserFactory()
    grant(user, role, office("01" if role in ("it_staff", "provincial_admin") else "0101"))
    client.force_login(user)
    assert client.get(reverse("ivan:clients")).status_code == 403
    refused = client.post(
        reverse("ivan:clients"), {"provider": "VNPT", "sandbox": "0", "scopes": ["stats:read"]}
    )
    assert refused.status_code == 403 and not ApiClient.objects.exists()


def test_employer_and_provider_users_are_refused_and_anonymous_sent_to_login(
    client, reference_data
):
    issued = services.api_client_create(
        actor=None, provider=Provider.objects.get(code="VNPT"), scopes=["stats:read"]
    )
    detail = reverse("ivan:client", args=[issued.client.pk])
    for user in (
        employer_user(EmployerFactory()),
        provider_user(Provider.objects.get(code="VNPT")),
    ):
        client.force_login(user)
        assert client.get(reverse("ivan:clients")).status_code == 403
        assert client.post(detail, {"action": "rotate"}).status_code == 403
    client.logout()
    assert client.get(reverse("ivan:clients")).status_code == 302
    assert ClientSecret.objects.filter(client=issued.client).count() == 1


def test_rotation_keeps_the_old_secret_until_its_expiry(client, central_it):
    issued = services.api_client_create(
        actor=None, provider=Provider.objects.get(code="BKAV"), scopes=["dossiers:read"]
    )
    client.force_login(central_it)
    until = timezone.localtime() + timedelta(days=7)
    page = client.post(
        reverse("ivan:client", args=[issued.client.pk]),
        {"action": "rotate", "old_expires_at": until.strftime("%Y-%m-%dT%H:%M"), "label": "2027"},
    )
    assert page.status_code == 200
    new_secret = shown(page.content.decode(), "client-secret")
    assert token_status(client, issued.client_id, issued.secret) == 200  # both live
    assert token_status(client, issued.client_id, new_secret) == 200
    old = ClientSecret.objects.get(client=issued.client, label="initial")
    assert old.expires_at is not None and old.revoked_at is None
    assert AuditEntry.objects.filter(action="ivan.secret.rotated", actor=central_it).exists()
    # A third live secret is refused with its code.
    third = client.post(reverse("ivan:client", args=[issued.client.pk]), {"action": "rotate"})
    assert "IVAN_SECRET_LIMIT" in third.content.decode()
    assert ClientSecret.objects.filter(client=issued.client).count() == 2
    # Past its expiry the old secret no longer authenticates; the new one does.
    ClientSecret.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert token_status(client, issued.client_id, issued.secret) == 401
    assert token_status(client, issued.client_id, new_secret) == 200


def test_revoking_on_the_page_stops_the_secret_at_once(client, central_it):
    issued = services.api_client_create(
        actor=None, provider=Provider.objects.get(code="TS24"), scopes=["dossiers:read"]
    )
    services.client_secret_rotate(actor=None, client=issued.client)
    client.force_login(central_it)
    old = ClientSecret.objects.get(client=issued.client, label="initial")
    answer = client.post(
        reverse("ivan:client", args=[issued.client.pk]), {"action": "revoke", "secret": old.pk}
    )
    assert answer.status_code == 302
    assert token_status(client, issued.client_id, issued.secret) == 401
    assert AuditEntry.objects.filter(action="ivan.secret.revoked", actor=central_it).count() == 1


def test_an_expiry_in_the_past_is_refused(reference_data):
    issued = services.api_client_create(
        actor=None, provider=Provider.objects.get(code="VNPT"), scopes=["dossiers:read"]
    )
    with pytest.raises(Exception, match="IVAN_SECRET_EXPIRY_PAST"):
        services.client_secret_rotate(
            actor=None, client=issued.client, old_expires_at=timezone.now() - timedelta(hours=1)
        )
    assert ClientSecret.objects.filter(client=issued.client).count() == 1


def test_command_issues_a_client_and_prints_the_secret_once(client, reference_data):
    out = io.StringIO()
    call_command(
        "ivan_client_create", "vnpt", "--scope", "dossiers:read,notices:read", "--sandbox",
        stdout=out,
    )  # fmt: skip
    text = out.getvalue()
    client_id = re.search(r"client_id: (\S+)", text).group(1)
    secret = re.search(r"client_secret: (\S+)", text).group(1)
    api_client = ApiClient.objects.get(application__client_id=client_id)
    assert api_client.sandbox and api_client.allowed_scopes == {"dossiers:read", "notices:read"}
    assert check_password(secret, api_client.secrets.get().secret_hash)
    assert AuditEntry.objects.filter(action="ivan.client.created").count() == 1
    assert token_status(client, client_id, secret) == 200


def test_command_refuses_an_unknown_scope_with_its_code(reference_data):
    with pytest.raises(CommandError, match=r"\[IVAN_SCOPE_UNKNOWN\]"):
        call_command("ivan_client_create", "VNPT", "--scope", "dossiers:delete")
    with pytest.raises(CommandError, match="Unknown provider"):
        call_command("ivan_client_create", "NOPE", "--all-scopes")
    assert not ApiClient.objects.exists()
