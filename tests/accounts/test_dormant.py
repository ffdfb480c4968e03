"""Dormant accounts: no login for 90 days, listed per province, locked in one click."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEntry, User
from accounts.selectors import office_resolve
from tests.factories import UserFactory, grant

pytestmark = pytest.mark.django_db


@pytest.fixture
def sleepers(people):
    now = timezone.now()
    old = UserFactory(username="ngu.dong")
    grant(old, "collection_officer", office_resolve("0102"))
    User.objects.filter(pk=old.pk).update(last_login=now - timedelta(days=91))
    recent = UserFactory(username="moi.vao")
    grant(recent, "collection_officer", office_resolve("0102"))
    User.objects.filter(pk=recent.pk).update(last_login=now - timedelta(days=89))
    never = UserFactory(username="chua.vao")
    grant(never, "collection_officer", office_resolve("0101"))
    User.objects.filter(pk=never.pk).update(date_joined=now - timedelta(days=120))
    far = UserFactory(username="thanh.hoa.ngu")
    grant(far, "collection_officer", office_resolve("3801"))
    User.objects.filter(pk=far.pk).update(last_login=now - timedelta(days=200))
    return old, recent, never, far


def test_list_shows_accounts_without_login_for_90_days_in_the_province(sleepers, people, client):
    client.force_login(people.hn_admin)
    names = {u.username for u in client.get(reverse("accounts:dormant")).context["page"]}
    assert names == {"ngu.dong", "chua.vao"}


def test_one_click_lock_is_audited_and_scoped(sleepers, people, client):
    old, _recent, _never, far = sleepers
    client.force_login(people.hn_admin)
    response = client.post(reverse("accounts:dormant_lock", args=[old.pk]))
    assert response.status_code == 302
    old.refresh_from_db()
    assert not old.is_active and old.locked_reason == "dormant"
    assert AuditEntry.objects.get(action="account.locked").data["reason"] == "dormant"
    assert client.post(reverse("accounts:dormant_lock", args=[far.pk])).status_code == 404
    far.refresh_from_db()
    assert far.is_active


def test_officers_cannot_open_the_list(people, client):
    client.force_login(people.officer)
    assert client.get(reverse("accounts:dormant")).status_code == 403
