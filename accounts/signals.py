"""Auth signal receivers: they only hand over to the audit API."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from . import audit
from .models import User


def client_of(request) -> dict:
    """Where a request came from, for an audit entry's data."""
    if request is None:
        return {}
    return {
        "ip": request.META.get("REMOTE_ADDR", ""),
        "user_agent": request.META.get("HTTP_USER_AGENT", "")[:200],
    }


@receiver(user_logged_in)
def _login_succeeded(sender, request, user, **kwargs):
    audit.record(user, "login.succeeded", user, None, client_of(request))
    if request is not None and hasattr(request, "session"):
        from .lifecycle import session_track

        session_track(user=user, session_key=request.session.session_key)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit.record(user, "login.logged_out", user, None, client_of(request))


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    username = (credentials or {}).get("username", "")[:150]
    known = User.objects.filter(username=username).first()
    audit.record(
        None,
        "login.failed",
        known or f"username:{username}",
        None,
        {**client_of(request), "username": username},
    )
