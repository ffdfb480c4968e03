"""Reads that may go to a streaming replica (the ``replica`` alias, ``DATABASE_REPLICA_URL``).

Opt-in, never by default. A read goes to the replica only when all of these hold:

* the code runs inside :func:`replica_reads` (a view decorator or a ``with`` block: the
  dashboards, reports, lookups and the adoption snapshots' reads mark themselves);
* no transaction is open on the primary (an atomic block reads what it writes);
* nothing was written yet in that scope (the first write sends the rest of it to the primary);
* the request is not pinned to the primary: :class:`ReadYourWritesMiddleware` sets a cookie
  on every POST (PUT, PATCH, DELETE) that keeps the browser's next requests on the primary
  for ``DATABASE_REPLICA_PIN_SECONDS``, so a user sees what they have just done;
* the replica answered the lag probe (cached ``DATABASE_REPLICA_PROBE_SECONDS``) with a lag
  of at most ``DATABASE_REPLICA_MAX_LAG_SECONDS``.

Everything else — every write, every unmarked read — goes to the primary. Without the alias
the router says nothing and Django routes as before.
"""

from __future__ import annotations

import contextlib
import functools
import threading
import time
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, InterfaceError, OperationalError, connections

REPLICA = "replica"
PIN_COOKIE = "bhxh_primary"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


# --- the lag probe -------------------------------------------------------------------------------
# Replayed everything received: no lag, however long the primary has been idle (the last
# replayed commit's age alone would grow while nothing is written). Otherwise the age of
# the last replayed commit: a paused or slow replay shows at once.
_LAG_SQL = """
SELECT CASE
  WHEN NOT pg_is_in_recovery() THEN 0
  WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0
  ELSE COALESCE(EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp()), 0)
END
"""


@dataclass(frozen=True)
class ReplicaStatus:
    """What the last probe found: the lag in seconds, or None and the error."""

    lag: float | None
    max_lag: float
    error: str = ""

    @property
    def usable(self) -> bool:
        return self.lag is not None and self.lag <= self.max_lag

    def as_dict(self) -> dict:
        return {
            "reads": REPLICA if self.usable else "primary",
            "lag_seconds": None if self.lag is None else round(self.lag, 3),
            "max_lag_seconds": self.max_lag,
            **({"error": self.error} if self.error else {}),
        }


_probe_lock = threading.Lock()
_probed: tuple[float, ReplicaStatus] | None = None  # (monotonic time, status)


def _max_lag() -> float:
    return float(settings.DATABASE_REPLICA_MAX_LAG_SECONDS)


def replica_lag_measure() -> float:
    """The replica's lag now, in seconds (one query on the replica; raises when it fails)."""
    connection = connections[REPLICA]
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.execute("SELECT 1")  # no replay to measure: reachable is all there is
            return 0.0
        cursor.execute(_LAG_SQL)
        return float(cursor.fetchone()[0])


def replica_status(*, fresh: bool = False) -> ReplicaStatus:
    """The replica's lag, probed at most once every ``DATABASE_REPLICA_PROBE_SECONDS`` per
    process (``fresh``: probe now). A failed probe is kept as long: a replica that is down
    costs one connection attempt per interval, not one per page."""
    global _probed
    now = time.monotonic()
    probed = _probed
    if not fresh and probed and now - probed[0] < settings.DATABASE_REPLICA_PROBE_SECONDS:
        return probed[1]
    with _probe_lock:
        probed = _probed
        if not fresh and probed and now - probed[0] < settings.DATABASE_REPLICA_PROBE_SECONDS:
            return probed[1]
        try:
            status = ReplicaStatus(lag=replica_lag_measure(), max_lag=_max_lag())
        except DatabaseError as exc:
            _close_quietly()
            status = ReplicaStatus(lag=None, max_lag=_max_lag(), error=_short(exc))
        _probed = (time.monotonic(), status)
        return status


def replica_mark_down(exc: BaseException) -> None:
    """A read on the replica failed: reads go to the primary until the next probe."""
    global _probed
    _close_quietly()
    _probed = (time.monotonic(), ReplicaStatus(lag=None, max_lag=_max_lag(), error=_short(exc)))


def replica_probe_forget() -> None:
    """Drop the cached probe (tests, and after a failover)."""
    global _probed
    _probed = None


