"""One subscription of a data stream: its filters, bars, pending updates and delivery.

A ``StreamSubscription`` gets its symbol's updates in the stream's delivery step (``take_in``:
the symbol's updates since the last step, in order), drops the kinds it does not want, filters
them, feeds its bars and VWAP, and delivers what is due. The delivery step runs in the socket
callback, after the client has dispatched the messages it delivers (see ``IBKRDataStream``). A
subscription without filters or bars whose batches are due at once (``batch_timeout_ms=0``) and
that has nothing waiting gets the list as it came, without going through ``Pending``; anything
else is queued in ``Pending`` (batching, conflation, overflow) and delivered when due:

* a **callback** is called with ``{'type': 'tick', 'symbol': s, 'updates': [...]}`` and then
  (unless ``snapshots=False``) ``{'type': 'snapshot', 'symbol': s, 'snapshot': snap}``. A sync
  callback runs inline. An async callback is stepped inline too; if it finishes without
  suspending, that was all (no task). If it suspends, the rest runs in a task and the
  subscription is *busy*: updates keep arriving into ``Pending`` (bounded by ``max_pending`` and
  the overflow policy) and the task delivers them, newest state included, when the callback is
  done. The socket reader never waits for a callback.
* an **iterator** (``IBKRDataStream.events``) is woken when a batch is due and pulls it.

A callback that raises is counted (``callback_errors``), logged at WARNING and emitted as the
client's ``callback_error`` event; the stream goes on.
"""

from __future__ import annotations

import asyncio
import logging
import time
import types
from collections.abc import Callable, Coroutine, Generator
from operator import attrgetter, itemgetter
from typing import TYPE_CHECKING, Any

from ibkr import fastpath
from ibkr.stream.aggregate import BarAggregator, Filter, Vwap
from ibkr.stream.batching import Pending
from ibkr.stream.events import DEPTH, QUOTE, TRADE, DataType
from ibkr.stream.stats import SubscriptionStatistics

if TYPE_CHECKING:
    from ibkr.stream.stream import IBKRDataStream
    from ibkr.stream.symbol import SymbolState

__all__ = ["StreamSubscription"]

log = logging.getLogger("ibkr.stream")

Callback = Callable[[dict[str, Any]], Any]

iscoroutine = asyncio.iscoroutine
_COROUTINE = types.CoroutineType
_step, _DONE = fastpath.step, fastpath.DONE

#: kind -> what the filters read of an update: (price, size) of a trade, (bid, ask) of a quote,
#: the price of a depth row; for tuple updates and for the dataclasses
_TUPLE_FIELDS: dict[str, Callable[[Any], Any]] = {
    TRADE: itemgetter(2, 3), QUOTE: itemgetter(2, 3), DEPTH: itemgetter(5)
}  # fmt: skip
_TYPED_FIELDS: dict[str, Callable[[Any], Any]] = {
    TRADE: attrgetter("price", "size"), QUOTE: attrgetter("bid", "ask"), DEPTH: attrgetter("price")
}  # fmt: skip


@types.coroutine
def _bare_yield() -> Generator[None, None, None]:
    yield


async def _resume(coro: Coroutine[Any, Any, Any], yielded: Any) -> None:
    """Run ``coro`` to its end from a suspension at which it yielded ``yielded`` to its driver
    (what asyncio.Task would do from there): wait for that future, then resume the coroutine;
    an exception of the future (or a cancellation of this task) is thrown into it."""
    while True:
        try:
            if yielded is None:
                await _bare_yield()
            else:
                # the coroutine's own await flagged the future as blocking; a Task clears the
                # flag when it takes the future over, and awaiting it again needs it cleared
                yielded._asyncio_future_blocking = False
                await yielded
        except BaseException as exc:  # noqa: BLE001 - delivered into the coroutine, as a Task would
            try:
                yielded = coro.throw(exc)
            except StopIteration:
                return
            continue
        try:
            yielded = coro.send(None)
        except StopIteration:
            return


