"""Fixed-size circular buffers of recent updates, stored by column and preallocated.

**L1 ring** (``L1Ring``): one per symbol, shared by its trades and quotes: ``buffer_size`` is the
number of recent L1 updates kept, whatever their kind. A row is a kind tag (int8: 1 trade,
2 quote), four float64 values (trade: price, size, -, -; quote: bid, ask, bid size, ask size)
and the receive time (int64), packed in one preallocated ``bytearray``: 41 bytes per slot, exact
(float64, nothing rounded), written with one ``struct.pack_into`` call (a column per field took
six item stores, ~40% more time per update). One ring per
symbol instead of one per kind takes 41 instead of 64 bytes per slot and keeps the updates of
both kinds in arrival order. ``TradeHistory`` / ``QuoteHistory`` are the typed views that
``IBKRDataStream.history`` returns: they filter the shared rows by kind.

**Depth ring** (``DepthRing``): depth rows have their own ring (they come ten times as often as
L1 updates and would push the trades out of a shared one): price, size, time and position /
operation / side packed in one int64, 32 bytes per slot; the market maker is not kept.

Every buffer (the L1 rows, the depth ring's ``array`` columns) has ``capacity`` slots written
with zeros at creation, so the memory is taken up front and never grows; appending allocates
nothing. The oldest row is overwritten once the ring is full. Queries copy no more than they
return: ``last(k)`` looks for the newest ``k`` rows of its kind from the write position backwards
(a C-level ``rfind`` over a copy of the kind bytes, 1 byte a slot, taken with one strided slice);
``since(t_ns)`` finds the first row at or after ``t_ns`` by binary search over the times
(monotonic receive times never decrease) and keeps the rows of its kind after it. Unset quote
prices and sizes are stored as NaN and read back as None.
"""

from __future__ import annotations

import math
import struct
from array import array
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from ibkr.stream.events import DepthUpdate, Quote, Trade

__all__ = ["Ring", "L1Ring", "History", "TradeHistory", "QuoteHistory", "DepthRing", "TRADE_ROW", "QUOTE_ROW"]

R = TypeVar("R")
_NAN = math.nan
#: kind tags of the L1 ring (0 is a slot never written)
TRADE_ROW, QUOTE_ROW = 1, 2
#: an L1 row: kind (int8), four float64 values, receive time (int64), packed: 41 bytes
_ROW = struct.Struct("<bddddq")
_ROW_SIZE = _ROW.size
_PACK = _ROW.pack_into
_TS = struct.Struct("<q")
_TS_OFFSET = 33


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

    __slots__ = ("_end", "_off", "_rows", "capacity", "symbol", "total", "trades")

    def __init__(self, capacity: int, symbol: str = "") -> None:
        if capacity < 1:
            raise ValueError(f"ring capacity must be >= 1, got {capacity}")
        self.capacity = capacity
        self.symbol = symbol
        # written with zeros now (not a lazily mapped allocation): the memory is taken up front
        self._rows = bytearray(b"\0") * (capacity * _ROW_SIZE)
        #: byte offset of the next row to write, and the end of the buffer
        self._off = 0
        self._end = capacity * _ROW_SIZE
        #: rows ever appended: in total, trades (quotes: the rest)
        self.total = 0
        self.trades = 0

    def __len__(self) -> int:
        return self.total if self.total < self.capacity else self.capacity

    @property
    def quotes(self) -> int:
        return self.total - self.trades

    @property
    def nbytes(self) -> int:
        return len(self._rows)

    @property
    def _pos(self) -> int:
        """Physical slot of the next row to write."""
        return self._off // _ROW_SIZE

    def append_trade(self, price: float, size: float, ts: int, _pack: Any = _PACK) -> None:
        off = self._off
        _pack(self._rows, off, TRADE_ROW, price, size, _NAN, _NAN, ts)
        off += _ROW_SIZE
        self._off = 0 if off == self._end else off
        self.total += 1
        self.trades += 1

    def append_quote(
        self,
        bid: float | None,
        ask: float | None,
        bid_size: float | None,
        ask_size: float | None,
        ts: int,
        _pack: Any = _PACK,
        _nan: float = _NAN,
    ) -> None:
        off = self._off
        _pack(
            self._rows, off, QUOTE_ROW,
            _nan if bid is None else bid, _nan if ask is None else ask,
            _nan if bid_size is None else bid_size, _nan if ask_size is None else ask_size,
            ts,
        )  # fmt: skip
        off += _ROW_SIZE
        self._off = 0 if off == self._end else off
        self.total += 1

    # --- queries (by kind) ---------------------------------------------------------------------

    def _start(self) -> int:
        """Physical slot of the oldest row held."""
        return self._pos if self.total >= self.capacity else 0

    def _kinds(self) -> bytes:
        """The kind column (one byte a slot), copied out of the rows."""
        return bytes(self._rows[0::_ROW_SIZE])

    def _ts(self, slot: int) -> int:
        ts: int = _TS.unpack_from(self._rows, slot * _ROW_SIZE + _TS_OFFSET)[0]
        return ts

    def held(self, kind: int) -> int:
        """Rows of ``kind`` held now."""
        return self._kinds().count(kind)

    def last_slots(self, kind: int, k: int) -> list[int]:
        """Physical slots of the newest ``k`` rows of ``kind``, oldest first."""
        if k <= 0:
            return []
        tag = bytes((kind,))
        kinds = self._kinds()
        rfind = kinds.rfind
        out: list[int] = []
        pos = self._pos
        # newest first: [start of the array, write position), then (if wrapped) [write position, end)
        spans = [(0, pos)]
        if self.total >= self.capacity:
            spans.append((pos, self.capacity))
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
        # binary search over the time field: the logical index of the first row at or after t_ns
        lo, hi = 0, n
        while lo < hi:
            mid = (lo + hi) >> 1
            if self._ts((start + mid) % cap) < t_ns:
                lo = mid + 1
            else:
                hi = mid
        rows = self._rows
        out: list[int] = []
        a = start + lo
        b = start + n
        # the logical range [lo, n) is at most two physical runs
        for x, y in ((a, min(b, cap)), (max(a, cap) - cap, b - cap)):
            out.extend(i for i in range(x, y) if rows[i * _ROW_SIZE] == kind)
        return out

    def trade_rows(self, slots: Sequence[int]) -> list[Trade]:
        rows, unpack, symbol = self._rows, _ROW.unpack_from, self.symbol
        out = []
        for i in slots:
            _, price, size, _, _, ts = unpack(rows, i * _ROW_SIZE)
            out.append(Trade(symbol, price, size, ts))
        return out

    def quote_rows(self, slots: Sequence[int]) -> list[Quote]:
        rows, unpack, symbol = self._rows, _ROW.unpack_from, self.symbol
        out = []
        for i in slots:
            _, a, b, c, d, ts = unpack(rows, i * _ROW_SIZE)
            out.append(Quote(symbol, _opt(a), _opt(b), _opt(c), _opt(d), ts))
        return out

    def clear(self) -> None:
        """Forget every row (the slots stay allocated)."""
        self._off = 0
        self.total = 0
        self.trades = 0
        self._rows[0::_ROW_SIZE] = bytes(self.capacity)


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
