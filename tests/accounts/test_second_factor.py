"""TOTP second factor: required for provincial admins, central roles and IT staff; the
tests compute the code from the device key, as an authenticator app would."""

import base64
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AuditEntry
from accounts.selectors import office_resolve
from tests.factories import TEST_PASSWORD, UserFactory, grant

from .timeutil import soon, vn

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def otp_on(settings):
    settings.ACCOUNTS_OTP_REQUIRED = True


def code_for(device: TOTPDevice) -> str:
    value = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return f"{value:0{device.digits}d}"


def sign_in(client, user):
    response = client.post(
        reverse("accounts:login"), {"username": user.username, "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    return response


@pytest.mark.parametrize(
    ("role", "office_code"),
    [
        ("provincial_admin", "01"),
        ("central_leader", "00"),
        ("central_it", "00"),
        ("it_staff", "01"),
    ],
)
def test_roles_that_need_the_second_factor_are_sent_to_enrol(
    reference_data, client, role, office_code
):
    user = UserFactory()
    grant(user, role, office_resolve(office_code))
    sign_in(client, user)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:otp_enrol"))
    api = client.get("/tai-khoan/api/v1/users/")
    assert api.status_code == 403 and api.json()["code"] == "ACC-OTP-REQUIRED"


@pytest.mark.parametrize("role", ["receiving_officer", "collection_officer", "closure_operator"])
def test_other_roles_sign_in_with_a_password_only(reference_data, client, role):
    user = UserFactory()
    grant(user, role, office_resolve("0101"))
    sign_in(client, user)
    assert client.get(reverse("home")).status_code == 200


def test_enrol_with_the_qr_secret_then_verify_on_the_next_sign_in(reference_data, client):
    admin = UserFactory()
    grant(admin, "provincial_admin", office_resolve("01"))
    day = soon()
    with time_machine.travel(vn(day, 9, 0), tick=False) as clock:
        sign_in(client, admin)
        page = client.get(reverse("accounts:otp_enrol"), {"next": "/tai-khoan/nhat-ky/"})
        assert page.status_code == 200 and "<svg" in page.content.decode()
        device = TOTPDevice.objects.get(user=admin, confirmed=False)
        secret = base64.b32encode(device.bin_key).decode().rstrip("=")
        assert page.context["secret"] == secret
        wrong = client.post(reverse("accounts:otp_enrol"), {"token": "000000", "next": "/"})
        assert wrong.status_code == 200 and "ACC-OTP-CODE" in wrong.content.decode()
        clock.move_to(vn(day, 9, 0, 10))  # past django-otp's throttling after a failure
        done = client.post(
            reverse("accounts:otp_enrol"),
            {"token": code_for(device), "next": "/tai-khoan/nhat-ky/"},
        )
        assert done.status_code == 302 and done.url == "/tai-khoan/nhat-ky/"
        assert client.get(reverse("home")).status_code == 200
        device.refresh_from_db()
        assert device.confirmed
        client.logout()
        clock.move_to(vn(day, 9, 5))
        sign_in(client, admin)
        blocked = client.get(reverse("home"))
        assert blocked.url.startswith(reverse("accounts:otp_verify"))
        assert client.post(reverse("accounts:otp_verify"), {"token": "123456"}).status_code == 200
        clock.move_to(vn(day, 9, 5, 10))
        ok = client.post(reverse("accounts:otp_verify"), {"token": code_for(device), "next": "/"})
        assert ok.status_code == 302
        assert client.get(reverse("home")).status_code == 200
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"otp.enrolled", "otp.verified", "otp.failed", "otp.enrolment_failed"} <= actions


def test_verify_refuses_an_off_site_next(reference_data, client):
    admin = UserFactory()
    grant(admin, "central_it", office_resolve("00"))
    device = TOTPDevice.objects.create(user=admin, name="x", confirmed=True)
    sign_in(client, admin)
    response = client.post(
        reverse("accounts:otp_verify"), {"token": code_for(device), "next": "https://evil.example"}
    )
    assert response.url == "/"


def test_a_superuser_needs_it_too(db, client):
    from accounts.models import User

    root = User.objects.create_superuser("root", "r@example.vn", TEST_PASSWORD)
    client.force_login(root)
    assert client.get(reverse("admin:index")).status_code == 302
    assert timedelta(0) == timedelta(0)


def test_the_right_code_is_taken_at_once_after_one_wrong_code(reference_data, client):
    """No wait after a single mistake (the clock does not move between the two codes)."""
    admin = UserFactory()
    grant(admin, "provincial_admin", office_resolve("01"))
    device = TOTPDevice.objects.create(user=admin, name="x", confirmed=True)
    with time_machine.travel(vn(soon(), 9, 0), tick=False):
        sign_in(client, admin)
        wrong = client.post(reverse("accounts:otp_verify"), {"token": "000000"})
        assert "ACC-OTP-CODE" in wrong.content.decode()
        ok = client.post(reverse("accounts:otp_verify"), {"token": code_for(device), "next": "/"})
        assert ok.status_code == 302
        assert client.get(reverse("home")).status_code == 200


def test_enrolment_takes_the_right_code_at_once_after_one_wrong_code(reference_data, client):
    admin = UserFactory()
    grant(admin, "central_it", office_resolve("00"))
    with time_machine.travel(vn(soon(), 9, 0), tick=False):
        sign_in(client, admin)
        client.get(reverse("accounts:otp_enrol"))
        device = TOTPDevice.objects.get(user=admin, confirmed=False)
        client.post(reverse("accounts:otp_enrol"), {"token": "000000"})
        done = client.post(reverse("accounts:otp_enrol"), {"token": code_for(device), "next": "/"})
        assert done.status_code == 302
        device.refresh_from_db()
        assert device.confirmed


def test_after_three_wrong_codes_the_next_waits_and_says_so(reference_data, client):
    admin = UserFactory()
    grant(admin, "provincial_admin", office_resolve("01"))
    device = TOTPDevice.objects.create(user=admin, name="x", confirmed=True)
    day = soon()
    with time_machine.travel(vn(day, 9, 0), tick=False) as clock:
        sign_in(client, admin)
        for _ in range(3):
            page = client.post(reverse("accounts:otp_verify"), {"token": "000000"})
            assert "ACC-OTP-CODE" in page.content.decode()
        held = client.post(reverse("accounts:otp_verify"), {"token": code_for(device)})
        assert held.status_code == 200 and "ACC-OTP-WAIT" in held.content.decode()
        clock.move_to(vn(day, 9, 0, 2))
        ok = client.post(reverse("accounts:otp_verify"), {"token": code_for(device), "next": "/"})
        assert ok.status_code == 302
    device.refresh_from_db()
    assert device.throttling_failure_count == 0
