"""Per-symbol state: the L1 snapshot (with VWAP from trades) and the depth book.

``Snapshot`` is updated in place by the stream as updates arrive; ``copy()`` (what
``get_snapshot`` and the ``'snapshot'`` deliveries hand out) is a detached copy with the depth
levels as tuples. ``Book`` applies MARKET_DEPTH rows the way TWS means them: an insert shifts
the levels below it down (and the book keeps at most ``rows`` levels a side), an update replaces
the level at the position, a delete removes it and shifts the rest up.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ibkr.client.tickers import quote_mid, quote_spread

__all__ = ["Snapshot", "Book", "Level", "INSERT", "UPDATE", "DELETE", "ASK", "BID"]

INSERT, UPDATE, DELETE = 0, 1, 2
ASK, BID = 0, 1


@dataclass(slots=True)
class Level:
    price: float
    size: float
    market_maker: str = ""


class Book:
    """Bids (best first, descending) and asks (best first, ascending), at most ``rows`` a side."""

    __slots__ = ("asks", "bids", "rows")

    def __init__(self, rows: int = 10) -> None:
        self.rows = rows
        self.bids: list[Level] = []
        self.asks: list[Level] = []

    def apply(self, position: int, operation: int, side: int, price: float, size: float, mm: str = "") -> None:
        """One row. An update past the end appends (TWS sends that when a side grows); a delete
        past the end is ignored."""
        levels = self.bids if side == BID else self.asks
        if operation == UPDATE:
            if position < len(levels):
                lv = levels[position]
                lv.price, lv.size, lv.market_maker = price, size, mm
            else:
                levels.append(Level(price, size, mm))
        elif operation == INSERT:
            levels.insert(position, Level(price, size, mm))
            if len(levels) > self.rows:
                levels.pop()
        elif operation == DELETE and position < len(levels):
            del levels[position]

    def clear(self) -> None:
        self.bids.clear()
        self.asks.clear()

    def levels(self, side: int) -> tuple[tuple[float, float], ...]:
        return tuple((lv.price, lv.size) for lv in (self.bids if side == BID else self.asks))


@dataclass(slots=True)
class Snapshot:
    """The current state of one symbol. Prices and sizes are None until TWS sent them."""

    symbol: str
    bid: float | None = None
    ask: float | None = None
    bid_size: float | None = None
    ask_size: float | None = None
    last: float | None = None
    last_size: float | None = None
    #: TWS's day volume (TICK_SIZE VOLUME)
    volume: float | None = None
    open: float | None = None
    high: float | None = None
    low: float | None = None
    #: the previous session's close (TWS tick type 9)
    close: float | None = None
    #: volume-weighted price of the trades seen since the subscription began (None before any)
    vwap: float | None = None
    #: monotonic ns of the read that last changed the snapshot
    updated_ns: int = 0
    #: wall-clock epoch seconds of that read
    time: float = 0.0
    #: depth levels (price, size), best first; empty without a DEPTH subscription
    bids: tuple[tuple[float, float], ...] = ()
    asks: tuple[tuple[float, float], ...] = ()
    #: trades counted into vwap, and their volume and notional
    trade_count: int = 0
    trade_volume: float = 0.0
    trade_notional: float = field(default=0.0, repr=False)

    @property
    def mid(self) -> float | None:
        return quote_mid(self.bid, self.ask)

    @property
    def spread(self) -> float | None:
        return quote_spread(self.bid, self.ask)

    def add_trade(self, price: float, size: float) -> None:
        if size > 0:
            self.trade_count += 1
            self.trade_volume += size
            self.trade_notional += price * size
            self.vwap = self.trade_notional / self.trade_volume

    def copy(self, book: Book | None = None) -> Snapshot:
        """A detached copy; with ``book``, its levels as tuples."""
        s = Snapshot(
            self.symbol,
            self.bid,
            self.ask,
            self.bid_size,
            self.ask_size,
            self.last,
            self.last_size,
            self.volume,
            self.open,
            self.high,
            self.low,
            self.close,
            self.vwap,
            self.updated_ns,
            self.time,
            self.bids,
            self.asks,
            self.trade_count,
            self.trade_volume,
            self.trade_notional,
        )
        if book is not None:
            s.bids = book.levels(BID)
            s.asks = book.levels(ASK)
        return s
