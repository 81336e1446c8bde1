"""``IBKRDataStream``: high-rate market data on top of ``IBKRClient`` (the seed's API).

Per symbol, one REQ_MKT_DATA (trades and quotes) and / or one REQ_MKT_DEPTH (depth) go through
the client's ``_subscribe``, which puts each on the least-loaded connection of the gateway pool,
sends it again after a reconnect or failover, and pushes a ``Gap`` marker (delivered to every
consumer as a ``Gap`` update). The client routes the raw messages of those request ids straight
to a ``SymbolState`` (snapshot, book, rings, the updates since the last delivery step) in the
socket callback. Delivery happens in the socket callback too, once the client has dispatched the
messages concerned: at the end of each read (the client's read hook), and within a long read as
soon as ``FLUSH_SYMBOLS`` symbols have updates and another symbol's first update arrives (so the
first symbols of a read do not wait for its last message). Outside a read (a reconnect's
``Gap``), one ``call_soon`` step delivers; one timer covers the earliest batch not yet due.
See docs/stream.md.

``use_native_parsing``: decoding is the client's (the compiled decoder of ``ibkr.protocol.native``
wherever it is built, the Python fast decoders otherwise; the stream does not switch it). True
makes the stream's own path lighter: updates are plain tuples ``(kind, symbol, *fields)`` instead
of dataclass instances (``events()`` still yields typed events; ``ibkr.stream.typed`` converts
one). False delivers the typed dataclasses.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable, Iterable
from operator import attrgetter, itemgetter
from typing import Any

from ibkr.client import IBKRClient, Stock
from ibkr.config import StreamConfig
from ibkr.errors import ConfigError
from ibkr.metrics import LatencyHistogram
from ibkr.protocol.messages.depth import CancelMktDepth, ReqMktDepth
from ibkr.protocol.messages.market_data import CancelMktData, ReqMktData
from ibkr.protocol.models import Contract
from ibkr.stream.aggregate import Filter
from ibkr.stream.consumer import Callback, StreamSubscription
from ibkr.stream.events import BAR, Bar, DataType, DepthUpdate, Quote, Trade, typed
from ibkr.stream.ring import DepthRing, L1Ring, QuoteHistory, TradeHistory
from ibkr.stream.snapshot import Snapshot
from ibkr.stream.stats import BufferUse, RateMeter, StreamStatistics, SubscriptionStatistics, SymbolStatistics
from ibkr.stream.symbol import SymbolState

__all__ = ["IBKRDataStream"]

log = logging.getLogger("ibkr.stream")

#: in a long read, once this many symbols have fresh updates, the next symbol's first update
#: delivers theirs (the first updates of a read do not wait for its last)
FLUSH_SYMBOLS = 4

_L1_TYPES = frozenset({DataType.TRADES, DataType.QUOTES})


def _use(ring: TradeHistory | QuoteHistory | DepthRing) -> BufferUse:
    return BufferUse(len(ring), ring.capacity, ring.total)


def _data_types(data_types: Iterable[DataType | str]) -> frozenset[DataType]:
    try:
        out = frozenset(d if isinstance(d, DataType) else DataType(d) for d in data_types)
    except ValueError as exc:
        raise ConfigError(f"unknown data type: {exc}") from None
    if not out:
        raise ConfigError("data_types is empty: pass at least one of DataType.TRADES, QUOTES, DEPTH")
    return out


class IBKRDataStream:
    """Market data of many symbols with buffers, batching, conflation, snapshots and statistics."""

    def __init__(self, client: IBKRClient, config: StreamConfig | None = None) -> None:
        self.client = client
        self.config = config = config or StreamConfig()
        #: use_native_parsing: updates as tuples (the light path) instead of dataclasses
        self.tuples = config.use_native_parsing
        self._kind_of: Callable[[Any], str] = itemgetter(0) if self.tuples else attrgetter("kind")
        self._recv_of: Callable[[Any], int] = itemgetter(-1) if self.tuples else attrgetter("recv_ns")
        self._symbols: dict[str, SymbolState] = {}
        #: symbols with updates since the last delivery step; subscriptions with updates not due
        self._fresh: list[SymbolState] = []
        self._dirty: list[StreamSubscription] = []
        self._scheduled = False
        self._timer: asyncio.TimerHandle | None = None
        self._timer_ns = 0
        self._tasks: set[asyncio.Task[None]] = set()
        self._closed = False
        #: wall-clock ns minus monotonic ns (turns receive times into epoch times for bars)
        self.wall_offset_ns = time.time_ns() - time.monotonic_ns()
        self.latency = LatencyHistogram()
        self._started_ns = time.monotonic_ns()
        self._meter = RateMeter(self._started_ns)
        self._meters: dict[str, RateMeter] = {}
        self.batches = 0
        self.delivered = 0
        self.max_batch = 0
        self.callback_errors = 0
        client.read_hooks.append(self._end_of_read)

    # --- subscribing ---------------------------------------------------------------------------

    async def subscribe(
        self,
        symbol: str | Contract,
        data_types: Iterable[DataType | str] = (DataType.TRADES, DataType.QUOTES),
        callback: Callback | None = None,
        *,
        min_size: float | None = None,
        price_band: tuple[float, float] | None = None,
        bar_interval: float | None = None,
        overflow_policy: str | None = None,
        max_pending: int | None = None,
        snapshots: bool = True,
        depth_rows: int = 10,
        timeout: float | None = None,
    ) -> StreamSubscription:
        """Stream ``symbol`` (a stock symbol, or any ``Contract``) to ``callback`` (sync or async).

        The callback gets ``{'type': 'tick', 'symbol': s, 'updates': [...]}`` batches, each
        followed by ``{'type': 'snapshot', 'symbol': s, 'snapshot': Snapshot}`` unless
        ``snapshots=False``. Without a callback the symbol's snapshot, book and buffers are kept
        (``get_snapshot``, ``history``) and ``events()`` can read it. Filters (``min_size``,
        ``price_band``), bars (``bar_interval`` seconds, needs TRADES), the overflow policy and
        ``max_pending`` (defaults: the config's) apply to this subscription only. Raises ``ContractNotFound`` for
        an unknown symbol and ``ConfigError`` for bad arguments.
        """
        return await self._attach(
            symbol, data_types, callback, min_size, price_band, bar_interval, overflow_policy, max_pending, snapshots,
            depth_rows, timeout,
        )  # fmt: skip

    async def _attach(
        self,
        symbol: str | Contract,
        data_types: Iterable[DataType | str],
        callback: Callback | None,
        min_size: float | None = None,
        price_band: tuple[float, float] | None = None,
        bar_interval: float | None = None,
        overflow_policy: str | None = None,
        max_pending: int | None = None,
        snapshots: bool = True,
        depth_rows: int = 10,
        timeout: float | None = None,
    ) -> StreamSubscription:
        if self._closed:
            raise ConfigError("the data stream is closed")
        kinds = _data_types(data_types)
        flt = Filter(min_size, price_band)
        policy = overflow_policy or self.config.overflow_policy
        if policy not in ("drop_oldest", "conflate"):
            raise ConfigError(f"overflow_policy must be 'drop_oldest' or 'conflate', got {policy!r}")
        if bar_interval is not None and DataType.TRADES not in kinds:
            raise ConfigError("bars are built from trades: bar_interval needs DataType.TRADES")
        pending = self.config.max_pending if max_pending is None else max_pending
        if pending < 1:
            raise ConfigError(f"max_pending must be >= 1, got {pending}")
        if depth_rows < 1:
            raise ConfigError(f"depth_rows must be >= 1, got {depth_rows}")
        if callback is not None and not callable(callback):
            raise ConfigError("callback must be callable")
        state = await self._state(symbol, depth_rows, timeout)
        self._open(state, kinds)
        sub = StreamSubscription(
            self,
            state,
            kinds,
            callback,
            flt=flt,
            bar_interval=bar_interval,
            overflow_policy=policy,
            max_pending=pending,
            snapshots=snapshots,
        )
        state.consumers.append(sub)
        state.refresh()
        return sub

    async def _key(self, symbol: str | Contract, timeout: float | None) -> tuple[str, Contract | None]:
        """The stream's key of ``symbol`` (a stock symbol as given; a contract's local symbol, or
        symbol, once qualified) and the contract to qualify (None: qualified already)."""
        if isinstance(symbol, Contract):
            qualified = await self.client.qualify_contract(symbol, timeout)  # cached by the client
            return qualified.local_symbol or qualified.symbol or str(qualified.con_id), qualified
        if isinstance(symbol, str) and symbol.strip():
            return symbol.strip(), None
        raise ConfigError(f"symbol must be a non-empty string or a Contract, got {symbol!r}")

    async def _state(self, symbol: str | Contract, depth_rows: int, timeout: float | None) -> SymbolState:
        key, qualified = await self._key(symbol, timeout)
        state = self._symbols.get(key)
        if state is None:
            if qualified is None:
                qualified = await self.client.qualify_contract(Stock(key), timeout)  # ContractNotFound
            state = self._symbols.get(key)  # another subscribe may have won the race
            if state is None:
                state = self._symbols[key] = SymbolState(self, key, qualified, depth_rows)
                self._meters[key] = RateMeter(time.monotonic_ns())
        return state

    def _open(self, state: SymbolState, kinds: frozenset[DataType]) -> None:
        """Start the client subscriptions and rings the symbol lacks for ``kinds``."""
        size = self.config.buffer_size
        client, contract = self.client, state.contract
        if kinds & _L1_TYPES and "l1" not in state.client_subs:
            sub = client._subscribe(
                "stream market data",
                lambda rid: ReqMktData(req_id=rid, contract=contract),
                lambda rid: CancelMktData(req_id=rid),
            )
            # ticks: straight to the state (with tuple updates, applied by the compiled dispatch)
            client.route_raw(sub, state.on_l1, state if self.tuples else None)
            sub.add_callback(state.on_l1)  # what still comes through the subscription: its Gap items
            sub.on_close.append(lambda exc: state.ended("l1", exc))
            state.client_subs["l1"] = sub
        if DataType.DEPTH in kinds and "depth" not in state.client_subs:
            rows = state.book.rows
            sub = client._subscribe(
                "stream market depth",
                lambda rid: ReqMktDepth(req_id=rid, contract=contract, num_rows=rows),
                lambda rid: CancelMktDepth(req_id=rid),
            )
            # depth rows: the same (applied by the compiled dispatch with tuple updates)
            client.route_raw(sub, state.on_depth, state if self.tuples else None)
            sub.add_callback(state.on_depth)
            sub.on_close.append(lambda exc: state.ended("depth", exc))
            state.client_subs["depth"] = sub
        if kinds & _L1_TYPES and state.l1_ring is None:
            state.l1_ring = L1Ring(size, state.symbol)
        if DataType.TRADES in kinds:
            state.trade_ring = state.l1_ring
        if DataType.QUOTES in kinds:
            state.quote_ring = state.l1_ring
        if DataType.DEPTH in kinds and state.depth_ring is None:
            state.depth_ring = DepthRing(size, state.symbol)

    async def unsubscribe(self, target: str | StreamSubscription) -> None:
        """Stop a symbol (every subscription of it, its client subscriptions, its state), or one
        ``StreamSubscription`` (the symbol's feed and state stay)."""
        if isinstance(target, StreamSubscription):
            target.close()
            state = target.state
            if target in state.consumers:
                state.consumers.remove(target)
                state.refresh()
            return
        gone = self._symbols.pop(target, None)
        if gone is None:
            raise ConfigError(f"{target!r} is not subscribed")
        state = gone
        self._meters.pop(target, None)
        for c in state.consumers:
            c.close()
        state.consumers.clear()
        state.refresh()
        for sub in state.client_subs.values():
            self.client.unsubscribe(sub)
        state.client_subs.clear()

    async def events(
        self,
        symbol: str | Contract,
        data_types: Iterable[DataType | str] | None = None,
        *,
        min_size: float | None = None,
        price_band: tuple[float, float] | None = None,
        bar_interval: float | None = None,
        overflow_policy: str | None = None,
        max_pending: int | None = None,
    ) -> AsyncIterator[Trade | Quote | DepthUpdate | Any]:
        """Typed events of ``symbol`` (``Trade``, ``Quote``, ``DepthUpdate``, ``BookState`` under
        conflation, ``Bar``, ``Gap``), in order, batched and conflated like callbacks. Subscribes
        the symbol if needed (``data_types`` default: all three, or the symbol's if subscribed)."""
        if data_types is None:
            state = self._symbols.get((await self._key(symbol, None))[0])
            if state is None:
                data_types = list(DataType)
            else:
                has = state.client_subs
                data_types = [d for d in DataType if ("depth" if d is DataType.DEPTH else "l1") in has]
        sub = await self._attach(
            symbol, data_types, None, min_size, price_band, bar_interval, overflow_policy, max_pending, False
        )
        event = sub.event
        assert event is not None
        try:
            while True:
                now = time.monotonic_ns()
                batch = sub.pending.take(now)
                if batch is None:
                    if sub.closed or self._closed:
                        return
                    event.clear()
                    await event.wait()
                    continue
                sub.account(batch, now)
                for u in batch:
                    yield typed(u)
        finally:
            if not sub.closed:
                await self.unsubscribe(sub)

    # --- reading -------------------------------------------------------------------------------

    def _get(self, symbol: str) -> SymbolState:
        state = self._symbols.get(symbol)
        if state is None:
            raise ConfigError(f"{symbol!r} is not subscribed")
        return state

    def get_snapshot(self, symbol: str) -> Snapshot:
        """A detached copy of the symbol's current state (depth levels included with DEPTH)."""
        return self._get(symbol).snapshot()

    def history(
        self, symbol: str, data_type: DataType | str = DataType.TRADES
    ) -> TradeHistory | QuoteHistory | DepthRing:
        """Recent ``data_type`` updates of ``symbol``: ``last(n)``, ``since(t_ns)``. Trades and
        quotes share one ring of ``buffer_size`` rows per symbol (the newest L1 updates of
        either kind); depth rows have their own."""
        state = self._get(symbol)
        try:
            kind = data_type if isinstance(data_type, DataType) else DataType(data_type)
        except ValueError:
            raise ConfigError(f"unknown data type {data_type!r}") from None
        if kind is DataType.TRADES and state.trade_ring is not None:
            return TradeHistory(state.trade_ring)
        if kind is DataType.QUOTES and state.quote_ring is not None:
            return QuoteHistory(state.quote_ring)
        if kind is DataType.DEPTH and state.depth_ring is not None:
            return state.depth_ring
        raise ConfigError(f"{symbol!r} has no {kind.value} subscription")

    @property
    def symbols(self) -> list[str]:
        return list(self._symbols)

    def subscriptions(self, symbol: str) -> list[StreamSubscription]:
        return list(self._get(symbol).consumers)

    def get_statistics(self) -> StreamStatistics:
        now = time.monotonic_ns()
        symbols: dict[str, SymbolStatistics] = {}
        subs: list[SubscriptionStatistics] = []
        total = 0
        for key, s in self._symbols.items():
            total += s.updates
            buffers = {}
            if s.l1_ring is not None:
                buffers["l1"] = BufferUse(len(s.l1_ring), s.l1_ring.capacity, s.l1_ring.total)
            if s.trade_ring is not None:
                buffers["trades"] = _use(TradeHistory(s.trade_ring))
            if s.quote_ring is not None:
                buffers["quotes"] = _use(QuoteHistory(s.quote_ring))
            if s.depth_ring is not None:
                buffers["depth"] = _use(s.depth_ring)
            symbols[key] = SymbolStatistics(
                symbol=key,
                updates=s.updates,
                ticks_per_second=self._meters[key].roll(s.updates, now),
                trades=s.n_trades,
                quotes=s.n_quotes,
                depth_updates=s.n_depth,
                gaps=s.gaps,
                buffers=buffers,
                slots=tuple(sorted({sub.slot for sub in s.client_subs.values()})),
            )
            subs.extend(c.statistics() for c in s.consumers)
        return StreamStatistics(
            updates=total,
            ticks_per_second=self._meter.roll(total, now),
            latency=self.latency.snapshot(),
            batches=self.batches,
            mean_batch=self.delivered / self.batches if self.batches else 0.0,
            max_batch=self.max_batch,
            dropped=sum(x.dropped for x in subs),
            conflated=sum(x.conflated for x in subs),
            callback_errors=self.callback_errors,
            gaps=sum(s.gaps for s in self._symbols.values()),
            symbols=symbols,
            subscriptions=subs,
        )

    # --- delivery plumbing ---------------------------------------------------------------------

    def _queue(self, state: SymbolState) -> None:
        """``state`` has its first fresh update since the last delivery step."""
        fresh = self._fresh
        if self.client.dispatching:
            if len(fresh) >= FLUSH_SYMBOLS:
                # a long read: deliver the symbols before this one now, not at the end of the read
                self._flush()
        elif not self._scheduled:
            # outside a read (a reconnect's Gap, an Ended): deliver once this step is done
            self._scheduled = True
            asyncio.get_running_loop().call_soon(self._flush)
        state.queued = True
        self._fresh.append(state)

    def _mark(self, sub: StreamSubscription) -> None:
        """``sub`` keeps updates that are not due yet: serviced again at the next step or timer."""
        sub.marked = True
        self._dirty.append(sub)

    def _end_of_read(self) -> None:
        """The client's read hook: deliver what the read brought, in the socket callback."""
        if self._fresh:
            self._flush()

    def _flush(self) -> None:
        self._scheduled = False
        now = time.monotonic_ns()
        states = self._fresh
        if states:
            self._fresh = []
            for state in states:
                state.deliver(now)
        if not self._dirty:
            return
        dirty, self._dirty = self._dirty, []
        earliest = -1
        for sub in dirty:
            sub.service(now)
            p = sub.pending
            if p.waiting and not sub.busy and not sub.closed:
                self._dirty.append(sub)  # stays marked: not due yet
                due = p.deadline()
                if earliest < 0 or due < earliest:
                    earliest = due
            else:
                sub.marked = False
        if earliest >= 0:
            self._arm(earliest, now)

    def _arm(self, due_ns: int, now: int) -> None:
        if self._timer is not None:
            if self._timer_ns <= due_ns:
                return
            self._timer.cancel()
        self._timer_ns = due_ns
        self._timer = asyncio.get_running_loop().call_later(max(0, due_ns - now) / 1e9, self._on_timer)

    def _on_timer(self) -> None:
        self._timer = None
        self._timer_ns = 0
        if not self._scheduled:
            self._flush()

    def _account(self, batch: list[Any], n: int, now: int, ordered: bool = True) -> None:
        self.batches += 1
        self.delivered += n
        if n > self.max_batch:
            self.max_batch = n
        recv = self._recv_of
        first = recv(batch[0])
        if n == 1 or (ordered and first == recv(batch[-1])):
            # one read's updates (receive times never decrease in a batch that is in arrival
            # order, so first == last means all equal; StreamSubscription._deliver inlines this)
            self.latency.record_n(now - first, n)
            return
        record = self.latency.record
        for u in batch:
            record(now - recv(u))

    def _bar_update(self, bar: Bar) -> Any:
        if self.tuples:
            return (
                BAR, bar.symbol, bar.start, bar.interval, bar.open, bar.high, bar.low, bar.close, bar.volume, bar.vwap,
                bar.count, bar.recv_ns,
            )  # fmt: skip
        return bar

    def _spawn(self, coro: Any) -> asyncio.Task[None]:
        task: asyncio.Task[None] = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def _callback_failed(self, symbol: str, exc: Exception) -> None:
        self.callback_errors += 1
        log.warning("data stream callback for %s raised %r", symbol, exc, exc_info=exc)
        self.client.events.emit("callback_error", exc)

    # --- closing -------------------------------------------------------------------------------

    async def aclose(self) -> None:
        """Unsubscribe every symbol and end every iterator and pending callback task."""
        if self._closed:
            return
        self._closed = True
        for key in list(self._symbols):
            await self.unsubscribe(key)
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        with contextlib.suppress(ValueError):
            self.client.read_hooks.remove(self._end_of_read)
        tasks = list(self._tasks)
        for t in tasks:
            t.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    async def __aenter__(self) -> IBKRDataStream:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