def _short(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {str(exc).strip()[:200]}"


def _close_quietly() -> None:
    with contextlib.suppress(DatabaseError):
        connections[REPLICA].close()


# --- the scope -----------------------------------------------------------------------------------
class _Scope:
    __slots__ = ("used", "wrote")

    def __init__(self):
        self.used = False  # a read was sent to the replica
        self.wrote = False  # something was written: read the rest from the primary


_scope: ContextVar[_Scope | None] = ContextVar("replica_scope", default=None)
_pinned: ContextVar[bool] = ContextVar("replica_pinned", default=False)


class _ReplicaReads:
    """``with replica_reads():`` — the reads inside may go to the replica."""

    def __enter__(self) -> _Scope:
        scope = _Scope()
        self._token = _scope.set(scope)
        return scope

    def __exit__(self, *exc) -> None:
        _scope.reset(self._token)

    def __call__(self, func):  # ``@replica_reads()`` as well as ``@replica_reads``
        return replica_reads(func)


def replica_reads(func=None):
    """Mark reads that may be answered from the replica (see the module's doc).

    As a decorator (``@replica_reads``) it also survives a replica that fails under it: when
    a read on the replica raised a connection error and nothing had been written, the
    replica is marked down and the function runs once more, every read on the primary."""
    if func is None:
        return _ReplicaReads()

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with _ReplicaReads() as scope:
            try:
                return func(*args, **kwargs)
            except (OperationalError, InterfaceError) as exc:
                if not scope.used or scope.wrote:
                    raise
                replica_mark_down(exc)
        return func(*args, **kwargs)

    wrapper.replica_reads_view = True  # kept by the decorators around it (functools.wraps)
    return wrapper


def pinned_to_primary():
    """``with pinned_to_primary():`` — every read inside goes to the primary (what the
    middleware does for a browser that has just written)."""
    return _Pin()


class _Pin:
    def __enter__(self):
        self._token = _pinned.set(True)

    def __exit__(self, *exc):
        _pinned.reset(self._token)


# --- the router ----------------------------------------------------------------------------------
class ReplicaRouter:
    """Marked reads to ``replica`` (when it may answer them), every write to the primary.

    Listed after the routers that give models a database of their own (the central store):
    a model they route never reaches this one."""

    def db_for_read(self, model, **hints):
        if not replica_configured():
            return None
        scope = _scope.get()
        if (
            scope is None
            or scope.wrote
            or _pinned.get()
            or connections[DEFAULT_DB_ALIAS].in_atomic_block
            or not replica_status().usable
        ):
            return DEFAULT_DB_ALIAS
        scope.used = True
        return REPLICA

    def db_for_write(self, model, **hints):
        if not replica_configured():
            return None
        scope = _scope.get()
        if scope is not None:
            scope.wrote = True
        # Explicitly the primary: an instance read from the replica saves to the primary.
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # The replica is a copy of the primary: their rows may point at each other.
        if {obj1._state.db, obj2._state.db} <= {DEFAULT_DB_ALIAS, REPLICA}:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # The replica replays the primary's WAL: nothing is ever migrated on it.
        return False if db == REPLICA else None


# --- read-your-writes ------------------------------------------------------------------------------
class ReadYourWritesMiddleware:
    """After a browser's POST (PUT, PATCH, DELETE) its next requests read from the primary
    for ``DATABASE_REPLICA_PIN_SECONDS`` (a cookie: no session write, and it expires by
    itself). The request that writes is pinned too. Nothing happens without a replica.

    A safe request to a page marked :func:`replica_reads` that is not pinned reads from the
    replica from its start: the session and the signed-in user too, so the page still
    answers while the primary is down (a failover), and a session ended on the primary is
    honoured there for at most the allowed lag."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not replica_configured():
            return self.get_response(request)
        writes = request.method not in _SAFE_METHODS
        pinned = writes or PIN_COOKIE in request.COOKIES
        token = _pinned.set(pinned)
        try:
            if not pinned and _marked(request):
                with _ReplicaReads():
                    response = self.get_response(request)
            else:
                response = self.get_response(request)
        finally:
            _pinned.reset(token)
        if writes:
            response.set_cookie(
                PIN_COOKIE,
                "1",
                max_age=settings.DATABASE_REPLICA_PIN_SECONDS,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response


def _marked(request) -> bool:
    """Whether the view the request goes to is marked :func:`replica_reads`."""
    from django.urls import Resolver404, resolve

    try:
        match = resolve(request.path_info)
    except Resolver404:
        return False
    return getattr(match.func, "replica_reads_view", False)
