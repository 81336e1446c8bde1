"""Live market data: L1 tickers, snapshots, tick-by-tick streams and market depth books.

* ``Ticker``: the L1 state of one subscription (REQ_MKT_DATA), updated in place. Every TICK_PRICE,
  TICK_SIZE, TICK_STRING and TICK_GENERIC lands in a slot through a per-tick-type table of slot
  setters (delayed types 66-76 / 88 / 90 share the live slots); a TICK_PRICE for bid, ask or last
  also sets the matching size. Unmapped tick types go to ``extra``.
* ``DepthBook``: bids and asks maintained from MARKET_DEPTH / MARKET_DEPTH_L2 insert, update and
  delete rows; emptied on error 317 (TWS resets the book) and after a reconnect.
* Tick-by-tick data is a plain ``Subscription`` of the typed TICK_BY_TICK messages.
* Ticks and depth rows whose request id is neither a Ticker's nor a book's go, raw, to the plain
  ``Subscription`` of that id (how ``ibkr.stream`` sees every update).

Tickers and books notify once per received batch, after every message of the batch is applied, so
callbacks and iterators always see a consistent state (bid and ask of the same batch together).
Callbacks (``ticker.on_update.append(cb)``, ``cb(ticker)``) run in the socket callback: keep them
short; an exception in one is reported as a ``callback_error`` event. ``async for t in ticker``
yields the ticker after changes, conflated: a slow consumer sees the latest state, never a backlog.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from ibkr.client.base import ClientBase
from ibkr.client.contracts import ContractsMixin
from ibkr.client.requests import Gap, Subscription
from ibkr.errors import ConfigError, IBKRError, RequestTimeout
from ibkr.metrics import TICK_TO_CALLBACK
from ibkr.protocol.ids import TickType
from ibkr.protocol.message import Message
from ibkr.protocol.messages.depth import CancelMktDepth, MarketDepth, MarketDepthL2, ReqMktDepth
from ibkr.protocol.messages.market_data import (
    CancelMktData,
    MarketDataType,
    ReqMarketDataType,
    ReqMktData,
    TickGeneric,
    TickPrice,
    TickReqParams,
    TickSize,
    TickSnapshotEnd,
    TickString,
)
from ibkr.protocol.messages.system import ErrMsg
from ibkr.protocol.messages.tick_by_tick import (
    CancelTickByTickData,
    ReqTickByTickData,
    TickByTick,
    TickByTickBidAsk,
    TickByTickLast,
    TickByTickMidPoint,
    TickByTickNone,
)
from ibkr.protocol.models import Contract
from ibkr.transport.pacing import Priority
from ibkr.transport.session import Received, Session

__all__ = [
    "quote_mid",
    "quote_spread",
    "Ticker",
    "DepthBook",
    "DepthLevel",
    "MarketDataMixin",
    "TICK_BY_TICK_TYPES",
    "MARKET_DATA_TYPES",
]

#: the ``tick_type`` strings of REQ_TICK_BY_TICK_DATA
TICK_BY_TICK_TYPES = frozenset({"Last", "AllLast", "BidAsk", "MidPoint"})
#: REQ_MARKET_DATA_TYPE values
MARKET_DATA_TYPES = {1: "live", 2: "frozen", 3: "delayed", 4: "delayed-frozen"}
#: TWS resets a depth book with this warning: empty it before applying new rows
_DEPTH_RESET = 317
#: TWS's price for "no bid / no ask / no last"
_NO_PRICE = -1.0


def quote_mid(bid: float | None, ask: float | None) -> float | None:
    """The mid of a two-sided quote; None while a side is missing (TWS sends -1 / 0 for none)."""
    if bid is None or ask is None or bid <= 0 or ask <= 0:
        return None
    return (bid + ask) / 2


def quote_spread(bid: float | None, ask: float | None) -> float | None:
    if bid is None or ask is None or bid <= 0 or ask <= 0:
        return None
    return ask - bid


class _Live:
    """What tickers and depth books share: callbacks, conflating iterators, closing and gaps."""

    __slots__ = ("_changed", "_dirty", "_sub", "active", "contract", "error", "gaps", "on_update", "req_id", "updates")

    def __init__(self, contract: Contract, req_id: int) -> None:
        self.contract = contract
        self.req_id = req_id
        #: ``cb(obj)`` after every batch that changed this object (in the socket callback)
        self.on_update: list[Callable[[Any], Any]] = []
        self.active = True
        self.error: BaseException | None = None
        #: number of batches applied so far
        self.updates = 0
        #: reconnects that may have hidden updates (the request was sent again)
        self.gaps = 0
        self._dirty = False
        self._changed: asyncio.Event | None = None
        self._sub: Subscription[Any] | None = None

    def _wake(self) -> None:
        if self._changed is not None:
            self._changed.set()

    def _close(self, error: BaseException | None = None) -> None:
        if self.active:
            self.active = False
            self.error = error
            self._wake()

    async def _next(self, seen: int) -> int:
        """Wait until ``updates`` passes ``seen`` (returns it) or the stream ends (returns -1)."""
        while self.updates <= seen:
            if not self.active:
                if isinstance(self.error, IBKRError):
                    raise self.error
                return -1
            if self._changed is None:
                self._changed = asyncio.Event()
            self._changed.clear()
            await self._changed.wait()
        return self.updates

    async def wait_update(self, timeout: float | None = None) -> Any:
        """The object after its next update (raises the stream's error if it ended with one,
        ``RequestTimeout`` after ``timeout`` seconds)."""
        try:
            async with asyncio.timeout(timeout):
                if await self._next(self.updates) < 0:
                    raise IBKRError(f"{type(self).__name__} {self.req_id} ended")
        except TimeoutError:
            raise RequestTimeout(f"no update of {type(self).__name__} {self.req_id} in {timeout}s") from None
        return self

    def _iterate(self) -> AsyncIterator[Any]:
        # counted from now (the call), not from the first ``__anext__``
        return self._updates_after(self.updates)

    async def _updates_after(self, seen: int) -> AsyncIterator[Any]:
        while True:
            seen = await self._next(seen)
            if seen < 0:
                return
            yield self


class Ticker(_Live):
    """L1 market data of one contract, updated in place. Prices are None until TWS sent one (and
    when TWS reports none: bid/ask/last -1). Sizes are floats (TWS market-data sizes)."""

    __slots__ = (
        "ask",
        "ask_exchange",
        "ask_size",
        "avg_volume",
        "bbo_exchange",
        "bid",
        "bid_exchange",
        "bid_size",
        "close",
        "extra",
        "halted",
        "high",
        "last",
        "last_exchange",
        "last_size",
        "last_timestamp",
        "low",
        "mark_price",
        "market_data_type",
        "min_tick",
        "open",
        "snapshot",
        "snapshot_permissions",
        "time",
        "updated_ns",
        "volume",
    )

    def __init__(self, contract: Contract, req_id: int, snapshot: bool = False) -> None:
        super().__init__(contract, req_id)
        self.snapshot = snapshot
        self.bid: float | None = None
        self.ask: float | None = None
        self.last: float | None = None
        self.bid_size: float | None = None
        self.ask_size: float | None = None
        self.last_size: float | None = None
        self.volume: float | None = None
        self.avg_volume: float | None = None
        self.high: float | None = None
        self.low: float | None = None
        self.close: float | None = None
        self.open: float | None = None
        self.mark_price: float | None = None
        #: TICK_GENERIC HALTED: 0 trading, 1 halted, 2 volatility halt (None: not reported)
        self.halted: int | None = None
        #: epoch seconds of the last trade (TICK_STRING LAST_TIMESTAMP)
        self.last_timestamp: int | None = None
        self.bid_exchange = ""
        self.ask_exchange = ""
        self.last_exchange = ""
        #: 1 live, 2 frozen, 3 delayed, 4 delayed-frozen (MARKET_DATA_TYPE); 0 until TWS says
        self.market_data_type = 0
        self.min_tick: float | None = None
        self.bbo_exchange = ""
        self.snapshot_permissions = 0
        #: tick type -> value for the ticks without a slot of their own
        self.extra: dict[int, float | str] = {}
        #: monotonic ns of the batch that last changed the ticker, and its wall-clock time
        self.updated_ns = 0
        self.time = 0.0

    @property
    def mid(self) -> float | None:
        return quote_mid(self.bid, self.ask)

    @property
    def spread(self) -> float | None:
        return quote_spread(self.bid, self.ask)

    @property
    def market_price(self) -> float | None:
        """The last price when there is one, else the mid."""
        return self.last if self.last is not None and self.last > 0 else self.mid

    async def wait_done(self, timeout: float | None = None) -> Ticker:
        """Until the stream ended (a snapshot completed, or cancelled); raises its error."""
        try:
            async with asyncio.timeout(timeout):
                seen = self.updates
                while seen >= 0:
                    seen = await self._next(seen)
        except TimeoutError:
            raise RequestTimeout(f"ticker {self.req_id} did not complete in {timeout}s") from None
        return self

    def __aiter__(self) -> AsyncIterator[Ticker]:
        return self._iterate()

    def __repr__(self) -> str:
        return (
            f"Ticker({self.contract.symbol} bid={self.bid_size}@{self.bid} ask={self.ask_size}@{self.ask} "
            f"last={self.last_size}@{self.last} volume={self.volume})"
        )


_Setter = Callable[[Ticker, Any], None]


def _setter(name: str) -> _Setter:
    setter: _Setter = getattr(Ticker, name).__set__
    return setter


#: TICK_PRICE tick type -> (price slot, size slot of the size carried along, or None)
_PRICE: dict[int, tuple[_Setter, _Setter | None]] = {
    int(t): (_setter(price), _setter(size) if size else None)
    for t, price, size in (
        (TickType.BID, "bid", "bid_size"),
        (TickType.ASK, "ask", "ask_size"),
        (TickType.LAST, "last", "last_size"),
        (TickType.HIGH, "high", ""),
        (TickType.LOW, "low", ""),
        (TickType.CLOSE, "close", ""),
        (TickType.OPEN, "open", ""),
        (TickType.MARK_PRICE, "mark_price", ""),
        (TickType.DELAYED_BID, "bid", "bid_size"),
        (TickType.DELAYED_ASK, "ask", "ask_size"),
        (TickType.DELAYED_LAST, "last", "last_size"),
        (TickType.DELAYED_HIGH, "high", ""),
        (TickType.DELAYED_LOW, "low", ""),
        (TickType.DELAYED_CLOSE, "close", ""),
        (TickType.DELAYED_OPEN, "open", ""),
    )
}
#: TICK_SIZE tick type -> slot
_SIZE: dict[int, _Setter] = {
    int(t): _setter(name)
    for t, name in (
        (TickType.BID_SIZE, "bid_size"),
        (TickType.ASK_SIZE, "ask_size"),
        (TickType.LAST_SIZE, "last_size"),
        (TickType.VOLUME, "volume"),
        (TickType.AVG_VOLUME, "avg_volume"),
        (TickType.DELAYED_BID_SIZE, "bid_size"),
        (TickType.DELAYED_ASK_SIZE, "ask_size"),
        (TickType.DELAYED_LAST_SIZE, "last_size"),
        (TickType.DELAYED_VOLUME, "volume"),
    )
}
#: TICK_STRING tick type -> (slot, conversion of the text)
_STRING: dict[int, tuple[_Setter, Callable[[str], Any]]] = {
    TickType.LAST_TIMESTAMP: (_setter("last_timestamp"), int),
    TickType.DELAYED_LAST_TIMESTAMP: (_setter("last_timestamp"), int),
    TickType.BID_EXCH: (_setter("bid_exchange"), str),
    TickType.ASK_EXCH: (_setter("ask_exchange"), str),
    TickType.LAST_EXCH: (_setter("last_exchange"), str),
}
#: TICK_GENERIC tick type -> (slot, conversion)
_GENERIC: dict[int, tuple[_Setter, Callable[[float], Any]]] = {
    TickType.HALTED: (_setter("halted"), int),
    TickType.DELAYED_HALTED: (_setter("halted"), int),
}


@dataclass(slots=True)
class DepthLevel:
    """One row of a depth book. ``market_maker`` is the venue or market maker (L2 rows only)."""

    price: float
    size: float
    market_maker: str = ""


class DepthBook(_Live):
    """A market depth book: ``bids`` (best first) and ``asks`` (best first), kept from the rows TWS
    sends. Rows address positions: insert shifts the rows below down, delete shifts them up."""

    __slots__ = ("asks", "bids", "num_rows", "resets", "smart", "updated_ns")

    def __init__(self, contract: Contract, req_id: int, num_rows: int, smart: bool) -> None:
        super().__init__(contract, req_id)
        self.num_rows = num_rows
        self.smart = smart
        self.bids: list[DepthLevel] = []
        self.asks: list[DepthLevel] = []
        #: times the book was emptied (error 317, reconnects)
        self.resets = 0
        self.updated_ns = 0

    def apply(self, position: int, operation: int, side: int, price: float, size: float | None, mm: str = "") -> None:
        """One MARKET_DEPTH row: ``operation`` 0 insert, 1 update, 2 delete; ``side`` 0 ask, 1 bid.
        A row past the end of the book is appended (insert / update) or ignored (delete)."""
        rows = self.bids if side == 1 else self.asks
        n = len(rows)
        if operation == 1:
            if position < n:
                level = rows[position]
                level.price = price
                level.size = size or 0.0
                level.market_maker = mm
            else:
                rows.append(DepthLevel(price, size or 0.0, mm))
        elif operation == 0:
            rows.insert(position, DepthLevel(price, size or 0.0, mm))
            if len(rows) > self.num_rows > 0:
                rows.pop()
        elif operation == 2 and position < n:
            del rows[position]

    def reset(self) -> None:
        self.bids.clear()
        self.asks.clear()
        self.resets += 1

    @property
    def best_bid(self) -> DepthLevel | None:
        return self.bids[0] if self.bids else None

    @property
    def best_ask(self) -> DepthLevel | None:
        return self.asks[0] if self.asks else None

    def __aiter__(self) -> AsyncIterator[DepthBook]:
        return self._iterate()

    def __repr__(self) -> str:
        return f"DepthBook({self.contract.symbol} bids={len(self.bids)} asks={len(self.asks)})"


class MarketDataMixin(ContractsMixin, ClientBase):
    HANDLERS: ClassVar[dict[type[Message], str]] = {
        TickPrice: "_on_tick_price",
        TickSize: "_on_tick_size",
        TickString: "_on_tick_string",
        TickGeneric: "_on_tick_generic",
        TickReqParams: "_on_tick_req_params",
        TickSnapshotEnd: "_on_tick_snapshot_end",
        MarketDataType: "_on_market_data_type",
        MarketDepth: "_on_market_depth",
        MarketDepthL2: "_on_market_depth_l2",
        # the decoder returns the subclass for the tick type; dispatch is by exact class
        TickByTickLast: "_on_tick_by_tick",
        TickByTickBidAsk: "_on_tick_by_tick",
        TickByTickMidPoint: "_on_tick_by_tick",
        TickByTickNone: "_on_tick_by_tick",
    }

    def _market_init(self) -> None:
        self._tickers: dict[int, Ticker] = {}
        self._books: dict[int, DepthBook] = {}
        self._dirty: list[_Live] = []
        self._md_type = 0
        self._tick_cb_hist = self.latency.histogram(TICK_TO_CALLBACK)

    # --- public API ---------------------------------------------------------------------------

    @property
    def tickers(self) -> list[Ticker]:
        return list(self._tickers.values())

    def market_data_type(self, market_data_type: int) -> None:
        """REQ_MARKET_DATA_TYPE: 1 live, 2 frozen, 3 delayed, 4 delayed-frozen. Applies to the
        subscriptions made afterwards and is sent again after a reconnect."""
        if market_data_type not in MARKET_DATA_TYPES:
            raise ConfigError(f"market data type {market_data_type!r} must be 1, 2, 3 or 4")
        self._md_type = market_data_type
        self._send(ReqMarketDataType(market_data_type=market_data_type), slot=0)

    async def subscribe_market_data(
        self,
        contract: Contract,
        generic_ticks: str = "",
        *,
        snapshot: bool = False,
        regulatory: bool = False,
        timeout: float | None = None,
    ) -> Ticker:
        """Stream L1 data of ``contract`` (qualified first: an unknown one raises
        ``ContractNotFound``). Returns the ``Ticker`` at once; it fills as ticks arrive. Errors
        for the request (e.g. 354 not subscribed) end it: ``ticker.error``, and iterators raise."""
        qualified = await self.qualify_contract(contract, timeout)
        sub = self._subscribe(
            "market data",
            lambda rid: ReqMktData(
                req_id=rid,
                contract=qualified,
                generic_tick_list=generic_ticks,
                snapshot=snapshot,
                regulatory_snapshot=regulatory,
            ),
            lambda rid: CancelMktData(req_id=rid),
        )
        ticker = Ticker(qualified, sub.req_id, snapshot)
        self._attach(ticker, sub)
        self._tickers[sub.req_id] = ticker
        return ticker

    async def snapshot(
        self, contract: Contract, generic_ticks: str = "", *, regulatory: bool = False, timeout: float | None = None
    ) -> Ticker:
        """One snapshot of ``contract`` (REQ_MKT_DATA snapshot=1, until TICK_SNAPSHOT_END)."""
        ticker = await self.subscribe_market_data(
            contract, generic_ticks, snapshot=True, regulatory=regulatory, timeout=timeout
        )
        limit = self._timeout(timeout)
        try:
            await ticker.wait_done(limit)
        except RequestTimeout:
            self.cancel_market_data(ticker)
            raise
        return ticker

    def cancel_market_data(self, ticker: Ticker) -> None:
        """Stop the ticker's subscription (CANCEL_MKT_DATA); its iterators end."""
        self._tickers.pop(ticker.req_id, None)
        self._detach(ticker)

    async def tick_by_tick(
        self,
        contract: Contract,
        tick_type: str = "Last",
        *,
        number_of_ticks: int = 0,
        ignore_size: bool = False,
        timeout: float | None = None,
    ) -> Subscription[Any]:
        """Tick-by-tick data: a ``Subscription`` of ``TickByTickLast`` ("Last", "AllLast"),
        ``TickByTickBidAsk`` ("BidAsk") or ``TickByTickMidPoint`` ("MidPoint") messages.
        ``number_of_ticks`` > 0 first replays that many historical ticks. Stop it with
        ``client.unsubscribe(sub)``."""
        if tick_type not in TICK_BY_TICK_TYPES:
            raise ConfigError(f"tick type {tick_type!r} must be one of {sorted(TICK_BY_TICK_TYPES)}")
        qualified = await self.qualify_contract(contract, timeout)
        return self._subscribe(
            f"tick-by-tick {tick_type}",
            lambda rid: ReqTickByTickData(
                req_id=rid,
                contract=qualified,
                tick_type=tick_type,
                number_of_ticks=number_of_ticks,
                ignore_size=ignore_size,
            ),
            lambda rid: CancelTickByTickData(req_id=rid),
        )

    async def market_depth(
        self, contract: Contract, rows: int = 10, smart: bool = False, *, timeout: float | None = None
    ) -> DepthBook:
        """A depth book of ``rows`` levels a side (``smart``: the SMART aggregated book)."""
        if rows <= 0:
            raise ConfigError(f"depth rows {rows} must be positive")
        qualified = await self.qualify_contract(contract, timeout)
        sub = self._subscribe(
            "market depth",
            lambda rid: ReqMktDepth(req_id=rid, contract=qualified, num_rows=rows, is_smart_depth=smart),
            lambda rid: CancelMktDepth(req_id=rid, is_smart_depth=smart),
        )
        book = DepthBook(qualified, sub.req_id, rows, smart)
        self._attach(book, sub)
        self._books[sub.req_id] = book
        return book

    def cancel_market_depth(self, book: DepthBook) -> None:
        self._books.pop(book.req_id, None)
        self._detach(book)

    # --- plumbing -------------------------------------------------------------------------------

    def _attach(self, live: _Live, sub: Subscription[Any]) -> None:
        live._sub = sub
        sub.add_callback(lambda item: self._on_gap(live, item) if isinstance(item, Gap) else None)

    def _detach(self, live: _Live, error: BaseException | None = None) -> None:
        sub = live._sub
        if sub is not None:
            self.unsubscribe(sub)
        live._close(error)

    def _on_gap(self, live: _Live, gap: Gap) -> None:
        live.gaps += 1
        if isinstance(live, DepthBook):
            live.reset()  # TWS sends the whole book again
        self._publish(live, time.monotonic_ns())

    def _reference_price(self, contract: Contract) -> float | None:
        """The last price (else the mid) of a live ticker on the contract, for price bands."""
        for t in self._tickers.values():
            if t.contract.con_id == contract.con_id and contract.con_id:
                p = t.market_price
                if p is not None:
                    return p
        return None

    def _publish(self, live: _Live, batch_ns: int) -> None:
        live.updates += 1
        if isinstance(live, Ticker | DepthBook):
            live.updated_ns = batch_ns
        if live._changed is not None:
            live._changed.set()
        if live.on_update:
            hist = self._tick_cb_hist
            for cb in list(live.on_update):
                hist.record(time.monotonic_ns() - batch_ns)
                try:
                    result = cb(live)
                    if asyncio.iscoroutine(result):
                        self.spawn(result)
                except Exception as exc:  # noqa: BLE001 - a user callback must not break dispatch
                    self.events.emit("callback_error", exc)

    def on_messages(self, slot: int, msgs: Received) -> None:
        super().on_messages(slot, msgs)
        dirty = self._dirty
        if dirty:
            self._dirty = []
            batch_ns = self.batch_ns
            wall = time.time()
            for live in dirty:
                live._dirty = False
                if isinstance(live, Ticker):
                    live.time = wall
                self._publish(live, batch_ns)

    async def on_session_up(self, slot: int, session: Session, first: bool) -> None:
        # TWS forgets the market data type with the connection; it must precede the resent requests
        if not first and slot == 0 and self._md_type:
            session.send(ReqMarketDataType(market_data_type=self._md_type), Priority.CONTROL)
        await super().on_session_up(slot, session, first)

    def _on_err_msg(self, slot: int, m: ErrMsg) -> None:
        super()._on_err_msg(slot, m)
        rid = m.id
        live: _Live | None = self._tickers.get(rid) or self._books.get(rid)
        if live is None:
            return
        if m.error_code == _DEPTH_RESET and isinstance(live, DepthBook):
            live.reset()
            self._publish(live, self.batch_ns)
        elif live._sub is not None and not live._sub.active:
            # the base closed the subscription with the typed exception
            self._tickers.pop(rid, None)
            self._books.pop(rid, None)
            live._close(live._sub.error)

    async def aclose(self) -> None:
        for live in [*self._tickers.values(), *self._books.values()]:
            live._close()
        self._tickers.clear()
        self._books.clear()
        await super().aclose()

    # --- hot path: one dict lookup, one table lookup, slot stores -------------------------------

    def _on_tick_price(self, slot: int, m: TickPrice) -> None:
        t = self._tickers.get(m.req_id)
        if t is None:
            self._raw(m)
            return
        s = _PRICE.get(m.tick_type)
        if s is None:
            t.extra[m.tick_type] = m.price
        else:
            price = m.price
            s[0](t, None if price == _NO_PRICE else price)
            size_set = s[1]
            if size_set is not None and m.size is not None:
                size_set(t, m.size)
        if not t._dirty:
            t._dirty = True
            self._dirty.append(t)

    def _on_tick_size(self, slot: int, m: TickSize) -> None:
        t = self._tickers.get(m.req_id)
        if t is None:
            self._raw(m)
            return
        s = _SIZE.get(m.tick_type)
        if s is None:
            if m.size is not None:
                t.extra[m.tick_type] = m.size
        else:
            s(t, m.size)
        if not t._dirty:
            t._dirty = True
            self._dirty.append(t)

    def _on_tick_string(self, slot: int, m: TickString) -> None:
        t = self._tickers.get(m.req_id)
        if t is None:
            self._raw(m)
            return
        s = _STRING.get(m.tick_type)
        try:
            if s is None:
                raise ValueError
            s[0](t, s[1](m.value))
        except ValueError:
            t.extra[m.tick_type] = m.value
        if not t._dirty:
            t._dirty = True
            self._dirty.append(t)

    def _on_tick_generic(self, slot: int, m: TickGeneric) -> None:
        t = self._tickers.get(m.req_id)
        if t is None:
            self._raw(m)
            return
        s = _GENERIC.get(m.tick_type)
        try:
            if s is None:
                raise ValueError
            s[0](t, s[1](m.value))
        except (ValueError, OverflowError):
            t.extra[m.tick_type] = m.value
        if not t._dirty:
            t._dirty = True
            self._dirty.append(t)

    def _raw(self, m: TickPrice | TickSize | TickString | TickGeneric | MarketDepth | MarketDepthL2) -> None:
        """A tick or depth row of no Ticker / DepthBook: to the plain subscription of its request
        id, if any (``ibkr.stream`` subscribes that way to see every raw update)."""
        sub = self._subs.get(m.req_id)
        if sub is not None:
            sub.push(m)

    def _on_tick_req_params(self, slot: int, m: TickReqParams) -> None:
        t = self._tickers.get(m.req_id)
        if t is not None:
            t.min_tick = m.min_tick
            t.bbo_exchange = m.bbo_exchange
            t.snapshot_permissions = m.snapshot_permissions

    def _on_market_data_type(self, slot: int, m: MarketDataType) -> None:
        t = self._tickers.get(m.req_id)
        if t is not None:
            t.market_data_type = m.market_data_type
            if not t._dirty:
                t._dirty = True
                self._dirty.append(t)

    def _on_tick_snapshot_end(self, slot: int, m: TickSnapshotEnd) -> None:
        t = self._tickers.pop(m.req_id, None)
        if t is None:
            return
        sub = t._sub
        if sub is not None:
            sub.cancel_message = None  # TWS ended it: nothing to cancel
            self.unsubscribe(sub)
        if t._dirty:
            t._dirty = False
            with contextlib.suppress(ValueError):
                self._dirty.remove(t)
            self._publish(t, self.batch_ns)
        t._close()

    def _on_market_depth(self, slot: int, m: MarketDepth) -> None:
        b = self._books.get(m.req_id)
        if b is None:
            self._raw(m)
            return
        b.apply(m.position, m.operation, m.side, m.price, m.size)
        if not b._dirty:
            b._dirty = True
            self._dirty.append(b)

    def _on_market_depth_l2(self, slot: int, m: MarketDepthL2) -> None:
        b = self._books.get(m.req_id)
        if b is None:
            self._raw(m)
            return
        b.apply(m.position, m.operation, m.side, m.price, m.size, m.market_maker)
        if not b._dirty:
            b._dirty = True
            self._dirty.append(b)

    def _on_tick_by_tick(self, slot: int, m: TickByTick) -> None:
        self._item(m.req_id, m)
