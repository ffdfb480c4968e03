"""Dossier events for other apps (the I-VAN provider notifications subscribe here).

``publish()`` is called by declarations' services inside the transaction that made the
change, so a subscriber that writes outbox rows commits or rolls back with it. Apps
subscribe from their ``AppConfig.ready()``; declarations imports none of them.

Events: ``receipt.issued`` (a dossier was received), ``dossier.status_changed``,
``notice.issued`` (a result or other notice), ``result.released`` (a held result freed).
"""

from __future__ import annotations

from collections.abc import Callable

_SUBSCRIBERS: list[Callable] = []


def subscribe(callback: Callable) -> Callable:
    """Register ``callback(event, *, dossier, notice=None, data=None)``; usable as decorator."""
    if callback not in _SUBSCRIBERS:
        _SUBSCRIBERS.append(callback)
    return callback


def unsubscribe(callback: Callable) -> None:
    if callback in _SUBSCRIBERS:
        _SUBSCRIBERS.remove(callback)


def publish(event: str, *, dossier, notice=None, data: dict | None = None) -> None:
    """Tell every subscriber; call it inside the transaction of the change."""
    for callback in list(_SUBSCRIBERS):
        callback(event, dossier=dossier, notice=notice, data=data or {})
