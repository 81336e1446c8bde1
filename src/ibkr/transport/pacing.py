"""Outgoing message pacing: TWS accepts at most 50 messages per second per connection.

``Pacer`` is sans-I/O (no clock of its own, no asyncio): items are offered with a ``Priority``
and ``ready(now)`` says which may go out now; ``next_release(now)`` says when to ask again.
``AsyncPacer`` is the thin asyncio wrapper the transport uses: a sink (the socket write) and one
``loop.call_later`` timer.

Choice of algorithm: a **sliding one-second window** over the send times, not a token bucket.
TWS counts messages per second (error 100, then a disconnect), so the guarantee that matters is
"no 1-second interval holds more than ``rate`` sends"; the window gives exactly that and never
less, while a token bucket of capacity ``rate`` can put up to ``2 * rate - 1`` sends into one
second (a full bucket emptied, then a second's refill). ``burst`` adds an optional smoothing
rule on the same history: at most ``burst`` sends in any ``burst / rate`` seconds (default
``burst = rate``: no extra rule).

Priorities: ``ORDER`` (place/cancel orders) > ``CONTROL`` (ids, time, account, positions) >
``DATA`` (market data and historical requests). Each class is a FIFO; ``ready`` always empties
higher classes first, so an order never waits behind queued data requests. ``reserve`` keeps that
many slots of every window out of reach of ``DATA``, so that a burst of data requests cannot make a
later order wait for the window to slide.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum
from typing import Generic, TypeVar

__all__ = ["Priority", "Pacer", "PacerStatistics", "AsyncPacer"]

T = TypeVar("T")

WINDOW = 1.0  # seconds: TWS's counting interval


class Priority(IntEnum):
    """Send classes, most urgent first (lower value = sent first)."""

    ORDER = 0
    CONTROL = 1
    DATA = 2


@dataclass(frozen=True, slots=True)
class PacerStatistics:
    queued: dict[Priority, int]  # waiting now, per class
    sent: int  # released by ready() since creation
    delayed: int  # released later than they were offered
    max_delay: float  # longest wait in seconds
    rate: float
    burst: int


class Pacer(Generic[T]):
    """Sliding-window pacer with three FIFO priority classes (module docstring).

    ``rate`` messages per second (0 disables pacing: everything offered is ready at once);
    ``burst`` (default ``rate``) caps sends in any ``burst / rate`` seconds; ``reserve`` slots per
    window are for ORDER and CONTROL only. ``clock`` (seconds, monotonic) stamps ``enqueue`` for
    the delay statistics; ``ready`` and ``next_release`` take ``now`` explicitly (default: clock).
    """

    def __init__(
        self,
        rate: float = 50,
        burst: int | None = None,
        *,
        reserve: int = 0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if rate < 0:
            raise ValueError("rate must be >= 0 (0 disables pacing)")
        self.rate = rate
        self._limit = int(rate * WINDOW)  # sends allowed per window
        if rate and self._limit < 1:
            raise ValueError("rate must allow at least one message per second")
        self.burst = self._limit if burst is None else burst
        if rate and not 1 <= self.burst <= self._limit:
            raise ValueError(f"burst must be within [1, {self._limit}]")
        if rate and not 0 <= reserve < self._limit:
            raise ValueError(f"reserve must be within [0, {self._limit})")
        self.reserve = reserve
        self._burst_window = self.burst / rate if rate else 0.0
        self._clock = clock
        self._queues: tuple[deque[tuple[T, float]], ...] = tuple(deque() for _ in Priority)
        self._sent_at: deque[float] = deque()  # send times still inside the window
        self._sent = 0
        self._delayed = 0
        self._max_delay = 0.0

    # --- offering ----------------------------------------------------------------------------

    def enqueue(self, item: T, priority: Priority = Priority.CONTROL) -> None:
        """Queue ``item`` behind earlier items of its class."""
        self._queues[priority].append((item, self._clock()))

    def acquire(self, priority: Priority = Priority.CONTROL, now: float | None = None) -> bool:
        """Fast path: take a slot for an item that would be sent at once, without queueing it.

        True when nothing of the same or a higher class is waiting and the window has room; the
        slot is then used and the caller sends the item itself. False: ``enqueue`` it instead.
        """
        if any(self._queues[p] for p in range(priority + 1)):
            return False
        if now is None:
            now = self._clock()
        if self.rate and self._room(now, priority) <= 0:
            return False
        self._stamp(now)
        return True

    def remove(self, item: T) -> bool:
        """Withdraw a queued item (e.g. a request cancelled before it was sent)."""
        for q in self._queues:
            for entry in q:
                if entry[0] is item:
                    q.remove(entry)
                    return True
        return False

    def clear(self) -> list[T]:
        """Empty every queue and return what was waiting, in priority then FIFO order."""
        items = [item for q in self._queues for item, _ in q]
        for q in self._queues:
            q.clear()
        return items

    # --- releasing ---------------------------------------------------------------------------

    def ready(self, now: float | None = None) -> list[T]:
        """Everything that may be sent now, in priority then FIFO order; they count as sent."""
        if now is None:
            now = self._clock()
        out: list[T] = []
        for priority, q in zip(Priority, self._queues, strict=True):
            while q:
                if self.rate and self._room(now, priority) <= 0:
                    break
                item, offered = q.popleft()
                self._stamp(now)
                out.append(item)
                if now > offered:
                    self._delayed += 1
                    if now - offered > self._max_delay:
                        self._max_delay = now - offered
        return out

    def next_release(self, now: float | None = None) -> float | None:
        """When ``ready`` will next release something (a clock time, possibly ``now``); None when
        nothing is queued."""
        if now is None:
            now = self._clock()
        for priority, q in zip(Priority, self._queues, strict=True):
            if not q:
                continue
            if not self.rate:
                return now
            return max(now, self._free_at(priority))
        return None

    def statistics(self) -> PacerStatistics:
        return PacerStatistics(
            queued={p: len(q) for p, q in zip(Priority, self._queues, strict=True)},
            sent=self._sent,
            delayed=self._delayed,
            max_delay=self._max_delay,
            rate=self.rate,
            burst=self.burst,
        )

    def __len__(self) -> int:
        return sum(len(q) for q in self._queues)

    # --- the window --------------------------------------------------------------------------

    def _capacity(self, priority: Priority) -> int:
        return self._limit - self.reserve if priority is Priority.DATA else self._limit

    def _room(self, now: float, priority: Priority) -> int:
        """Slots free now for ``priority`` (> 0 means one may be sent)."""
        sent = self._sent_at
        # A send at t counts until t + WINDOW (exclusive). Compare by adding, as _free_at does,
        # so that now == next_release() always finds the slot free. Sends are stamped in clock
        # order, so the expired ones are at the left. Evicting them cannot break the burst rule:
        # its interval (burst / rate) is never longer than WINDOW.
        while sent and sent[0] + WINDOW <= now:
            sent.popleft()
        room = self._capacity(priority) - len(sent)
        if room > 0 and len(sent) >= self.burst and sent[-self.burst] + self._burst_window > now:
            return 0
        return room

    def _free_at(self, priority: Priority) -> float:
        """Earliest time at which ``_room(priority)`` becomes positive."""
        sent = self._sent_at
        cap = self._capacity(priority)
        at = 0.0
        if len(sent) >= cap:
            # the send that must leave the window for one slot to open
            at = sent[len(sent) - cap] + WINDOW
        if len(sent) >= self.burst:
            at = max(at, sent[-self.burst] + self._burst_window)
        return at

    def _stamp(self, now: float) -> None:
        if self.rate:
            self._sent_at.append(now)
        self._sent += 1


class AsyncPacer(Generic[T]):
    """Paces items into ``sink`` (e.g. the socket write) on the running asyncio loop.

    ``submit`` queues and returns at once; ``send`` waits until the item was handed to the sink.
    Items go to the sink in priority then FIFO order, synchronously when the window has room.
    ``wake()`` re-checks the queue now (the timer calls it; tests with a manual clock call it).
    """

    def __init__(
        self,
        sink: Callable[[T], object],
        *,
        rate: float = 50,
        burst: int | None = None,
        reserve: int = 0,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self._sink = sink
        self._clock_override = clock
        self.pacer: Pacer[_Entry[T]] = Pacer(rate, burst, reserve=reserve, clock=self._now)
        self._timer: asyncio.TimerHandle | None = None
        self._closed = False

    def _now(self) -> float:
        # time.monotonic(), not loop.time(): uvloop updates its loop time once per iteration and in
        # whole milliseconds, so a send late in a long iteration would be stamped early and the
        # window would let more than ``rate`` sends into one real second (seen as TWS error 100)
        if self._clock_override is not None:
            return self._clock_override()
        return time.monotonic()

    def submit(
        self, item: T, priority: Priority = Priority.CONTROL, callback: Callable[[T], object] | None = None
    ) -> None:
        """Hand ``item`` to the sink as soon as pacing allows; ``callback(item)`` runs right after."""
        self._check_open()
        if self.pacer.acquire(priority, self._now()):
            self._sink(item)
            if callback is not None:
                callback(item)
            return
        self.pacer.enqueue(_Entry(item, callback, None), priority)
        self._arm()

    async def send(self, item: T, priority: Priority = Priority.CONTROL) -> None:
        """Wait for the item's turn; returns once it was handed to the sink (raises what the sink
        raised). Cancelling the wait withdraws a still-queued item."""
        self._check_open()
        if self.pacer.acquire(priority, self._now()):
            self._sink(item)
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        entry = _Entry(item, None, fut)
        self.pacer.enqueue(entry, priority)
        self._arm()
        try:
            await fut
        except asyncio.CancelledError:
            self.pacer.remove(entry)
            raise

    def wake(self) -> None:
        """Release whatever is due now and re-arm the timer."""
        self._timer = None
        if self._closed:
            return
        for entry in self.pacer.ready(self._now()):
            entry.deliver(self._sink)
        self._arm()

    def statistics(self) -> PacerStatistics:
        return self.pacer.statistics()

    def __len__(self) -> int:
        return len(self.pacer)

    def close(self, exc: BaseException | None = None) -> list[T]:
        """Stop: cancel the timer, fail waiting ``send`` calls (with ``exc``, else cancelled) and
        return the items never sent, in priority then FIFO order (e.g. to resend after a
        reconnect). Later submit/send raise RuntimeError."""
        self._closed = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        left = self.pacer.clear()
        for entry in left:
            if entry.future is not None and not entry.future.done():
                if exc is None:
                    entry.future.cancel()
                else:
                    entry.future.set_exception(exc)
        return [entry.item for entry in left]

    @property
    def closed(self) -> bool:
        return self._closed

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("the pacer is closed")

    def _arm(self) -> None:
        if self._timer is not None:
            return
        now = self._now()
        when = self.pacer.next_release(now)
        if when is None:
            return
        loop = asyncio.get_running_loop()
        self._timer = loop.call_later(max(0.0, when - now), self.wake)


@dataclass(slots=True)
class _Entry(Generic[T]):
    item: T
    callback: Callable[[T], object] | None
    future: asyncio.Future[None] | None

    def deliver(self, sink: Callable[[T], object]) -> None:
        fut = self.future
        if fut is not None and fut.done():  # the waiter was cancelled meanwhile
            return
        try:
            sink(self.item)
        except Exception as exc:  # noqa: BLE001 - routed to the waiter or the loop's handler
            if fut is None:
                asyncio.get_running_loop().call_exception_handler({"message": "pacer sink failed", "exception": exc})
                return
            fut.set_exception(exc)
            return
        if fut is not None:
            fut.set_result(None)
        elif self.callback is not None:
            self.callback(self.item)
