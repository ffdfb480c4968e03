"""Dossier events for other apps (the I-VAN provider notifications subscribe here).

``publish()`` is called by declarations' services inside the transaction that made the
change, so a subscriber that writes outbox rows commits or rolls back with it. Apps
subscribe from their ``AppConfig.ready()``; declarations imports none of them. A
subscriber may say up front which events concern it (``concerns``): a change no subscriber
is concerned with may be written as one statement, without a transaction around it.

Events: ``receipt.issued`` (a dossier was received), ``dossier.status_changed``,
``notice.issued`` (a result or other notice), ``result.released`` (a held result freed).
"""

from __future__ import annotations

from collections.abc import Callable

_SUBSCRIBERS: list[Callable] = []
_CONCERNS: dict[Callable, Callable] = {}


def subscribe(callback: Callable, *, concerns: Callable | None = None) -> Callable:
    """Register ``callback(event, *, dossier, notice=None, data=None)``; usable as decorator.

    ``concerns(event, dossier) -> bool``: False when the callback would do nothing with
    that event (it is then still called); without it, every event concerns the callback."""
    if callback not in _SUBSCRIBERS:
        _SUBSCRIBERS.append(callback)
    if concerns is not None:
        _CONCERNS[callback] = concerns
    return callback


def unsubscribe(callback: Callable) -> None:
    if callback in _SUBSCRIBERS:
        _SUBSCRIBERS.remove(callback)
    _CONCERNS.pop(callback, None)


def concerned(event: str, *, dossier) -> bool:
    """Whether any subscriber would act on ``event`` for ``dossier`` (write, send)."""
    return any(
        callback not in _CONCERNS or _CONCERNS[callback](event, dossier)
        for callback in list(_SUBSCRIBERS)
    )


def publish(event: str, *, dossier, notice=None, data: dict | None = None) -> None:
    """Tell every subscriber; call it inside the transaction of the change."""
    for callback in list(_SUBSCRIBERS):
        callback(event, dossier=dossier, notice=notice, data=data or {})
