"""TOTP second factor (xác thực hai lớp) with django-otp for the roles that need it."""

from __future__ import annotations

import base64
import math
from dataclasses import dataclass

import segno
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import audit, scope
from .models import User

# Wrong codes: the first few cost nothing (a mistyped digit, a code that changed while
# being typed); after them each failure doubles the wait, up to an hour. django-otp's own
# throttle (OTP_TOTP_THROTTLE_FACTOR = 0 in settings) refused the right code for a while
# after a single wrong one, with the same "not right" message.
OTP_FREE_FAILURES = 3
OTP_MAX_WAIT_SECONDS = 3600


@dataclass(frozen=True)
class OtpCheck:
    ok: bool
    wait_seconds: int = 0  # > 0: refused without checking, too many wrong codes


def otp_wait_seconds(device: TOTPDevice, now=None) -> int:
    """Seconds before ``device`` may check a code again (0: now)."""
    failures = device.throttling_failure_count
    last = device.throttling_failure_timestamp
    if failures < OTP_FREE_FAILURES or last is None:
        return 0
    required = min(2 ** (failures - OTP_FREE_FAILURES), OTP_MAX_WAIT_SECONDS)
    elapsed = ((now or timezone.now()) - last).total_seconds()
    return max(0, math.ceil(required - elapsed))


def _check(device: TOTPDevice, token: str) -> OtpCheck:
    """Check ``token`` on the locked ``device``; a wrong one is counted on the device."""
    wait = otp_wait_seconds(device)
    if wait:
        return OtpCheck(False, wait)
    return OtpCheck(device.verify_token(token.strip()))


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
def otp_enrolment_confirm(*, request, device: TOTPDevice, token: str) -> OtpCheck:
    """Confirm the device with a first code; the session is verified at once."""
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
    check = _check(device, token)
    if not check.ok:
        audit.record(request.user, "otp.enrolment_failed", request.user, None, {})
        return check
    TOTPDevice.objects.filter(user=device.user, confirmed=True).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    otp_login(request, device)
    audit.record(request.user, "otp.enrolled", request.user, None, {"device": device.pk})
    return check


@transaction.atomic
def otp_verify(*, request, token: str) -> OtpCheck:
    """Check a code of the user's confirmed device; the session is verified when right."""
    device = (
        TOTPDevice.objects.select_for_update().filter(user=request.user, confirmed=True).first()
    )
    check = _check(device, token) if device is not None else OtpCheck(False)
    if not check.ok:
        audit.record(request.user, "otp.failed", request.user, None, {})
        return check
    otp_login(request, device)
    audit.record(request.user, "otp.verified", request.user, None, {"device": device.pk})
    return check
