"""Staff accounts page: application rights granted and ended, manual lock and unlock,
all audited and scoped to the admin's province."""

import pytest
from django.urls import reverse

from accounts.models import ApplicationGrant, AuditEntry
from accounts.selectors import office_resolve

pytestmark = pytest.mark.django_db


def test_list_is_scoped_and_searchable(people, client):
    client.force_login(people.hn_admin)
    names = {u.username for u in client.get(reverse("accounts:staff")).context["page"]}
    assert "tiepnhan" in names and "qt_thanhhoa" not in names
    found = client.get(reverse("accounts:staff"), {"q": "tiep"}).context["page"]
    assert [u.username for u in found] == ["tiepnhan"]


def test_grant_and_end_rights_from_the_page(people, client, applications):
    client.force_login(people.hn_admin)
    url = reverse("accounts:staff_detail", args=[people.officer.pk])
    response = client.post(url, {"application": "tst", "office": office_resolve("0101").pk})
    assert response.status_code == 302
    grant = ApplicationGrant.objects.get(user=people.officer, application="tst")
    assert AuditEntry.objects.filter(action="application.granted", data__grant=grant.pk).exists()
    client.post(reverse("accounts:grant_end", args=[people.officer.pk, grant.pk]))
    grant.refresh_from_db()
    assert grant.valid_to is not None
    assert AuditEntry.objects.filter(action="application.ended", data__grant=grant.pk).exists()


def test_cannot_grant_at_an_office_outside_the_province(people, client, applications):
    client.force_login(people.hn_admin)
    url = reverse("accounts:staff_detail", args=[people.officer.pk])
    response = client.post(url, {"application": "tst", "office": office_resolve("3801").pk})
    assert response.status_code == 200
    assert not ApplicationGrant.objects.filter(application="tst").exists()


def test_lock_and_open_again(people, client):
    client.force_login(people.hn_admin)
    client.post(reverse("accounts:staff_lock", args=[people.officer.pk]), {"reason": "Điều tra"})
    people.officer.refresh_from_db()
    assert not people.officer.is_active and people.officer.locked_reason == "Điều tra"
    client.post(reverse("accounts:staff_unlock", args=[people.officer.pk]))
    people.officer.refresh_from_db()
    assert people.officer.is_active
    actions = list(
        AuditEntry.objects.filter(
            target_id=str(people.officer.pk), action__startswith="account."
        ).values_list("action", flat=True)
    )
    assert actions == ["account.locked", "account.reactivated"]


def test_lock_needs_a_reason_and_never_the_admin_themselves(people, client):
    client.force_login(people.hn_admin)
    client.post(reverse("accounts:staff_lock", args=[people.officer.pk]), {"reason": ""})
    people.officer.refresh_from_db()
    assert people.officer.is_active
    client.post(reverse("accounts:staff_lock", args=[people.hn_admin.pk]), {"reason": "x"})
    people.hn_admin.refresh_from_db()
    assert people.hn_admin.is_active


def test_another_province_cannot_open_or_act(people, client):
    client.force_login(people.th_admin)
    assert client.get(reverse("accounts:staff_detail", args=[people.officer.pk])).status_code == 404
    assert (
        client.post(
            reverse("accounts:staff_lock", args=[people.officer.pk]), {"reason": "x"}
        ).status_code
        == 404
    )
    people.officer.refresh_from_db()
    assert people.officer.is_active
