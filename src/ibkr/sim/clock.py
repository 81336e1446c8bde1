"""Injected time for the simulator: the ``Clock`` protocol, the real clock and a hand-driven one.

The exchange never reads the system time itself: it asks its clock, so tests drive time by hand
(``ManualClock.advance``) and never sleep.
"""

from __future__ import annotations

import time
from typing import Protocol

__all__ = ["Clock", "SystemClock", "ManualClock"]

#: 2025-01-02 15:00:00 UTC (10:00 New York, a trading day): the default start of a ManualClock
DEFAULT_EPOCH = 1_735_830_000.0


class Clock(Protocol):
    def monotonic_ns(self) -> int:
        """Nanoseconds on a clock that never goes back (for intervals)."""
        ...

    def time(self) -> float:
        """Wall-clock epoch seconds (for timestamps)."""
        ...


class SystemClock:
    """The real clocks of the machine."""

    __slots__ = ()

    def monotonic_ns(self) -> int:
        return time.monotonic_ns()

    def time(self) -> float:
        return time.time()


class ManualClock:
    """A clock that moves only when told to; both readings move together."""

    __slots__ = ("_epoch", "_mono_ns")

    def __init__(self, epoch: float = DEFAULT_EPOCH, monotonic_ns: int = 0) -> None:
        self._epoch = epoch
        self._mono_ns = monotonic_ns

    def monotonic_ns(self) -> int:
        return self._mono_ns

    def time(self) -> float:
        return self._epoch

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a clock does not go back")
        self._epoch += seconds
        self._mono_ns += round(seconds * 1e9)

    def set_time(self, epoch: float) -> None:
        """Jump the wall clock (the monotonic clock advances by the same amount, never back)."""
        self.advance(max(0.0, epoch - self._epoch))
