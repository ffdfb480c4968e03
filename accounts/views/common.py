"""What the accounts pages share: permission checks and service errors on forms."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError


def needs(*permissions: str):
    """Signed in and holding at least one of ``permissions`` through an active role."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not any(request.user.has_perm(p) for p in permissions):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def service_error(form_or_request, exc: ValidationError) -> None:
    """Show a service's refusal with its stable code on the form (or as a message)."""
    for error in exc.error_list:
        text = f"{error.message % (error.params or {}) if error.params else error.message}"
        if error.code:
            text = f"[{error.code}] {text}"
        if hasattr(form_or_request, "add_error"):
            form_or_request.add_error(None, text)
        else:
            messages.error(form_or_request, text)
