"""Client events: connection state changes, warnings and unrouted errors, as callbacks or streams.

``EventBus.on(name, callback)`` registers a callback (plain or async); ``EventBus.stream(name)``
is an async iterator over the events of that name. Callbacks run in the event loop; an exception
in one is counted and re-delivered as an ``"callback_error"`` event, it never stops the others.

Event names: ``connection`` (``ConnectionEvent``), ``warning`` (``TWSWarning``: codes that inform
and never fail anything), ``error`` (``TWSError`` or ``DecodeError`` that no request or order
claimed), ``order`` (``OrderHandle`` after every change), ``fill`` (``Fill``), ``reconciled``
(``Reconciliation`` after a reconnect), ``callback_error``.
"""

from __future__ import annotations

import asyncio
import enum
from collections import defaultdict, deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["ConnectionState", "ConnectionEvent", "TWSWarning", "EventBus"]


class ConnectionState(enum.Enum):
    DISCONNECTED = "disconnected"
    CONNECTING = "connecting"
    CONNECTED = "connected"
    #: the socket is down; the client is reconnecting
    RECONNECTING = "reconnecting"
    #: the socket is up but TWS lost its link to IB (1100): orders are paused
    IB_DISCONNECTED = "ib_disconnected"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class ConnectionEvent:
    state: ConnectionState
    previous: ConnectionState
    connection: int
    reason: str = ""


@dataclass(frozen=True, slots=True)
class TWSWarning:
    """A code that informs (farm notices, order warnings...): never fails or cancels anything."""

    code: int
    message: str
    req_id: int
    severity: str
    time_ms: int = 0


class EventBus:
    def __init__(self) -> None:
        self._callbacks: dict[str, list[Callable[[Any], Any]]] = defaultdict(list)
        self._streams: dict[str, list[_Stream]] = defaultdict(list)
        self.callback_errors = 0

    def on(self, name: str, callback: Callable[[Any], Any]) -> Callable[[], None]:
        """Register ``callback`` for ``name``; returns a function that unregisters it."""
        self._callbacks[name].append(callback)
        return lambda: self._callbacks[name].remove(callback) if callback in self._callbacks[name] else None

    def emit(self, name: str, event: Any) -> None:
        for cb in list(self._callbacks.get(name, ())):
            try:
                result = cb(event)
                if asyncio.iscoroutine(result):
                    task = asyncio.get_running_loop().create_task(result)
                    task.add_done_callback(self._task_done)
            except Exception as exc:  # noqa: BLE001 - a user callback must not break the client
                self._callback_failed(name, exc)
        for s in self._streams.get(name, ()):
            s.put(event)

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        if not task.cancelled() and task.exception() is not None:
            self._callback_failed("async callback", task.exception())  # type: ignore[arg-type]

    def _callback_failed(self, name: str, exc: BaseException) -> None:
        self.callback_errors += 1
        if name != "callback_error":
            self.emit("callback_error", exc)

    async def stream(self, name: str, maxlen: int = 10_000) -> AsyncIterator[Any]:
        s = _Stream(maxlen)
        self._streams[name].append(s)
        try:
            while True:
                while s.items:
                    yield s.items.popleft()
                s.event.clear()
                await s.event.wait()
        finally:
            self._streams[name].remove(s)


class _Stream:
    def __init__(self, maxlen: int) -> None:
        self.items: deque[Any] = deque(maxlen=maxlen)
        self.event = asyncio.Event()

    def put(self, item: Any) -> None:
        self.items.append(item)
        self.event.set()
