"""TOTP second factor (xác thực hai lớp) with django-otp for the roles that need it."""

from __future__ import annotations

import base64

import segno
from django.conf import settings
from django.db import transaction
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import audit, scope
from .models import User


def otp_required_for(user) -> bool:
    """Provincial admins, central roles, IT staff (ACCOUNTS_OTP_ROLES) and superusers."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    return bool(scope.roles_of(user) & set(settings.ACCOUNTS_OTP_ROLES))


def otp_device_confirmed(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


@transaction.atomic
def otp_enrolment_start(*, user: User) -> TOTPDevice:
    """The unconfirmed device being enrolled (one per user, made on first visit)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="TOTP", confirmed=False)
    return device


def otp_qr_svg(device: TOTPDevice) -> str:
    """The device's otpauth:// URL as an inline SVG QR code."""
    return segno.make(device.config_url, error="m").svg_inline(scale=4)


def otp_secret_b32(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode("ascii").rstrip("=")


@transaction.atomic
def otp_enrolment_confirm(*, request, device: TOTPDevice, token: str) -> bool:
    """Confirm the device with a first code; the session is verified at once."""
    if not device.verify_token(token.strip()):
        audit.record(request.user, "otp.enrolment_failed", request.user, None, {})
        return False
    TOTPDevice.objects.filter(user=device.user, confirmed=True).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    otp_login(request, device)
    audit.record(request.user, "otp.enrolled", request.user, None, {"device": device.pk})
    return True


def otp_verify(*, request, token: str) -> bool:
    device = match_token(request.user, token.strip())
    if device is None:
        audit.record(request.user, "otp.failed", request.user, None, {})
        return False
    otp_login(request, device)
    audit.record(request.user, "otp.verified", request.user, None, {"device": device.pk})
    return True
