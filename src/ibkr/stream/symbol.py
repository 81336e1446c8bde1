"""The live state of one symbol in a data stream and the hot path that feeds it.

A ``SymbolState`` owns the client subscriptions of its symbol (REQ_MKT_DATA for trades and
quotes, REQ_MKT_DEPTH for depth, each on the pool connection the client picks), its snapshot,
depth book and rings, and its ``StreamSubscription`` consumers. The client routes every raw
message of those request ids straight here (``IBKRClient.route_raw``: ``on_l1`` / ``on_depth``,
in the socket callback, one call per message); each message updates the snapshot and the ring
and, if some consumer wants its kind, becomes one update in ``fresh``, the symbol's updates since
the last delivery step, shared by its consumers. The stream's delivery step (``deliver``) hands
that list to the consumers, which filter, aggregate, queue or deliver it.

L1 -> updates (tick types of tws-protocol.md 6.1, delayed twins 66-76 included):

* BID / ASK (with their size) and BID_SIZE / ASK_SIZE -> a ``Quote`` (the top of book after it);
* LAST (with its size) -> a ``Trade``. A LAST_SIZE right after the LAST price tick with the
  same size is that print's echo (ibapi derives it from the price tick; TWS may also send it);
  any other LAST_SIZE is a new print at the unchanged last price;
* HIGH, LOW, OPEN, CLOSE, VOLUME: the snapshot only.

With tuple updates (``use_native_parsing``) and the compiled hot path built (``ibkr.fastpath``),
the client's compiled dispatch loop applies the TICK_PRICE / TICK_SIZE messages to the state
itself, with exactly the effects of ``on_l1`` below on the same objects (``bind_l1`` at the end
of this module gives it the classes and these tables); ``on_l1`` still takes everything else
(TICK_STRING, TICK_GENERIC, the ``Gap`` items) and any message the compiled path declines. The
same goes for the depth rows and ``on_depth`` (``bind_depth``): keep ``on_depth``, ``Book.apply``
and ``DepthRing.append`` in step with ``apply_depth`` in ``_fastpath.c``
(``tests/stream/test_fastpath_depth.py`` compares them).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ibkr import fastpath
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
from ibkr.stream.snapshot import ASK, BID, DELETE, INSERT, UPDATE, Book, Level, Snapshot

if TYPE_CHECKING:
    from ibkr.stream.consumer import StreamSubscription
    from ibkr.stream.stream import IBKRDataStream

__all__ = ["SymbolState"]

#: TWS's price for "no bid / no ask / no last"
_NO_PRICE = -1.0


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

#: the quote ticks, handled inline by ``on_l1`` (most of the traffic): tick type -> 0 bid, 1 ask;
#: live types and their delayed twins (66-70)
_QUOTE_PRICE: dict[int, int] = {1: 0, 66: 0, 2: 1, 67: 1}
_QUOTE_SIZE: dict[int, int] = {0: 0, 69: 0, 3: 1, 70: 1}
#: the other tick types -> handler (delayed twins 68, 71-76 included)
_PRICE: dict[int, _PriceFn] = {4: _last, 68: _last, 6: _high, 72: _high, 7: _low, 73: _low, 14: _open, 76: _open,
                               9: _close, 75: _close}  # fmt: skip
_SIZE: dict[int, _SizeFn] = {5: _last_size, 71: _last_size, 8: _volume, 74: _volume}


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
        "fresh",
        "fresh_notional",
        "fresh_volume",
        "gaps",
        "kinds",
        "l1_ring",
        "n_depth",
        "n_quotes",
        "n_trades",
        "queued",
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
        #: whether any consumer wants trades / quotes / depth (the updates not built otherwise)
        self.trade_consumers = False
        self.quote_consumers = False
        self.depth_consumers = False
        #: the update kinds built for the consumers (TRADE, QUOTE, DEPTH strings)
        self.kinds: frozenset[str] = frozenset()
        #: updates since the last delivery step, in order, for every consumer (``deliver``), and
        #: the notional and volume of their trades (the consumers' VWAP)
        self.fresh: list[Any] = []
        self.fresh_notional = 0.0
        self.fresh_volume = 0.0
        #: in the stream's list of states with fresh updates
        self.queued = False
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
        """Note which kinds the consumers want (after a subscribe / unsubscribe)."""
        from ibkr.stream.events import DataType

        wanted = {d for c in self.consumers for d in c.data_types}
        self.trade_consumers = DataType.TRADES in wanted
        self.quote_consumers = DataType.QUOTES in wanted
        self.depth_consumers = DataType.DEPTH in wanted
        self.kinds = frozenset(k for d, k in ((DataType.TRADES, TRADE), (DataType.QUOTES, QUOTE),
                                              (DataType.DEPTH, DEPTH)) if d in wanted)  # fmt: skip
        for c in self.consumers:
            c.refresh(self.kinds)

    def deliver(self, now: int) -> None:
        """Hand the fresh updates to every consumer (the stream's delivery step)."""
        fresh = self.fresh
        self.queued = False
        if not fresh:
            return
        self.fresh = []
        notional, volume = self.fresh_notional, self.fresh_volume
        self.fresh_notional = self.fresh_volume = 0.0
        consumers = self.consumers
        if len(consumers) == 1:
            c = consumers[0]
            if c.plain and c.pending.first_ns < 0 and len(fresh) <= c.direct_max and not c.busy and not c.closed:
                # the common case of take_in, inlined: one consumer, nothing waits, due at once
                # (~490 instructions a message less than the call; keep in step with take_in)
                if volume:
                    vw = c.vwap_meter
                    vw.notional += notional
                    vw.volume += volume
                c._deliver(fresh)
                return
        last = len(consumers) - 1
        for i, c in enumerate(consumers):
            # each its own list (a callback owns the list it gets); the last one takes this one
            c.take_in(fresh if i == last else list(fresh), notional, volume, now)

    # --- hot path (socket callback) ------------------------------------------------------------

    def on_l1(self, m: Any) -> None:
        """One raw L1 message (the client's route for the symbol's request id)."""
        self.updates += 1
        snap = self.snap
        now = snap.updated_ns = self.client.batch_ns
        t = type(m)
        # the quote ticks (most of the traffic) are handled here, the others by their table
        if t is TickPrice:
            side = _QUOTE_PRICE.get(m.tick_type)
            if side is None:
                fn: Any = _PRICE.get(m.tick_type)
                if fn is not None:
                    fn(self, m)
                    if fn is _last:
                        return  # keep the echo marker for a LAST_SIZE that follows
                self.echo = math.nan
                return
            price = m.price
            if side:
                snap.ask = None if price == _NO_PRICE else price
                if m.size is not None:
                    snap.ask_size = m.size
            else:
                snap.bid = None if price == _NO_PRICE else price
                if m.size is not None:
                    snap.bid_size = m.size
        elif t is TickSize:
            side = _QUOTE_SIZE.get(m.tick_type)
            if side is None:
                fn = _SIZE.get(m.tick_type)
                if fn is not None:
                    fn(self, m)
                self.echo = math.nan
                return
            if side:
                snap.ask_size = m.size
            else:
                snap.bid_size = m.size
        else:
            if t is ClientGap:
                self.updates -= 1
                self.gap(m)
            self.echo = math.nan
            return
        # the top of book changed: a quote
        self.echo = math.nan
        bid, ask, bid_size, ask_size = snap.bid, snap.ask, snap.bid_size, snap.ask_size
        self.n_quotes += 1
        ring = self.quote_ring
        if ring is not None:
            ring.append_quote(bid, ask, bid_size, ask_size, now)
        if self.quote_consumers:
            if not self.queued:
                self.stream._queue(self)
            if self.tuples:
                self.fresh.append((QUOTE, self.symbol, bid, ask, bid_size, ask_size, now))
            else:
                self.fresh.append(Quote(self.symbol, bid, ask, bid_size, ask_size, now))

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
        if self.trade_consumers:
            if not self.queued:
                self.stream._queue(self)
            self.fresh_notional += price * size
            self.fresh_volume += size
            if self.tuples:
                self.fresh.append((TRADE, self.symbol, price, size, now))
            else:
                self.fresh.append(Trade(self.symbol, price, size, now))

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
        if self.depth_consumers:
            if not self.queued:
                self.stream._queue(self)
            if self.tuples:
                self.fresh.append((DEPTH, self.symbol, pos, op, side, price, size, mm, now))
            else:
                self.fresh.append(DepthUpdate(self.symbol, pos, op, side, price, size, mm, now))

    def _all(self, u: Any) -> None:
        """An update for every consumer (Gap, Ended)."""
        if not self.consumers:
            return
        if not self.queued:
            self.stream._queue(self)
        self.fresh.append(u)

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
            self._all((GAP, self.symbol, g.lost_ns, g.restored_ns, g.reason, now))
        else:
            self._all(Gap(self.symbol, g.lost_ns, g.restored_ns, g.reason, now))

    def ended(self, what: str, error: BaseException | None) -> None:
        """A client subscription of this symbol ended; with an error (TWS refused or stopped it),
        every consumer sees an ``Ended`` update and the error stays in ``errors``."""
        if error is None:
            return
        self.errors.append(error)
        # the receive time of the read that brought the error, like every update of that read
        client = self.client
        now = client.batch_ns if client.dispatching else time.monotonic_ns()
        code = getattr(error, "code", None)
        if self.tuples:
            self._all((ENDED, self.symbol, what, str(error), code, now))
        else:
            self._all(Ended(self.symbol, what, str(error), code, now))

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


# the compiled L1 update (``ibkr.fastpath``): the classes it writes, and the tables above as codes
_PRICE_CODES: dict[_PriceFn, int] = {_last: 2, _high: 3, _low: 4, _open: 5, _close: 6}
_SIZE_CODES: dict[_SizeFn, int] = {_last_size: 2, _volume: 3}
fastpath.bind_l1(
    TickPrice, TickSize, SymbolState, Snapshot, L1Ring, TRADE, QUOTE,
    {**_QUOTE_PRICE, **{t: _PRICE_CODES[fn] for t, fn in _PRICE.items()}},
    {**_QUOTE_SIZE, **{t: _SIZE_CODES[fn] for t, fn in _SIZE.items()}},
)  # fmt: skip
# _fastpath.c's Book.apply has these codes built in
if (INSERT, UPDATE, DELETE, BID) != (0, 1, 2, 1):  # pragma: no cover - a change to snapshot.py
    raise ImportError("ibkr._fastpath's depth codes differ from ibkr.stream.snapshot's")
fastpath.bind_depth(MarketDepth, MarketDepthL2, Book, Level, DepthRing, DEPTH)
