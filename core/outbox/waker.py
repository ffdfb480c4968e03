"""Wake-ups for the outbox relay, sent from a background thread.

A committed row is delivered by the next sweep anyway; the wake-up only makes that
immediate. The request hands the id over and goes on; one thread per process lingers
``OUTBOX_WAKE_LINGER_MS`` for more ids and sends them as one message, which the worker fans
out into one delivery message per row (a killed worker strands only the row it held).
"""

from __future__ import annotations

import atexit
import os
import threading
from collections.abc import Callable

import structlog
from celery import current_app
from django.conf import settings

log = structlog.get_logger(__name__)

MAX_BATCH = 200

# The tasks import the services, which hand ids to the waker: it names the tasks instead.
DELIVER = "core.outbox.tasks.outbox_deliver"
FAN_OUT = "core.outbox.tasks.outbox_fan_out"


def task(name: str):
    """An outbox task by its registered name (``core.outbox.tasks``, loaded by the app)."""
    return current_app.tasks[name]


class Waker:
    """Collects ids and hands them to ``send(ids)`` from one daemon thread per process."""

    def __init__(self, send: Callable[[list[int]], None], *, linger: float):
        self._send = send
        self._linger = linger
        self._ids: list[int] = []
        self._cond = threading.Condition()
        self._pid: int | None = None
        self._busy = False
        self._hurry = False

    def wake(self, message_id: int) -> None:
        with self._cond:
            if self._pid != os.getpid():  # first use, or a forked worker: own thread
                self._ids, self._hurry = [], False
                self._pid = os.getpid()
                threading.Thread(target=self._run, name="outbox-waker", daemon=True).start()
            self._ids.append(message_id)
            # Wake the thread only when it has something new to decide: the first id of a
            # batch, or a full batch. Woken for every id, it re-took the GIL once per row.
            if len(self._ids) == 1 or len(self._ids) >= MAX_BATCH:
                self._cond.notify_all()

    def flush(self, timeout: float = 5.0, *, at_once: bool = False) -> bool:
        """Wait until every id handed over so far was sent (tests, process exit).

        ``at_once``: the ids waiting for the linger to end are sent now (a process about
        to exit has no commits to wait for)."""
        with self._cond:
            if at_once and self._ids:
                self._hurry = True
                self._cond.notify_all()
            return self._cond.wait_for(lambda: not self._ids and not self._busy, timeout)

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._ids)
                # Linger so the ids of the commits that follow go in the same message.
                self._cond.wait_for(
                    lambda: len(self._ids) >= MAX_BATCH or self._hurry, self._linger
                )
                ids, self._ids = self._ids[:MAX_BATCH], self._ids[MAX_BATCH:]
                self._hurry = bool(self._ids) and self._hurry
                # The linger's wait lets go of the lock: another sender (a forked child's
                # inherited waker) may have taken the ids meanwhile.
                if not ids:
                    continue
                self._busy = True
            try:
                self._send(ids)
            except Exception:  # noqa: BLE001  (the sweep delivers what a lost wake-up names)
                log.warning("outbox_wake_failed", ids=ids[:20], count=len(ids), exc_info=True)
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()


def _send(ids: list[int]) -> None:
    if len(ids) == 1:
        task(DELIVER).delay(ids[0])
    else:
        task(FAN_OUT).delay(ids)


def broker_warm() -> None:
    """Import and set up what the first publish needs (the broker's transport and client,
    the task message builder, the result backend and events), without connecting or
    sending, so the first wake-up of a process does not pay for it."""
    app = current_app
    app.amqp.producer_pool  # noqa: B018  (celery.app.amqp, kombu's producer pool)
    with app.connection_for_write() as connection:
        connection.transport  # noqa: B018  (kombu.transport.<broker> and its client)
    app.backend  # noqa: B018
    app.events  # noqa: B018
    app.Task  # noqa: B018


_waker: Waker | None = None
_lock = threading.Lock()


def waker() -> Waker:
    """The process's waker (created on first use, with the settings then in force)."""
    global _waker
    with _lock:
        if _waker is None:
            _waker = Waker(_send, linger=settings.OUTBOX_WAKE_LINGER_MS / 1000)
            atexit.register(_waker.flush, 2.0, at_once=True)
        return _waker
