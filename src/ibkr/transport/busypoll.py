"""Busy polling: keep the event loop awake for a while after each read.

A process that sleeps in ``epoll_wait`` between reads pays the operating system's wake-up on every
read that finds it asleep. On a quiet bare-metal core that is a few microseconds; on a virtual
machine whose idle vCPU the hypervisor has parked it can be hundreds (``benchmarks/bench_wakeup``
measures it: on the 2-vCPU VM of ``docs/benchmarks.md`` a bare uvloop reader with no work at all
waits 460 us at the 99th percentile, and 70 us when its loop does not sleep). That is the
latency floor of everything above the socket.

``BusyPoll(window_s)`` is the usual trade of a core for that tail (what kernel busy polling and
trading systems' spinning readers do): every read (``kick``) keeps the loop from sleeping for
``window_s`` after it, by keeping one callback ready, so the loop polls its sockets with a zero
timeout and runs the next read as soon as it is there. With data arriving at least once per
window, the loop never sleeps and that core is fully used; once the stream goes quiet for a
window, the loop sleeps again. One ``BusyPoll`` per event loop serves every session on it
(``IBKRGateway`` makes one for its sessions when ``GatewayConfig.busy_poll_ms`` > 0).
"""

from __future__ import annotations

import asyncio
import time

__all__ = ["BusyPoll"]


class BusyPoll:
    """Keeps the running loop polling (not sleeping) for ``window_s`` after the last ``kick``."""

    __slots__ = ("_handle", "_loop", "episodes", "last_ns", "spins", "window_ns")

    def __init__(self, window_s: float) -> None:
        if window_s <= 0:
            raise ValueError(f"the busy-poll window must be positive, got {window_s}")
        self.window_ns = int(window_s * 1e9)
        self.last_ns = 0
        #: loop iterations spent polling, and the number of polling stretches (a read after quiet)
        self.spins = 0
        self.episodes = 0
        self._handle: asyncio.Handle | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def active(self) -> bool:
        """The loop is being kept awake now."""
        return self._handle is not None

    def kick(self) -> None:
        """A read: keep the loop awake for another window from now."""
        self.last_ns = time.monotonic_ns()
        if self._handle is None:
            # the loop of this read (a stretch starts on the loop that is running it)
            loop = self._loop = asyncio.get_running_loop()
            self.episodes += 1
            self._handle = loop.call_soon(self._spin)

    def _spin(self) -> None:
        if time.monotonic_ns() - self.last_ns < self.window_ns:
            self.spins += 1
            assert self._loop is not None
            self._handle = self._loop.call_soon(self._spin)
        else:
            self._handle = None

    def stop(self) -> None:
        """Stop polling now (the loop sleeps between reads again until the next ``kick``)."""
        handle, self._handle = self._handle, None
        if handle is not None:
            handle.cancel()
