"""Request bookkeeping: request ids, one-shot requests and live subscriptions.

Every TWS request that carries a request id is tracked here until its answer is complete:

* ``PendingRequest``: a one-shot request (contract details, historical bars, executions, an
  account summary...). Items are collected until the end marker arrives, then the future resolves
  with the list. An error code of severity ERROR for its id fails the future with the typed
  exception; warnings never do.
* ``Subscription``: a stream (market data, tick-by-tick, depth, real-time bars, PnL...). Items go
  to callbacks and to any number of async iterators; it remembers the request message so that a
  reconnect can send it again (and marks the gap in the stream with a ``Gap`` item).

Request ids live in their own range, far above order ids, so that an ERR_MSG id can be routed
without ambiguity (TWS uses the same field for request ids and order ids).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from ibkr.errors import ConnectionClosed, IBKRError
from ibkr.protocol.message import ClientMessage

__all__ = ["RequestIds", "PendingRequest", "Subscription", "Gap", "REQUEST_ID_BASE"]

T = TypeVar("T")

#: request ids start here; order ids (from NEXT_VALID_ID) stay far below in practice
REQUEST_ID_BASE = 1_000_000_000


class RequestIds:
    def __init__(self, start: int = REQUEST_ID_BASE) -> None:
        self._next = start

    def next(self) -> int:
        rid = self._next
        self._next += 1
        return rid


@dataclass(frozen=True, slots=True)
class Gap:
    """Marks a hole in a subscription's stream: the connection was lost between ``lost_ns`` and
    ``restored_ns`` (monotonic ns) and the subscription was sent again."""

    lost_ns: int
    restored_ns: int
    reason: str


class PendingRequest(Generic[T]):
    """A one-shot request whose answer is a list of items closed by an end marker."""

    __slots__ = ("future", "items", "name", "req_id", "sent_ns", "slot")

    def __init__(self, req_id: int, name: str, slot: int = 0) -> None:
        self.req_id = req_id
        self.name = name
        self.future: asyncio.Future[list[T]] = asyncio.get_running_loop().create_future()
        self.items: list[T] = []
        self.sent_ns = time.monotonic_ns()
        self.slot = slot

    def add(self, item: T) -> None:
        self.items.append(item)

    def finish(self) -> None:
        if not self.future.done():
            self.future.set_result(self.items)

    def fail(self, exc: BaseException) -> None:
        if not self.future.done():
            self.future.set_exception(exc)

    @property
    def done(self) -> bool:
        return self.future.done()


class Subscription(Generic[T]):
    """A live stream of items for one request id.

    Consumers use callbacks (``on_item``: called in the socket callback, keep them short) and/or
    ``async for item in subscription`` (each iterator has its own bounded queue: when a slow
    consumer lets it fill, the oldest items are dropped and counted in ``dropped``).
    """

    def __init__(
        self,
        req_id: int,
        name: str,
        request: ClientMessage | None,
        *,
        slot: int = 0,
        cancel: Callable[[int], ClientMessage] | None = None,
        queue_size: int = 10_000,
    ) -> None:
        self.req_id = req_id
        self.name = name
        self.request = request
        self.slot = slot
        self.cancel_message = cancel
        self.callbacks: list[Callable[[T | Gap], Any]] = []
        #: called once when the subscription ends, with the error that ended it (None: cancelled)
        self.on_close: list[Callable[[BaseException | None], Any]] = []
        self._queues: list[_Queue[T | Gap]] = []
        self._queue_size = queue_size
        self.active = True
        self.error: BaseException | None = None
        self.first = asyncio.get_running_loop().create_future()
        self.count = 0
        self.dropped = 0
        self.gaps = 0

    def add_callback(self, fn: Callable[[T | Gap], Any]) -> None:
        self.callbacks.append(fn)

    def push(self, item: T | Gap) -> None:
        self.count += 1
        if not self.first.done() and not isinstance(item, Gap):
            self.first.set_result(item)
        for fn in self.callbacks:
            fn(item)
        for q in self._queues:
            self.dropped += q.put(item)

    def gap(self, gap: Gap) -> None:
        self.gaps += 1
        self.push(gap)

    def close(self, error: BaseException | None = None) -> None:
        if not self.active:
            return
        self.active = False
        self.error = error
        if not self.first.done():
            self.first.set_exception(error or ConnectionClosed("subscription ended"))
            self.first.exception()  # mark retrieved: nobody may be awaiting it
        for q in self._queues:
            q.close(error)
        for fn in self.on_close:
            fn(error)

    def __aiter__(self) -> AsyncIterator[T | Gap]:
        q: _Queue[T | Gap] = _Queue(self._queue_size)
        if not self.active:
            q.close(self.error)
        self._queues.append(q)
        return q.iterate(lambda: self._queues.remove(q) if q in self._queues else None)


class _Queue(Generic[T]):
    """A bounded queue for one async iterator; drops the oldest when full."""

    def __init__(self, size: int) -> None:
        self.items: deque[T] = deque()
        self.size = size
        self.event = asyncio.Event()
        self.closed = False
        self.error: BaseException | None = None

    def put(self, item: T) -> int:
        dropped = 0
        if len(self.items) >= self.size:
            self.items.popleft()
            dropped = 1
        self.items.append(item)
        self.event.set()
        return dropped

    def close(self, error: BaseException | None) -> None:
        self.closed = True
        self.error = error
        self.event.set()

    async def iterate(self, on_exit: Callable[[], Any]) -> AsyncIterator[T]:
        try:
            while True:
                while self.items:
                    yield self.items.popleft()
                if self.closed:
                    if self.error is not None and isinstance(self.error, IBKRError):
                        raise self.error
                    return
                self.event.clear()
                await self.event.wait()
        finally:
            on_exit()
