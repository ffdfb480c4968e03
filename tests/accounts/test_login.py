"""Login: lockout, audit of successes and failures, idle expiry, password policy."""

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import AuditEntry
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def login(client, username, password):
    return client.post(
        reverse("accounts:login"),
        {"username": username, "password": password},
        REMOTE_ADDR="10.0.0.7",
    )


def test_login_success_is_audited_and_lands_on_home(client):
    user = UserFactory()
    response = login(client, user.username, TEST_PASSWORD)
    assert response.status_code == 302
    assert response.url == reverse("home")
    entry = AuditEntry.objects.get(action="login.succeeded")
    assert entry.actor_id == user.pk
    assert entry.data["ip"] == "10.0.0.7"


def test_login_failure_is_audited_without_the_password(client):
    user = UserFactory()
    response = login(client, user.username, "wrong-password")
    assert response.status_code == 200
    entry = AuditEntry.objects.get(action="login.failed")
    assert entry.target_id == str(user.pk)
    assert "wrong-password" not in str(entry.data)


def test_lockout_after_repeated_failures_refuses_even_the_right_password(client):
    user = UserFactory()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, user.username, "wrong-password")
    response = login(client, user.username, TEST_PASSWORD)
    assert response.status_code == 429
    assert b"AUTH_LOCKED_OUT" in response.content
    assert "_auth_user_id" not in client.session


def test_lockout_of_one_user_does_not_lock_another(client):
    victim, other = UserFactory(), UserFactory()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, victim.username, "wrong-password")
    assert login(client, other.username, TEST_PASSWORD).status_code == 302


def test_session_expires_after_idle_time_and_is_renewed_by_requests():
    assert settings.SESSION_COOKIE_AGE == settings.SESSION_IDLE_MINUTES * 60
    assert settings.SESSION_RENEW_SECONDS < settings.SESSION_COOKIE_AGE


def test_a_used_session_is_saved_at_most_once_per_renewal_interval(client):
    import time_machine
    from django.contrib.sessions.models import Session
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def session_writes():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("home")).status_code == 200
        return [q for q in queries if "django_session" in q["sql"] and "UPDATE" in q["sql"]]

    user = UserFactory()
    with time_machine.travel("2026-03-02 08:00 +0700", tick=False) as traveller:
        client.force_login(user)
        session_writes()
        expiry = Session.objects.get().expire_date
        assert session_writes() == []  # a page view seconds later writes nothing
        traveller.shift(settings.SESSION_RENEW_SECONDS + 1)
        assert len(session_writes()) == 1  # then the session is renewed
        assert Session.objects.get().expire_date > expiry


def test_idle_session_is_signed_out(client):
    import time_machine

    user = UserFactory()
    with time_machine.travel("2026-03-02 08:00 +0700", tick=False) as traveller:
        client.force_login(user)
        assert client.get(reverse("home")).status_code == 200
        traveller.shift(settings.SESSION_COOKIE_AGE - 60)
        assert client.get(reverse("home")).status_code == 200  # activity renews it
        traveller.shift(settings.SESSION_COOKIE_AGE + 60)
        response = client.get(reverse("home"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response.url


@pytest.mark.parametrize(
    "weak", ["short1!A", "alllowercaseletters", "Nocharacterclass1", "123456789012"]
)
def test_password_policy_refuses_weak_passwords(weak):
    with pytest.raises(ValidationError):
        validate_password(weak)


def test_password_policy_accepts_a_strong_password():
    validate_password("Bảo-hiểm#2026xh")


def test_home_requires_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
