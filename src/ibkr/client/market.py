"""Live market data: L1 tickers, snapshots, tick-by-tick streams and market depth books.

* ``Ticker``: the L1 state of one subscription (REQ_MKT_DATA), updated in place. Every TICK_PRICE,
  TICK_SIZE, TICK_STRING and TICK_GENERIC lands in a slot through a per-tick-type table of slot
  setters (delayed types 66-76 / 88 / 90 share the live slots); a TICK_PRICE for bid, ask or last
  also sets the matching size. Unmapped tick types go to ``extra``.
* ``DepthBook``: bids and asks maintained from MARKET_DEPTH / MARKET_DEPTH_L2 insert, update and
  delete rows; emptied on error 317 (TWS resets the book) and after a reconnect.
* Tick-by-tick data is a plain ``Subscription`` of the typed TICK_BY_TICK messages.
* Ticks and depth rows whose request id is neither a Ticker's nor a book's go, raw, to the plain
  ``Subscription`` of that id, or straight to the function ``route_raw`` set for it (how
  ``ibkr.stream`` sees every update: one call per message, no subscription bookkeeping).
  ``read_hooks`` run at the end of every received batch (socket read), after the tickers and
  books were published: the data stream delivers there, in the socket callback.

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
from collections.abc import Callable
from typing import Any, ClassVar

from ibkr.client.base import ClientBase
from ibkr.client.contracts import ContractsMixin
from ibkr.client.requests import Gap, Subscription
from ibkr.client.tickers import (
    GENERIC_SLOTS,
    PRICE_SLOTS,
    SIZE_SLOTS,
    STRING_SLOTS,
    DepthBook,
    DepthLevel,
    LiveData,
    Ticker,
    quote_mid,
    quote_spread,
)
from ibkr.errors import ConfigError, RequestTimeout
from ibkr.metrics import TICK_TO_CALLBACK
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
        self._dirty: list[LiveData] = []
        self._md_type = 0
        self._tick_cb_hist = self.latency.histogram(TICK_TO_CALLBACK)
        #: request id -> where its raw ticks and depth rows go (``route_raw``)
        self._sinks: dict[int, Callable[[Any], None]] = {}
        #: called with no argument at the end of every received batch (``on_messages``)
        self.read_hooks: list[Callable[[], None]] = []
        #: True while a received batch is being dispatched (the read hooks will run after it)
        self.dispatching = False

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

    def route_raw(self, sub: Subscription[Any], fn: Callable[[Any], None], compiled: Any = None) -> None:
        """Send the raw ticks and depth rows of ``sub``'s request id to ``fn`` (in the socket
        callback), instead of through ``sub.push``: its callbacks and iterators then see only
        its ``Gap`` items, and neither ``sub.count`` nor ``sub.first`` sees the routed messages.
        The route ends when the subscription does.

        ``compiled``: a data stream's ``SymbolState`` whose ``on_l1`` or ``on_depth`` is ``fn``;
        the compiled dispatch loop (``ibkr.fastpath``) then applies the TICK_PRICE / TICK_SIZE or
        MARKET_DEPTH / MARKET_DEPTH_L2 of this id to it itself, with the same effects, and the
        other messages still go to ``fn``. Those message types then skip the client's handlers
        (``_handlers``)."""
        rid = sub.req_id
        self._sinks[rid] = fn
        if compiled is not None:
            self._compiled_sinks[rid] = compiled

        def unroute(exc: BaseException | None) -> None:
            self._sinks.pop(rid, None)
            self._compiled_sinks.pop(rid, None)

        sub.on_close.append(unroute)

    # --- plumbing -------------------------------------------------------------------------------

    def _attach(self, live: LiveData, sub: Subscription[Any]) -> None:
        live._sub = sub
        sub.add_callback(lambda item: self._on_gap(live, item) if isinstance(item, Gap) else None)

    def _detach(self, live: LiveData, error: BaseException | None = None) -> None:
        sub = live._sub
        if sub is not None:
            self.unsubscribe(sub)
        live._close(error)

    def _on_gap(self, live: LiveData, gap: Gap) -> None:
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

    def _publish(self, live: LiveData, batch_ns: int) -> None:
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
        self.dispatching = True
        try:
            super().on_messages(slot, msgs)
        finally:
            self.dispatching = False
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
        for hook in self.read_hooks:
            hook()

    async def on_session_up(self, slot: int, session: Session, first: bool) -> None:
        # TWS forgets the market data type with the connection; it must precede the resent requests
        if not first and slot == 0 and self._md_type:
            session.send(ReqMarketDataType(market_data_type=self._md_type), Priority.CONTROL)
        await super().on_session_up(slot, session, first)

    def _on_err_msg(self, slot: int, m: ErrMsg) -> None:
        super()._on_err_msg(slot, m)
        rid = m.id
        live: LiveData | None = self._tickers.get(rid) or self._books.get(rid)
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
        s = PRICE_SLOTS.get(m.tick_type)
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
        s = SIZE_SLOTS.get(m.tick_type)
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
        s = STRING_SLOTS.get(m.tick_type)
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
        s = GENERIC_SLOTS.get(m.tick_type)
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
        id, if any, or to its ``route_raw`` function."""
        sink = self._sinks.get(m.req_id)
        if sink is not None:
            sink(m)
            return
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
