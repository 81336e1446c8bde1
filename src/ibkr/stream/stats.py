"""Statistics of a data stream: rates, wire -> callback latency, batches, buffers and drops.

``RateMeter`` counts events and turns the count into a rate over the last full window (one
second by default), rolled by whoever reads it; nothing runs per event except ``+= 1`` by the
owner. The ``*Statistics`` classes are plain snapshots built by ``IBKRDataStream.get_statistics()``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from ibkr.metrics import LatencySnapshot

__all__ = ["RateMeter", "BufferUse", "SymbolStatistics", "SubscriptionStatistics", "StreamStatistics"]


class RateMeter:
    """Events per second over the last complete window of ``window_ns``."""

    __slots__ = ("_base", "_start", "rate", "window_ns")

    def __init__(self, now_ns: int, window_ns: int = 1_000_000_000) -> None:
        self.window_ns = window_ns
        self._start = now_ns
        self._base = 0
        self.rate = 0.0

    def roll(self, count: int, now_ns: int) -> float:
        """Update with the owner's running ``count``; returns the rate of the last full window
        (the running rate while the first window is still open)."""
        dt = now_ns - self._start
        if dt >= self.window_ns:
            self.rate = (count - self._base) * 1e9 / dt
            self._base = count
            self._start = now_ns
        elif self._base == 0 and dt > 0:
            self.rate = count * 1e9 / dt
        return self.rate


@dataclass(frozen=True, slots=True)
class BufferUse:
    """One ring: records held, capacity, and records written over its life."""

    held: int
    capacity: int
    total: int

    @property
    def fill(self) -> float:
        return self.held / self.capacity if self.capacity else 0.0


@dataclass(frozen=True, slots=True)
class SymbolStatistics:
    symbol: str
    #: raw market-data messages applied (ticks and depth rows)
    updates: int
    ticks_per_second: float
    trades: int
    quotes: int
    depth_updates: int
    gaps: int
    #: "l1" (the shared trades + quotes ring), "trades" and "quotes" (the rows of that kind held in
    #: it: capacity is the shared ring's), "depth"
    buffers: dict[str, BufferUse]
    #: connections (gateway pool slots) carrying the symbol's subscriptions
    slots: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class SubscriptionStatistics:
    symbol: str
    #: callback calls with updates ('tick' batches, or events yielded)
    batches: int
    delivered: int
    mean_batch: float
    max_batch: int
    #: updates waiting now
    pending: int
    #: overflow ("drop_oldest"), and updates folded by conflation (interval or overflow)
    dropped: int
    conflated: int
    #: updates the filters held back
    filtered: int
    callback_errors: int
    bars: int


@dataclass(frozen=True, slots=True)
class StreamStatistics:
    updates: int
    ticks_per_second: float
    #: socket read -> callback, per delivered update (microseconds)
    latency: LatencySnapshot
    batches: int
    mean_batch: float
    max_batch: int
    dropped: int
    conflated: int
    callback_errors: int
    gaps: int
    symbols: dict[str, SymbolStatistics] = field(default_factory=dict)
    subscriptions: list[SubscriptionStatistics] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __getitem__(self, key: str) -> Any:
        """``stats['updates']``: dict-style access for code written against the seed."""
        return getattr(self, key)