class StreamSubscription:
    """What ``IBKRDataStream.subscribe`` returns: one consumer of one symbol."""

    __slots__ = (
        "_task",
        "bars",
        "batches",
        "busy",
        "callback",
        "callback_errors",
        "closed",
        "data_types",
        "delivered",
        "direct_max",
        "event",
        "filter",
        "filtered",
        "marked",
        "max_batch",
        "n_bars",
        "ordered",
        "pending",
        "plain",
        "skip",
        "snapshots",
        "state",
        "stream",
        "symbol",
        "vwap_meter",
    )

    def __init__(
        self,
        stream: IBKRDataStream,
        state: SymbolState,
        data_types: frozenset[DataType],
        callback: Callback | None,
        *,
        flt: Filter,
        bar_interval: float | None,
        overflow_policy: str,
        max_pending: int,
        snapshots: bool,
    ) -> None:
        cfg = stream.config
        self.stream = stream
        self.state = state
        self.symbol = state.symbol
        self.data_types = data_types
        self.callback = callback
        self.filter = flt
        self.snapshots = snapshots and callback is not None
        #: completed bars are in ``bars.bars``; None without ``bar_interval``
        self.bars = BarAggregator(bar_interval, state.symbol) if bar_interval else None
        self.vwap_meter = Vwap()
        self.pending = Pending(
            cfg.batch_size,
            int(cfg.batch_timeout_ms * 1e6),
            int(cfg.conflation_ms * 1e6),
            max_pending,
            overflow_policy,
            stream._kind_of,
            state.book_state,
        )
        self.event: asyncio.Event | None = None if callback is not None else asyncio.Event()
        self.busy = False
        self.closed = False
        self.marked = False
        #: update kinds the symbol builds that this one does not want; no filter, no bars, no skip
        self.skip: frozenset[str] = frozenset()
        self.plain = False
        #: a callback whose batches are due at once (batching with batch_timeout_ms=0)
        direct = callback is not None and cfg.batch_timeout_ms == 0 and cfg.conflation_ms == 0
        #: the longest list delivered as it comes (0: never; a batch waits in Pending first)
        self.direct_max = min(cfg.batch_size, max_pending) if direct else 0
        #: batches keep arrival order (no conflation: neither by interval nor by overflow)
        self.ordered = cfg.conflation_ms == 0 and overflow_policy != "conflate"
        self._task: asyncio.Task[None] | None = None
        self.batches = 0
        self.delivered = 0
        self.max_batch = 0
        self.filtered = 0
        self.callback_errors = 0
        self.n_bars = 0

    # --- public --------------------------------------------------------------------------------

    @property
    def vwap(self) -> float | None:
        """VWAP of the trades this subscription accepted."""
        return self.vwap_meter.value

    def statistics(self) -> SubscriptionStatistics:
        p = self.pending
        return SubscriptionStatistics(
            symbol=self.symbol,
            batches=self.batches,
            delivered=self.delivered,
            mean_batch=self.delivered / self.batches if self.batches else 0.0,
            max_batch=self.max_batch,
            pending=len(p),
            dropped=p.dropped,
            conflated=p.conflated,
            filtered=self.filtered,
            callback_errors=self.callback_errors,
            bars=self.n_bars,
        )

    # --- from the symbol (the stream's delivery step) ------------------------------------------

    def refresh(self, kinds: frozenset[str]) -> None:
        """``kinds``: the update kinds the symbol now builds; note the ones this one skips and
        whether every update can go straight through (no filter, no bars)."""
        mine = {TRADE if d is DataType.TRADES else QUOTE if d is DataType.QUOTES else DEPTH for d in self.data_types}
        self.skip = kinds - mine
        self.plain = not self.filter.active and self.bars is None and not self.skip

    def take_in(self, batch: list[Any], notional: float, volume: float, now: int) -> None:
        """The symbol's updates since the last step (in order; this subscription owns the list):
        filter, aggregate, queue, and deliver what is due."""
        if self.closed:
            return
        p = self.pending
        if self.plain:
            if volume:
                vw = self.vwap_meter
                vw.notional += notional
                vw.volume += volume
            if p.first_ns < 0 and len(batch) <= self.direct_max and not self.busy:
                # the common case: nothing waits, due at once, fits one batch: deliver this list
                self._deliver(batch)
                return
            add = p.add
            recv = self.stream._recv_of
            for u in batch:
                add(u, recv(u))
        else:
            self._accept(batch)
        self.service(now)
        if p.first_ns >= 0 and not self.busy and not self.marked:
            self.stream._mark(self)

    def _accept(self, batch: list[Any]) -> None:
        """The filtered path: per update, its kind decides (skipped kinds, filters, bars)."""
        flt, bars, skip, vwap = self.filter, self.bars, self.skip, self.vwap_meter
        band = flt.price_band
        add, kind_of, recv = self.pending.add, self.stream._kind_of, self.stream._recv_of
        fields = _TUPLE_FIELDS if self.stream.tuples else _TYPED_FIELDS
        for u in batch:
            kind = kind_of(u)
            if kind in skip:
                continue
            now = recv(u)
            if kind == TRADE:
                price, size = fields[TRADE](u)
                if flt.active and not flt.trade_ok(price, size):
                    self.filtered += 1
                    continue
                vwap.add(price, size)
                if bars is not None:
                    done = bars.add(price, size, (now + self.stream.wall_offset_ns) / 1e9)
                    if done is not None:
                        done.recv_ns = now
                        self.n_bars += 1
                        add(self.stream._bar_update(done), now)
            elif kind == QUOTE:
                if band is not None and not flt.quote_ok(*fields[QUOTE](u)):
                    self.filtered += 1
                    continue
            elif kind == DEPTH and band is not None and not flt.price_ok(fields[DEPTH](u)):
                self.filtered += 1
                continue
            add(u, now)

    # --- delivery (the stream's flush step, or the busy task) -----------------------------------

    def service(self, now: int) -> None:
        """Deliver what is due (callback) or wake the iterator (events)."""
        p = self.pending
        if p.first_ns < 0 or self.busy or self.closed:
            return
        if self.event is not None:
            if p.waiting and (now >= p.deadline() or len(p.items) >= p.batch_size):
                self.event.set()
            return
        take = p.take
        while True:
            batch = take(now)
            if batch is None:
                return
            self._deliver(batch)
            if self.busy or p.first_ns < 0:
                return

    def account(self, batch: list[Any], now: int) -> None:
        """Statistics of one delivered batch: count, size, latency of every update."""
        n = len(batch)
        self.batches += 1
        self.delivered += n
        if n > self.max_batch:
            self.max_batch = n
        self.stream._account(batch, n, now, self.ordered)

    def _messages(self, batch: list[Any]) -> list[dict[str, Any]]:
        msgs: list[dict[str, Any]] = [{"type": "tick", "symbol": self.symbol, "updates": batch}]
        if self.snapshots:
            msgs.append({"type": "snapshot", "symbol": self.symbol, "snapshot": self.state.snapshot()})
        return msgs

    def _deliver(self, batch: list[Any]) -> None:
        n = len(batch)  # account() and the stream's _account(), inlined
        self.batches += 1
        self.delivered += n
        if n > self.max_batch:
            self.max_batch = n
        stream = self.stream
        stream.batches += 1
        stream.delivered += n
        if n > stream.max_batch:
            stream.max_batch = n
        # the latency of each update: its read's receive time -> the start of this call
        now = time.monotonic_ns()
        recv = stream._recv_of
        first = recv(batch[0])
        if n == 1 or (self.ordered and first == recv(batch[-1])):
            stream.latency.record_n(now - first, n)
        else:
            record = stream.latency.record
            for u in batch:
                record(now - recv(u))
        cb = self.callback
        assert cb is not None
        if not self.snapshots:
            # the common case, one call per batch: the loop below without its list and enumerate
            msg = {"type": "tick", "symbol": self.symbol, "updates": batch}
            try:
                r = cb(msg)
                if r is None or (type(r) is not _COROUTINE and not iscoroutine(r)):
                    return
                yielded = _step(r)  # r.send(None), DONE when it finished (no StopIteration)
                if yielded is _DONE:
                    return
            except Exception as exc:  # noqa: BLE001 - a user callback must not stop the stream
                self._error(exc)
                return
            self.busy = True
            self._task = self.stream._spawn(self._finish(r, yielded, []))
            return
        msgs = self._messages(batch)
        for i, msg in enumerate(msgs):
            try:
                r = cb(msg)
                if r is None or not iscoroutine(r):
                    continue
                try:
                    yielded = r.send(None)
                except StopIteration:
                    continue
            except Exception as exc:  # noqa: BLE001 - a user callback must not stop the stream
                self._error(exc)
                continue
            # the callback suspended: finish it (and everything after it) in a task
            self.busy = True
            self._task = self.stream._spawn(self._finish(r, yielded, msgs[i + 1 :]))
            return

    async def _call(self, msg: dict[str, Any]) -> None:
        cb = self.callback
        assert cb is not None
        try:
            r = cb(msg)
            if r is not None and asyncio.iscoroutine(r):
                await r
        except Exception as exc:  # noqa: BLE001 - a user callback must not stop the stream
            self._error(exc)

    async def _finish(self, coro: Coroutine[Any, Any, Any], yielded: Any, rest: list[dict[str, Any]]) -> None:
        try:
            try:
                await _resume(coro, yielded)
            except Exception as exc:  # noqa: BLE001 - a user callback must not stop the stream
                self._error(exc)
            for msg in rest:
                await self._call(msg)
            # catch up: everything that waits now is overdue
            while not self.closed:
                now = time.monotonic_ns()
                batch = self.pending.take(now, force=True)
                if batch is None:
                    break
                self.account(batch, now)
                for msg in self._messages(batch):
                    await self._call(msg)
        finally:
            self.busy = False
            self._task = None

    def _error(self, exc: Exception) -> None:
        self.callback_errors += 1
        self.stream._callback_failed(self.symbol, exc)

    def close(self) -> None:
        self.closed = True
        if self.event is not None:
            self.event.set()
        task, self._task = self._task, None
        if task is not None:
            task.cancel()

    def __repr__(self) -> str:
        kinds = ",".join(sorted(d.value for d in self.data_types))
        return f"StreamSubscription({self.symbol} {kinds} pending={len(self.pending)})"
