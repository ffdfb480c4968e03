"""Callbacks other apps register so accounts can act on a lock without importing them.

When an account is locked, every registered *token revoker* is called (the I-VAN API
registers one that revokes the user's OAuth tokens) and every *work hand-back* (claimed
dossiers, pending pushes go back to the office queue). Register from ``AppConfig.ready()``::

    from accounts import hooks

    hooks.register_token_revoker("ivan.oauth", revoke_user_tokens)
    hooks.register_work_handback("declarations.claims", release_claims)

A callback takes ``user=``, ``actor=``, ``reason=`` (keyword-only) and returns a count of
what it revoked or handed back. Callbacks run in the lock's transaction.
"""

from __future__ import annotations

from collections.abc import Callable

Callback = Callable[..., int | None]

_TOKEN_REVOKERS: dict[str, Callback] = {}
_WORK_HANDBACKS: dict[str, Callback] = {}


def register_token_revoker(name: str, func: Callback) -> None:
    _TOKEN_REVOKERS[name] = func


def register_work_handback(name: str, func: Callback) -> None:
    _WORK_HANDBACKS[name] = func


def unregister(name: str) -> None:
    _TOKEN_REVOKERS.pop(name, None)
    _WORK_HANDBACKS.pop(name, None)


def _run(callbacks: dict[str, Callback], **kwargs) -> dict[str, int]:
    return {name: int(func(**kwargs) or 0) for name, func in sorted(callbacks.items())}


def tokens_revoke(*, user, actor, reason: str) -> dict[str, int]:
    """Call every token revoker; return how many tokens each revoked."""
    return _run(_TOKEN_REVOKERS, user=user, actor=actor, reason=reason)


def work_hand_back(*, user, actor, reason: str) -> dict[str, int]:
    """Call every work hand-back; return how many items each gave back to the queue."""
    return _run(_WORK_HANDBACKS, user=user, actor=actor, reason=reason)
