"""Forgotten password (a link e-mailed through the outbox, at most one per account every few
minutes, the same answer whatever the address), choosing it from the link, changing it
signed in; each audited. The login page links to both the reset and the registration."""

import re

import pytest
from django.urls import reverse

from accounts.models import AuditEntry
from core.outbox.models import OutboxMessage
from tests.factories import TEST_PASSWORD, UserFactory, grant

pytestmark = pytest.mark.django_db
NEW = "Mat-Khau#Moi2026"


@pytest.fixture
def officer(reference_data):
    from accounts.selectors import office_resolve

    user = UserFactory(username="tiepnhan.mk", email="tiepnhan.mk@bhxh.gov.vn")
    grant(user, "receiving_officer", office_resolve("0101"))
    return user


def _reset_mails():
    return OutboxMessage.objects.filter(kind="email", key__startswith="password-reset-")


def test_a_forgotten_password_is_reset_from_the_e_mailed_link(officer, client, settings):
    settings.SITE_URL = "http://127.0.0.1:8032"
    response = client.post(reverse("accounts:password_reset"), {"email": "TIEPNHAN.MK@bhxh.gov.vn"})
    assert response.status_code == 302 and response["Location"] == reverse(
        "accounts:password_reset_sent"
    )
    mail = _reset_mails().get()
    assert mail.payload["to"] == ["tiepnhan.mk@bhxh.gov.vn"]
    link = re.search(
        r"http://127\.0\.0\.1:8032(/tai-khoan/dat-mat-khau/\S+/)", mail.payload["body"]
    )
    assert link, mail.payload["body"]
    assert AuditEntry.objects.filter(
        action="password.reset_requested", target_id=str(officer.pk)
    ).exists()
    form_page = client.get(link.group(1), follow=True)
    assert form_page.context["validlink"]
    done = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW}
    )
    assert done.status_code == 302 and done["Location"] == reverse("accounts:login")
    officer.refresh_from_db()
    assert officer.check_password(NEW)
    assert AuditEntry.objects.filter(action="password.reset_completed", actor=officer).exists()
    assert not client.get(link.group(1), follow=True).context["validlink"]  # used once


def test_asking_again_soon_sends_nothing_more_and_unknown_addresses_look_the_same(officer, client):
    url = reverse("accounts:password_reset")
    first = client.post(url, {"email": officer.email})
    again = client.post(url, {"email": officer.email})
    unknown = client.post(url, {"email": "ai.do@example.vn"})
    assert first["Location"] == again["Location"] == unknown["Location"]
    assert _reset_mails().count() == 1
    assert AuditEntry.objects.filter(action="password.reset_requested").count() == 1


def test_a_locked_account_gets_no_reset_mail(officer, client):
    officer.is_active = False
    officer.save(update_fields=["is_active"])
    client.post(reverse("accounts:password_reset"), {"email": officer.email})
    assert not _reset_mails().exists()


def test_change_password_signed_in_is_audited(officer, client):
    url = reverse("accounts:password_change")
    assert client.get(url)["Location"].startswith(reverse("accounts:login"))
    client.force_login(officer)
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "Đổi mật khẩu" in page
    wrong = client.post(url, {"old_password": "sai", "new_password1": NEW, "new_password2": NEW})
    assert (
        wrong.status_code == 200
        and not AuditEntry.objects.filter(action="password.changed").exists()
    )
    done = client.post(
        url, {"old_password": TEST_PASSWORD, "new_password1": NEW, "new_password2": NEW}
    )
    assert done.status_code == 302
    officer.refresh_from_db()
    assert officer.check_password(NEW)
    assert AuditEntry.objects.get(action="password.changed").actor == officer
    assert client.get(reverse("home")).status_code == 200  # this session stays signed in


def test_the_login_page_links_to_the_reset_and_the_registration(client):
    body = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert f'href="{reverse("accounts:password_reset")}"' in body
    assert f'href="{reverse("declarations:register")}"' in body
    assert client.get(reverse("accounts:password_reset")).status_code == 200


def test_signed_in_pages_link_to_change_password(officer, client):
    client.force_login(officer)
    body = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("accounts:password_change")}"' in body
