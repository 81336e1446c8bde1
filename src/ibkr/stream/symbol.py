"""The live state of one symbol in a data stream and the hot path that feeds it.

A ``SymbolState`` owns the client subscriptions of its symbol (REQ_MKT_DATA for trades and
quotes, REQ_MKT_DEPTH for depth, each on the pool connection the client picks), its snapshot,
depth book and rings, and the list of ``StreamSubscription`` consumers per kind. The client
pushes every raw message of those request ids here (``on_l1`` / ``on_depth``, in the socket
callback); each message updates the snapshot, is written to its ring, and becomes one update
per interested consumer. Nothing is delivered here: consumers queue and the stream flushes.

L1 -> updates (tick types of tws-protocol.md 6.1, delayed twins 66-76 included):

* BID / ASK (with their size) and BID_SIZE / ASK_SIZE -> a ``Quote`` (the top of book after it);
* LAST (with its size) -> a ``Trade``. A LAST_SIZE right after the LAST price tick with the
  same size is that print's echo (ibapi derives it from the price tick; TWS may also send it);
  any other LAST_SIZE is a new print at the unchanged last price;
* HIGH, LOW, OPEN, CLOSE, VOLUME: the snapshot only.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ibkr.client.requests import Gap as ClientGap
from ibkr.client.requests import Subscription
from ibkr.protocol.messages.depth import MarketDepth, MarketDepthL2
from ibkr.protocol.messages.market_data import TickPrice, TickSize
from ibkr.protocol.models import Contract
from ibkr.stream.events import (
    BOOK,
    DEPTH,
    ENDED,
    GAP,
    QUOTE,
    TRADE,
    BookState,
    DepthUpdate,
    Ended,
    Gap,
    Quote,
    Trade,
)
from ibkr.stream.ring import DepthRing, L1Ring
from ibkr.stream.snapshot import ASK, BID, Book, Snapshot

if TYPE_CHECKING:
    from ibkr.stream.consumer import StreamSubscription
    from ibkr.stream.stream import IBKRDataStream

__all__ = ["SymbolState"]

#: TWS's price for "no bid / no ask / no last"
_NO_PRICE = -1.0


def _bid(s: SymbolState, m: TickPrice) -> None:
    snap = s.snap
    snap.bid = None if m.price == _NO_PRICE else m.price
    if m.size is not None:
        snap.bid_size = m.size
    s.quote_changed()


def _ask(s: SymbolState, m: TickPrice) -> None:
    snap = s.snap
    snap.ask = None if m.price == _NO_PRICE else m.price
    if m.size is not None:
        snap.ask_size = m.size
    s.quote_changed()


def _last(s: SymbolState, m: TickPrice) -> None:
    if m.price == _NO_PRICE:
        s.snap.last = None
        return
    size = m.size or 0.0
    s.trade(m.price, size)
    s.echo = size


def _high(s: SymbolState, m: TickPrice) -> None:
    s.snap.high = m.price


def _low(s: SymbolState, m: TickPrice) -> None:
    s.snap.low = m.price


def _open(s: SymbolState, m: TickPrice) -> None:
    s.snap.open = m.price


def _close(s: SymbolState, m: TickPrice) -> None:
    s.snap.close = m.price


def _bid_size(s: SymbolState, m: TickSize) -> None:
    s.snap.bid_size = m.size
    s.quote_changed()


def _ask_size(s: SymbolState, m: TickSize) -> None:
    s.snap.ask_size = m.size
    s.quote_changed()


def _last_size(s: SymbolState, m: TickSize) -> None:
    size = m.size
    last = s.snap.last
    if size is None or last is None:
        return
    if s.echo == size:
        return  # the echo of the LAST price tick just before
    s.trade(last, size)


def _volume(s: SymbolState, m: TickSize) -> None:
    s.snap.volume = m.size


_PriceFn = Callable[["SymbolState", TickPrice], None]
_SizeFn = Callable[["SymbolState", TickSize], None]

#: tick type -> handler; live types and their delayed twins (66-76)
_PRICE: dict[int, _PriceFn] = {
    1: _bid, 66: _bid, 2: _ask, 67: _ask, 4: _last, 68: _last,
    6: _high, 72: _high, 7: _low, 73: _low, 14: _open, 76: _open, 9: _close, 75: _close,
}  # fmt: skip
_SIZE: dict[int, _SizeFn] = {0: _bid_size, 69: _bid_size, 3: _ask_size, 70: _ask_size, 5: _last_size, 71: _last_size,
                             8: _volume, 74: _volume}  # fmt: skip


class SymbolState:
    __slots__ = (
        "_last_gap",
        "book",
        "client",
        "client_subs",
        "consumers",
        "contract",
        "depth_consumers",
        "depth_ring",
        "echo",
        "errors",
        "gaps",
        "l1_ring",
        "n_depth",
        "n_quotes",
        "n_trades",
        "quote_consumers",
        "quote_ring",
        "snap",
        "stream",
        "symbol",
        "trade_consumers",
        "trade_ring",
        "tuples",
        "updates",
    )

    def __init__(self, stream: IBKRDataStream, symbol: str, contract: Contract, depth_rows: int) -> None:
        self.stream = stream
        self.client = stream.client
        self.symbol = symbol
        self.contract = contract
        self.tuples = stream.tuples
        self.snap = Snapshot(symbol)
        self.book = Book(depth_rows)
        #: the symbol's L1 ring (trades and quotes share it), and the same ring under the name of
        #: each kind that is kept (None: that kind is not subscribed, so not written)
        self.l1_ring: L1Ring | None = None
        self.trade_ring: L1Ring | None = None
        self.quote_ring: L1Ring | None = None
        self.depth_ring: DepthRing | None = None
        self.consumers: list[StreamSubscription] = []
        self.trade_consumers: list[StreamSubscription] = []
        self.quote_consumers: list[StreamSubscription] = []
        self.depth_consumers: list[StreamSubscription] = []
        #: "l1" / "depth" -> the client subscription
        self.client_subs: dict[str, Subscription[Any]] = {}
        #: size of the LAST price tick if it was the previous L1 message (else NaN)
        self.echo = math.nan
        self._last_gap: ClientGap | None = None
        #: errors with which TWS ended this symbol's subscriptions
        self.errors: list[BaseException] = []
        self.updates = 0
        self.n_trades = 0
        self.n_quotes = 0
        self.n_depth = 0
        self.gaps = 0

    # --- consumers -----------------------------------------------------------------------------

    def refresh(self) -> None:
        """Rebuild the per-kind consumer lists (after a subscribe / unsubscribe)."""
        from ibkr.stream.events import DataType

        self.trade_consumers = [c for c in self.consumers if DataType.TRADES in c.data_types]
        self.quote_consumers = [c for c in self.consumers if DataType.QUOTES in c.data_types]
        self.depth_consumers = [c for c in self.consumers if DataType.DEPTH in c.data_types]

    # --- hot path (socket callback) ------------------------------------------------------------

    def on_l1(self, m: Any) -> None:
        self.updates += 1
        self.snap.updated_ns = self.client.batch_ns
        t = type(m)
        if t is TickPrice:
            fn: Any = _PRICE.get(m.tick_type)
            if fn is not None:
                fn(self, m)
                if fn is _last:
                    return  # keep the echo marker for a LAST_SIZE that follows
        elif t is TickSize:
            fn = _SIZE.get(m.tick_type)
            if fn is not None:
                fn(self, m)
        elif t is ClientGap:
            self.updates -= 1
            self.gap(m)
        self.echo = math.nan

    def quote_changed(self) -> None:
        snap = self.snap
        now = snap.updated_ns
        bid, ask = snap.bid, snap.ask
        self.n_quotes += 1
        ring = self.quote_ring
        if ring is not None:
            ring.append_quote(bid, ask, snap.bid_size, snap.ask_size, now)
        consumers = self.quote_consumers
        if consumers:
            if self.tuples:
                u: Any = (QUOTE, self.symbol, bid, ask, snap.bid_size, snap.ask_size, now)
            else:
                u = Quote(self.symbol, bid, ask, snap.bid_size, snap.ask_size, now)
            for c in consumers:
                c.quote(u, bid, ask, now)

    def trade(self, price: float, size: float) -> None:
        snap = self.snap
        now = snap.updated_ns
        snap.last = price
        snap.last_size = size
        snap.add_trade(price, size)
        self.n_trades += 1
        ring = self.trade_ring
        if ring is not None:
            ring.append_trade(price, size, now)
        consumers = self.trade_consumers
        if consumers:
            u = (TRADE, self.symbol, price, size, now) if self.tuples else Trade(self.symbol, price, size, now)
            for c in consumers:
                c.trade(u, price, size, now)

    def on_depth(self, m: Any) -> None:
        t = type(m)
        if t is MarketDepth:
            mm = ""
        elif t is MarketDepthL2:
            mm = m.market_maker
        elif t is ClientGap:
            self.gap(m)
            return
        else:
            return
        now = self.client.batch_ns
        self.updates += 1
        self.n_depth += 1
        size = m.size or 0.0
        pos, op, side, price = m.position, m.operation, m.side, m.price
        self.book.apply(pos, op, side, price, size, mm)
        ring = self.depth_ring
        if ring is not None:
            ring.append(pos, op, side, price, size, now)
        consumers = self.depth_consumers
        if consumers:
            if self.tuples:
                u: Any = (DEPTH, self.symbol, pos, op, side, price, size, mm, now)
            else:
                u = DepthUpdate(self.symbol, pos, op, side, price, size, mm, now)
            for c in consumers:
                c.depth(u, price, now)

    def gap(self, g: ClientGap) -> None:
        """A reconnect re-sent a subscription: empty the book (TWS sends it again) and mark the
        gap in every consumer's stream (once per reconnect, though L1 and depth both report it)."""
        self.book.clear()
        if g is self._last_gap:
            return
        self._last_gap = g
        self.gaps += 1
        now = g.restored_ns
        if self.tuples:
            u: Any = (GAP, self.symbol, g.lost_ns, g.restored_ns, g.reason, now)
        else:
            u = Gap(self.symbol, g.lost_ns, g.restored_ns, g.reason, now)
        for c in self.consumers:
            c.push(u, now)

    def ended(self, what: str, error: BaseException | None) -> None:
        """A client subscription of this symbol ended; with an error (TWS refused or stopped it),
        every consumer sees an ``Ended`` update and the error stays in ``errors``."""
        if error is None:
            return
        self.errors.append(error)
        now = time.monotonic_ns()
        code = getattr(error, "code", None)
        if self.tuples:
            u: Any = (ENDED, self.symbol, what, str(error), code, now)
        else:
            u = Ended(self.symbol, what, str(error), code, now)
        for c in self.consumers:
            c.push(u, now)

    # --- reading -------------------------------------------------------------------------------

    def snapshot(self) -> Snapshot:
        s = self.snap.copy(self.book if "depth" in self.client_subs else None)
        s.time = (s.updated_ns + self.stream.wall_offset_ns) / 1e9 if s.updated_ns else 0.0
        return s

    def book_state(self, last: Any) -> Any:
        """The book as one update (what conflation delivers for the depth field)."""
        now = last[-1] if type(last) is tuple else last.recv_ns
        bids, asks = self.book.levels(BID), self.book.levels(ASK)
        if self.tuples:
            return (BOOK, self.symbol, bids, asks, now)
        return BookState(self.symbol, bids, asks, now)
