"""Fixed-size circular buffers of recent updates, stored by column and preallocated.

**L1 ring** (``L1Ring``): one per symbol, shared by its trades and quotes: ``buffer_size`` is the
number of recent L1 updates kept, whatever their kind. A row is a kind tag (int8: 1 trade,
2 quote), four float64 values (trade: price, size, -, -; quote: bid, ask, bid size, ask size)
and the receive time (int64): 41 bytes per slot, exact (float64, nothing rounded). One ring per
symbol instead of one per kind takes 41 instead of 64 bytes per slot and keeps the updates of
both kinds in arrival order. ``TradeHistory`` / ``QuoteHistory`` are the typed views that
``IBKRDataStream.history`` returns: they filter the shared rows by kind.

**Depth ring** (``DepthRing``): depth rows have their own ring (they come ten times as often as
L1 updates and would push the trades out of a shared one): price, size, time and position /
operation / side packed in one int64, 32 bytes per slot; the market maker is not kept.

Every column is an ``array`` of ``capacity`` slots written with zeros at creation, so the memory
is taken up front and never grows; appending writes one slot per column and allocates nothing.
The oldest row is overwritten once the ring is full. Queries copy no more than they return:
``last(k)`` looks for the newest ``k`` rows of its kind from the write position backwards (a
C-level ``rfind`` over a copy of the kind column, 1 byte a slot); ``since(t_ns)`` finds the first
row at or after ``t_ns`` by binary search over the time column (monotonic receive times never
decrease) and keeps the rows of its kind after it. Unset quote prices and sizes are stored as NaN
and read back as None.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from ibkr.stream.events import DepthUpdate, Quote, Trade

__all__ = ["Ring", "L1Ring", "History", "TradeHistory", "QuoteHistory", "DepthRing", "TRADE_ROW", "QUOTE_ROW"]

R = TypeVar("R")
_NAN = math.nan
#: kind tags of the L1 ring (0 is a slot never written)
TRADE_ROW, QUOTE_ROW = 1, 2


def _opt(x: float) -> float | None:
    return None if x != x else x


def _search_ts(ts: array[int], start: int, n: int, capacity: int, t_ns: int) -> int:
    """The logical index of the first of ``n`` rows (oldest at physical ``start``) with time >= t_ns."""
    lo, hi = 0, n
    while lo < hi:
        mid = (lo + hi) >> 1
        if ts[(start + mid) % capacity] < t_ns:
            lo = mid + 1
        else:
            hi = mid
    return lo


class L1Ring:
    """Trades and quotes of one symbol in arrival order, ``capacity`` rows (41 bytes each)."""

    __slots__ = ("_a", "_b", "_c", "_d", "_kind", "_pos", "_ts", "capacity", "quotes", "symbol", "total", "trades")

    def __init__(self, capacity: int, symbol: str = "") -> None:
        if capacity < 1:
            raise ValueError(f"ring capacity must be >= 1, got {capacity}")
        self.capacity = capacity
        self.symbol = symbol
        self._kind: array[int] = array("b", [0]) * capacity
        self._a: array[float] = array("d", [0.0]) * capacity
        self._b: array[float] = array("d", [0.0]) * capacity
        self._c: array[float] = array("d", [0.0]) * capacity
        self._d: array[float] = array("d", [0.0]) * capacity
        self._ts: array[int] = array("q", [0]) * capacity
        self._pos = 0
        #: rows ever appended: in total, trades, quotes
        self.total = 0
        self.trades = 0
        self.quotes = 0

    def __len__(self) -> int:
        return self.total if self.total < self.capacity else self.capacity

    @property
    def nbytes(self) -> int:
        return sum(c.itemsize * len(c) for c in (self._kind, self._a, self._b, self._c, self._d, self._ts))

    def append_trade(self, price: float, size: float, ts: int) -> None:
        i = self._pos
        self._kind[i] = TRADE_ROW
        self._a[i] = price
        self._b[i] = size
        self._ts[i] = ts
        i += 1
        self._pos = 0 if i == self.capacity else i
        self.total += 1
        self.trades += 1

    def append_quote(
        self, bid: float | None, ask: float | None, bid_size: float | None, ask_size: float | None, ts: int
    ) -> None:
        i = self._pos
        self._kind[i] = QUOTE_ROW
        self._a[i] = _NAN if bid is None else bid
        self._b[i] = _NAN if ask is None else ask
        self._c[i] = _NAN if bid_size is None else bid_size
        self._d[i] = _NAN if ask_size is None else ask_size
        self._ts[i] = ts
        i += 1
        self._pos = 0 if i == self.capacity else i
        self.total += 1
        self.quotes += 1

    # --- queries (by kind) ---------------------------------------------------------------------

    def _start(self) -> int:
        """Physical slot of the oldest row held."""
        return self._pos if self.total >= self.capacity else 0

    def held(self, kind: int) -> int:
        """Rows of ``kind`` held now."""
        return self._kind.tobytes().count(kind)

    def last_slots(self, kind: int, k: int) -> list[int]:
        """Physical slots of the newest ``k`` rows of ``kind``, oldest first."""
        if k <= 0:
            return []
        tag = bytes((kind,))
        kinds = self._kind.tobytes()
        rfind = kinds.rfind
        out: list[int] = []
        # newest first: [start of the array, write position), then (if wrapped) [write position, end)
        spans = [(0, self._pos)]
        if self.total >= self.capacity:
            spans.append((self._pos, self.capacity))
        for lo, hi in spans:
            while len(out) < k:
                i = rfind(tag, lo, hi)
                if i < 0:
                    break
                out.append(i)
                hi = i
            if len(out) >= k:
                break
        out.reverse()
        return out

    def since_slots(self, kind: int, t_ns: int) -> list[int]:
        """Physical slots of every row of ``kind`` held whose time is >= ``t_ns``, oldest first."""
        n, cap = len(self), self.capacity
        start = self._start()
        first = _search_ts(self._ts, start, n, cap, t_ns)
        kinds = self._kind
        out: list[int] = []
        lo = start + first
        hi = start + n
        # the logical range [first, n) is at most two physical runs
        for a, b in ((lo, min(hi, cap)), (max(lo, cap) - cap, hi - cap)):
            out.extend(i for i in range(a, b) if kinds[i] == kind)
        return out

    def trade_rows(self, slots: Sequence[int]) -> list[Trade]:
        a, b, ts, symbol = self._a, self._b, self._ts, self.symbol
        return [Trade(symbol, a[i], b[i], ts[i]) for i in slots]

    def quote_rows(self, slots: Sequence[int]) -> list[Quote]:
        a, b, c, d, ts, symbol = self._a, self._b, self._c, self._d, self._ts, self.symbol
        return [Quote(symbol, _opt(a[i]), _opt(b[i]), _opt(c[i]), _opt(d[i]), ts[i]) for i in slots]

    def clear(self) -> None:
        """Forget every row (the slots stay allocated)."""
        self._pos = 0
        self.total = 0
        self.trades = 0
        self.quotes = 0
        self._kind[:] = array("b", [0]) * self.capacity


class History(Generic[R]):
    """The rows of one kind of a shared ``L1Ring``: what ``IBKRDataStream.history`` returns for
    TRADES and QUOTES. ``capacity`` is the shared ring's: trades and quotes share its slots."""

    __slots__ = ("_kind", "_rows", "ring")

    def __init__(self, ring: L1Ring, kind: int, rows: Callable[[Sequence[int]], list[R]]) -> None:
        self.ring = ring
        self._kind = kind
        self._rows = rows

    @property
    def capacity(self) -> int:
        return self.ring.capacity

    @property
    def total(self) -> int:
        """Rows of this kind ever appended."""
        return self.ring.trades if self._kind == TRADE_ROW else self.ring.quotes

    def __len__(self) -> int:
        return self.ring.held(self._kind)

    def last(self, k: int) -> list[R]:
        """The newest ``k`` rows of this kind (fewer if the ring holds fewer), oldest first."""
        return self._rows(self.ring.last_slots(self._kind, k))

    def since(self, t_ns: int) -> list[R]:
        """Every row of this kind held whose receive time is >= ``t_ns``, oldest first."""
        return self._rows(self.ring.since_slots(self._kind, t_ns))


class TradeHistory(History[Trade]):
    __slots__ = ()

    def __init__(self, ring: L1Ring) -> None:
        super().__init__(ring, TRADE_ROW, ring.trade_rows)


class QuoteHistory(History[Quote]):
    __slots__ = ()

    def __init__(self, ring: L1Ring) -> None:
        super().__init__(ring, QUOTE_ROW, ring.quote_rows)


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
        start = self._pos if self.total >= self.capacity else 0
        return self.last(n - _search_ts(self._ts, start, n, self.capacity, t_ns))

    def clear(self) -> None:
        """Forget every record (the slots stay allocated)."""
        self._pos = 0
        self.total = 0


def _depth(symbol: str, price: float, size: float, meta: int, ts: int) -> DepthUpdate:
    return DepthUpdate(symbol, meta >> 16, (meta >> 8) & 0xFF, meta & 0xFF, price, size, "", ts)


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
