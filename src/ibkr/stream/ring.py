"""Fixed-size circular buffers of recent updates, one per symbol and data type, stored by column.

A ring of capacity ``n`` preallocates one ``array`` per field (``n`` float64 / int64 slots each,
written with zeros at creation, so the memory is taken up front and never grows). Appending
writes one slot per column and moves the write position; nothing is allocated per update. The
oldest record is overwritten once the ring is full.

Queries copy no more than they return: ``last(k)`` slices at most two runs of ``k`` slots per
column (before and after the wrap point) and builds ``k`` records; ``since(t_ns)`` finds the
first record at or after ``t_ns`` by binary search over the time column (times are the
monotonic receive times, so they never decrease) and then does the same.

Bytes per record: trades 24 (price, size, time), quotes 40 (bid, ask, bid size, ask size, time),
depth rows 32 (price, size, time, position / operation / side packed in one int64). Unset prices
and sizes are stored as NaN and read back as None.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from ibkr.stream.events import DepthUpdate, Quote, Trade

__all__ = ["Ring", "TradeRing", "QuoteRing", "DepthRing"]

R = TypeVar("R")
_NAN = math.nan


def _opt(x: float) -> float | None:
    return None if x != x else x


class Ring(Generic[R]):
    """Columns of ``capacity`` slots; ``total`` counts every record ever appended."""

    __slots__ = ("_cols", "_make", "_pos", "_ts", "capacity", "symbol", "total")

    def __init__(self, capacity: int, typecodes: str, make: Callable[..., R], symbol: str = "") -> None:
        if capacity < 1:
            raise ValueError(f"ring capacity must be >= 1, got {capacity}")
        self.capacity = capacity
        self.symbol = symbol
        self._cols: list[array[Any]] = [array(tc, [0]) * capacity for tc in typecodes]
        # the time column is always the last one
        self._ts: array[int] = self._cols[-1]
        self._make = make
        self._pos = 0
        self.total = 0

    def __len__(self) -> int:
        return self.total if self.total < self.capacity else self.capacity

    @property
    def nbytes(self) -> int:
        return sum(c.itemsize * len(c) for c in self._cols)

    def _physical(self, logical: int) -> int:
        """Slot of the ``logical``-th oldest record held."""
        start = self._pos if self.total >= self.capacity else 0
        return (start + logical) % self.capacity

    def _tail(self, k: int) -> list[Sequence[Any]]:
        """The newest ``k`` records, column by column, oldest first (copies exactly k slots)."""
        end = self._pos
        start = end - k
        if start >= 0:
            return [c[start:end] for c in self._cols]
        return [c[start:] + c[:end] for c in self._cols]

    def last(self, k: int) -> list[R]:
        """The newest ``k`` records (fewer if the ring holds fewer), oldest first."""
        k = min(k, len(self))
        if k <= 0:
            return []
        make, symbol = self._make, self.symbol
        return [make(symbol, *row) for row in zip(*self._tail(k), strict=True)]

    def since(self, t_ns: int) -> list[R]:
        """Every record held whose receive time is >= ``t_ns``, oldest first."""
        n = len(self)
        lo, hi = 0, n
        ts, phys = self._ts, self._physical
        while lo < hi:
            mid = (lo + hi) >> 1
            if ts[phys(mid)] < t_ns:
                lo = mid + 1
            else:
                hi = mid
        return self.last(n - lo)

    def clear(self) -> None:
        """Forget every record (the slots stay allocated)."""
        self._pos = 0
        self.total = 0


def _trade(symbol: str, price: float, size: float, ts: int) -> Trade:
    return Trade(symbol, price, size, ts)


def _quote(symbol: str, bid: float, ask: float, bid_size: float, ask_size: float, ts: int) -> Quote:
    return Quote(symbol, _opt(bid), _opt(ask), _opt(bid_size), _opt(ask_size), ts)


def _depth(symbol: str, price: float, size: float, meta: int, ts: int) -> DepthUpdate:
    return DepthUpdate(symbol, meta >> 16, (meta >> 8) & 0xFF, meta & 0xFF, price, size, "", ts)


class TradeRing(Ring[Trade]):
    __slots__ = ("_price", "_size")

    def __init__(self, capacity: int, symbol: str = "") -> None:
        super().__init__(capacity, "ddq", _trade, symbol)
        self._price, self._size = self._cols[0], self._cols[1]

    def append(self, price: float, size: float, ts: int) -> None:
        i = self._pos
        self._price[i] = price
        self._size[i] = size
        self._ts[i] = ts
        i += 1
        self._pos = 0 if i == self.capacity else i
        self.total += 1


class QuoteRing(Ring[Quote]):
    __slots__ = ("_ask", "_ask_size", "_bid", "_bid_size")

    def __init__(self, capacity: int, symbol: str = "") -> None:
        super().__init__(capacity, "ddddq", _quote, symbol)
        self._bid, self._ask, self._bid_size, self._ask_size = self._cols[:4]

    def append(
        self, bid: float | None, ask: float | None, bid_size: float | None, ask_size: float | None, ts: int
    ) -> None:
        i = self._pos
        self._bid[i] = _NAN if bid is None else bid
        self._ask[i] = _NAN if ask is None else ask
        self._bid_size[i] = _NAN if bid_size is None else bid_size
        self._ask_size[i] = _NAN if ask_size is None else ask_size
        self._ts[i] = ts
        i += 1
        self._pos = 0 if i == self.capacity else i
        self.total += 1


class DepthRing(Ring[DepthUpdate]):
    """Depth rows without the market maker (the book keeps it; the ring keeps numbers only)."""

    __slots__ = ("_meta", "_price", "_size")

    def __init__(self, capacity: int, symbol: str = "") -> None:
        super().__init__(capacity, "ddqq", _depth, symbol)
        self._price, self._size, self._meta = self._cols[0], self._cols[1], self._cols[2]

    def append(self, position: int, operation: int, side: int, price: float, size: float, ts: int) -> None:
        i = self._pos
        self._price[i] = price
        self._size[i] = size
        self._meta[i] = (position << 16) | (operation << 8) | side
        self._ts[i] = ts
        i += 1
        self._pos = 0 if i == self.capacity else i
        self.total += 1
