"""Passwords: the policy beyond Django's validators (letters, digits and a symbol), the
forgotten-password e-mail and the audit of every change."""

import re
import time

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from core.outbox.models import OutboxMessage
from core.outbox.services import outbox_enqueue

from . import audit
from .models import User


class CharacterClassValidator:
    """Require an upper-case letter, a lower-case letter, a digit and a symbol."""

    def validate(self, password, user=None):
        classes = [r"[a-zà-ỹ]", r"[A-ZÀ-Ỹ]", r"\d", r"[^\w\s]"]
        if not all(re.search(c, password) for c in classes):
            raise ValidationError(self.get_help_text(), code="password_character_classes")

    def get_help_text(self):
        return _(
            "Your password must contain an upper-case letter, a lower-case letter, "
            "a digit and a symbol."
        )


# --- forgotten and changed passwords -------------------------------------------------------
RESET_EMAIL_MINUTES = 15  # at most one reset e-mail per account in this window


def password_link(user) -> str:
    """The absolute link where ``user`` chooses a new password (valid for
    PASSWORD_RESET_TIMEOUT, once: it dies when the password changes)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("accounts:password_set", kwargs={"uidb64": uid, "token": token})
    return settings.SITE_URL.rstrip("/") + path


@transaction.atomic
def password_reset_request(*, email: str, client: dict | None = None) -> int:
    """E-mail a link to choose a new password to each open account with ``email``, through
    the outbox, and audit it. Asking again within RESET_EMAIL_MINUTES sends nothing more
    (the first link still works). Returns how many were sent: never shown, so the page
    does not tell who has an account."""
    email = (email or "").strip()
    if not email:
        return 0
    window = int(time.time() // (RESET_EMAIL_MINUTES * 60))
    sent = 0
    for user in User.objects.filter(email__iexact=email, is_active=True).order_by("pk"):
        key = f"password-reset-{user.pk}-{window}"
        if OutboxMessage.objects.filter(key=key).exists():
            continue
        with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
            payload = {
                "to": [user.email],
                "subject": _("Choose a new password for the VSS e-transaction portal"),
                "body": _(
                    "Someone (we hope you) asked to choose a new password for the account "
                    "%(username)s.\nChoose it here within %(days)s days: %(link)s\n"
                    "If you did not ask, ignore this e-mail: your password stays as it is."
                )
                % {
                    "username": user.username,
                    "days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
                    "link": password_link(user),
                },
            }
        outbox_enqueue(kind="email", key=key, payload=payload)
        audit.record(None, "password.reset_requested", user, None, dict(client or {}))
        sent += 1
    return sent


def password_changed(*, user, how: str, client: dict | None = None) -> None:
    """Audit a password the account holder changed (``how``: "changed" signed in with the
    old one, "reset_completed" from an e-mailed link)."""
    audit.record(user, f"password.{how}", user, None, dict(client or {}))
