"""How the ground floor writes an audit entry without importing the app that keeps them.

``accounts`` installs its ``audit.record`` here from ``AppConfig.ready()``; the outbox's
privileged actions (a dead letter replayed) go through it, so they land in the one audit
log with its hash chain.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured

Recorder = Callable[..., object]

_recorder: Recorder | None = None


def recorder_install(func: Recorder) -> None:
    """Make ``func(actor, action, target, office, data)`` the audit entry writer."""
    global _recorder
    _recorder = func


def record(actor, action: str, target=None, office=None, data: dict | None = None):
    """Write one audit entry in the caller's transaction through the installed recorder."""
    if _recorder is None:
        raise ImproperlyConfigured("no audit recorder installed (is accounts installed?)")
    return _recorder(actor, action, target, office, data)
