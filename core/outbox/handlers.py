"""Handlers perform one kind of outbox effect. Apps register theirs with ``@handler(kind)``.

A handler receives the message and must be idempotent for the message's ``key``; it raises
:class:`PermanentFailure` for errors no retry can fix (straight to the dead letters) and
any other exception for transient ones (retried with backoff).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

HANDLERS: dict[str, Callable] = {}
# name -> func(value) -> text: paragraphs an e-mail payload asks for (see email_body).
EMAIL_ADDITIONS: dict[str, Callable[[str], str]] = {}


class PermanentFailure(Exception):
    """The effect can never succeed as it stands (bad address, unknown kind…)."""


def handler(kind: str):
    def register(func):
        HANDLERS[kind] = func
        return func

    return register


def email_addition(name: str):
    """Register ``func(value) -> text``, a paragraph an e-mail payload asks for by name
    (``"add": {name: value}``). Written at delivery: for what exists only after the row's
    transaction (a notice's verification code, given when its document is signed)."""

    def register(func):
        EMAIL_ADDITIONS[name] = func
        return func

    return register


def email_body(payload: dict) -> str:
    """An e-mail payload's text: its ``body``, or its ``template`` rendered with its
    ``context`` (plain values, fixed when the row was written) at delivery; then the
    paragraphs its ``add`` asks for (:func:`email_addition`)."""
    if payload.get("template"):
        body = render_to_string(payload["template"], payload.get("context") or {})
    else:
        body = payload.get("body", "")
    for name, value in (payload.get("add") or {}).items():
        if name not in EMAIL_ADDITIONS:
            raise PermanentFailure(f"no e-mail addition {name!r}")
        text = EMAIL_ADDITIONS[name](value)
        if text:
            body = f"{body.rstrip()}\n\n{text}\n"
    return body


@handler("email")
def send_email(message) -> None:
    """Payload: to (list), subject, body (or template + context, see :func:`email_body`),
    optional html. The outbox key is the Message-ID, so a resend after a crash is
    recognisable as the same e-mail."""
    p = message.payload
    if not p.get("to"):
        raise PermanentFailure("no recipient")
    email = EmailMultiAlternatives(
        subject=p.get("subject", ""),
        body=email_body(p),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=list(p["to"]),
        headers={"Message-ID": f"<{message.key}@bhxh-portal>"},
    )
    if p.get("html"):
        email.attach_alternative(p["html"], "text/html")
    email.send(fail_silently=False)
