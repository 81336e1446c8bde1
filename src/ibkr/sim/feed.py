"""The market-data pump: subscriptions, the stepping loop, and engine market events -> ticks.

Only subscribed instruments are stepped, round robin, at ``SimConfig.tick_rate`` messages per second
in total (every message a step produces for every subscriber counts against the budget). Each loop
iteration also releases due order acknowledgements (``Exchange.poll``), closes 5-second real-time
bars, sends keepUpToDate bar updates, pushes account values every ``account_push_interval``, and
then flushes: one write per session per iteration. Time comes from the simulator's clock, so with a
``ManualClock`` the feed moves only when the test advances it; ``pump(n)`` steps by hand.

Writes stay small and regular at high rates: an iteration lasts ``feed_interval`` or less (down
to ``_MIN_INTERVAL``: uvloop's timers have millisecond resolution), so that it produces about
``SimConfig.write_messages`` messages (8 by default), and within an iteration the pump flushes
every ``write_messages`` messages or ``_WRITE_SLICE`` of work, instead of once per catch-up burst. An
instrument nobody watches the depth of takes the lean step (``Exchange.step_quote``: the price
process only, no book rebuild, no matching) unless orders live on it; its L1 / tick-by-tick / bar
messages are exactly those of the full step.

Per subscription kind (all keyed by (session, req id)):

- ``L1``: REQ_MKT_DATA; sends only the values that changed; delayed market-data types (3, 4) use
  the delayed tick types 66-76 / 88.
- ``TickByTick``: Last / AllLast on prints, BidAsk / MidPoint on quote changes.
- ``Depth``: MARKET_DEPTH (or MARKET_DEPTH_L2 for smart depth) rows; a subscriber asking for fewer
  rows than the book has gets the diff of its truncated view.
- ``Bars``: REAL_TIME_BARS (5 s) or HISTORICAL_DATA_UPDATE (keepUpToDate) from prints / quotes.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ibkr.protocol.ids import DELAYED_TICK, TickType
from ibkr.protocol.message import ServerMessage
from ibkr.protocol.messages.depth import MarketDepth, MarketDepthL2
from ibkr.protocol.messages.historical import HistoricalDataUpdate, RealTimeBars
from ibkr.protocol.messages.market_data import (
    MarketDataType,
    TickGeneric,
    TickPrice,
    TickReqParams,
    TickSize,
    TickSnapshotEnd,
    TickString,
)
from ibkr.protocol.messages.tick_by_tick import TickByTickBidAsk, TickByTickLast, TickByTickMidPoint
from ibkr.sim.bars import Forming, bar_date
from ibkr.sim.book import ASK, DELETE, INSERT, UPDATE, DepthOp, Level, apply_depth_ops
from ibkr.sim.events import DepthUpdate, QuoteUpdate, TradeUpdate
from ibkr.sim.instruments import Instrument
from ibkr.sim.prices import Quote
from ibkr.sim.session import SimSession

if TYPE_CHECKING:
    from ibkr.sim.server import Simulator

__all__ = ["MarketFeed", "L1", "TickByTick", "Depth", "Bars", "DELAYED", "TBT_TYPES"]

# tick types (tws-protocol.md 6.1), as plain ints for the pump's hot loop
BID_SIZE, BID, ASK_T, ASK_SIZE, LAST, LAST_SIZE = (
    int(t)
    for t in (TickType.BID_SIZE, TickType.BID, TickType.ASK, TickType.ASK_SIZE, TickType.LAST, TickType.LAST_SIZE)
)
HIGH, LOW, VOLUME, CLOSE, OPEN = (
    int(t) for t in (TickType.HIGH, TickType.LOW, TickType.VOLUME, TickType.CLOSE, TickType.OPEN)
)
LAST_TIMESTAMP, SHORTABLE = int(TickType.LAST_TIMESTAMP), int(TickType.SHORTABLE)
#: live tick type -> its delayed twin (market-data types 3 and 4)
DELAYED: dict[int, int] = {int(live): int(delayed) for live, delayed in DELAYED_TICK.items()}
#: the same table for live data (every tick type stays itself), so the hot loop looks up either
LIVE: dict[int, int] = {live: live for live in DELAYED}
#: REQ_TICK_BY_TICK_DATA tick type -> TICK_BY_TICK type
TBT_TYPES: dict[str, int] = {"Last": 1, "AllLast": 2, "BidAsk": 3, "MidPoint": 4}
#: what TICK_REQ_PARAMS reports (the BBO exchange code and snapshot permissions TWS sends)
BBO_EXCHANGE, SNAPSHOT_PERMISSIONS = "9c0001", 3
_CAN_AUTO_EXECUTE = 1
#: the longest the pump works before it lets the loop serve requests (real seconds); also the most
#: budget it keeps when it falls behind (the rest is dropped: the offered rate is not reached)
_SLICE = 0.02
#: while working, flush at least this often (real seconds), and every ``SimConfig.write_messages``
_WRITE_SLICE = 0.0005
#: at high rates an iteration aims to produce about ``write_messages`` messages, but never runs more
#: often than this (seconds; uvloop rounds a timer to whole milliseconds, so anything below 0.5 ms
#: would be a busy loop)
_MIN_INTERVAL = 0.001


@dataclass(slots=True, eq=False)
class L1:
    session: SimSession
    req_id: int
    inst: Instrument
    delayed: bool
    #: tick type -> the value last sent
    last: dict[int, float] = field(default_factory=dict)


@dataclass(slots=True, eq=False)
class TickByTick:
    session: SimSession
    req_id: int
    inst: Instrument
    kind: int
    ignore_size: bool
    last: tuple[float, ...] = ()


@dataclass(slots=True, eq=False)
class Depth:
    session: SimSession
    req_id: int
    inst: Instrument
    rows: int
    smart: bool
    #: the full book as the engine reports it, and the truncated view sent to the client
    asks: list[Level] = field(default_factory=list)
    bids: list[Level] = field(default_factory=list)
    view: tuple[list[Level], list[Level]] = field(default_factory=lambda: ([], []))


@dataclass(slots=True, eq=False)
class Bars:
    session: SimSession
    req_id: int
    inst: Instrument
    seconds: int
    trades: bool
    realtime: bool
    bar: Forming
    format_date: int = 1
    changed: bool = False


Sub = L1 | TickByTick | Depth | Bars


class MarketFeed:
    """Subscriptions and the stepping loop of one simulator."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.l1: dict[int, list[L1]] = {}
        self.tbt: dict[int, list[TickByTick]] = {}
        self.depth: dict[int, list[Depth]] = {}
        self.bars: dict[int, list[Bars]] = {}
        #: (session, kind, req id) -> subscription, for cancels
        self.by_key: dict[tuple[SimSession, str, int], Sub] = {}
        #: the market-data pump is stalled (a fault): no steps until resumed
        self.paused = False
        #: messages produced for subscribers so far (the budget counts these)
        self.produced = 0
        self.steps = 0
        self._order: list[int] = []
        self._rr = 0
        self._task: asyncio.Task[None] | None = None
        self._on_event: dict[type[Any], Callable[[Any], None]] = {
            QuoteUpdate: self._on_quote,
            TradeUpdate: self._on_trade,
            DepthUpdate: self._on_depth,
        }

    # --- subscriptions -------------------------------------------------------------------------

    def _add(self, kind: str, table: dict[int, list[Any]], sub: Sub) -> None:
        old = self.by_key.get((sub.session, kind, sub.req_id))
        if old is not None:
            self.cancel(sub.session, kind, sub.req_id)
        self.by_key[(sub.session, kind, sub.req_id)] = sub
        table.setdefault(sub.inst.con_id, []).append(sub)
        self._refresh_order()

    def cancel(self, session: SimSession, kind: str, req_id: int) -> bool:
        sub = self.by_key.pop((session, kind, req_id), None)
        if sub is None:
            return False
        tables: dict[str, dict[int, list[Any]]] = {"mkt": self.l1, "tbt": self.tbt, "depth": self.depth}
        table = tables.get(kind, self.bars)
        subs = table.get(sub.inst.con_id, [])
        if sub in subs:
            subs.remove(sub)
        if not subs:
            table.pop(sub.inst.con_id, None)
        self._refresh_order()
        return True

    def unsubscribe_session(self, session: SimSession) -> None:
        for s, kind, req_id in [k for k in self.by_key if k[0] is session]:
            self.cancel(s, kind, req_id)

    def _refresh_order(self) -> None:
        ids = set(self.l1) | set(self.tbt) | set(self.depth) | set(self.bars)
        self._order = sorted(ids)
        self._rr %= max(1, len(self._order))

    def add_l1(self, session: SimSession, req_id: int, inst: Instrument, generic: str, snapshot: bool) -> None:
        """REQ_MKT_DATA: TICK_REQ_PARAMS, MARKET_DATA_TYPE, every current value; then changes (or
        TICK_SNAPSHOT_END for a snapshot)."""
        mdt = session.market_data_type
        sub = L1(session, req_id, inst, delayed=mdt in (3, 4))
        msgs: list[ServerMessage] = [
            TickReqParams(req_id, inst.min_tick, BBO_EXCHANGE, SNAPSHOT_PERMISSIONS),
            MarketDataType(req_id, mdt),
        ]
        q = self.sim.exchange.quote(inst.con_id)
        self._l1_quote(sub, q, msgs)
        if inst.sec_type != "CASH":
            self._l1_trade(sub, q.last, q.last_size, q.last_time, q.volume, msgs)
        if "236" in generic.split(","):
            msgs.append(TickGeneric(req_id, SHORTABLE, 3.0))
        if snapshot:
            msgs.append(TickSnapshotEnd(req_id))
        else:
            self._add("mkt", self.l1, sub)
        session.send_many(msgs)

    def set_market_data_type(self, session: SimSession, mdt: int) -> None:
        session.market_data_type = mdt
        for (s, _kind, _), sub in self.by_key.items():
            if s is session and isinstance(sub, L1):
                sub.delayed = mdt in (3, 4)
                sub.last.clear()
                session.send(MarketDataType(sub.req_id, mdt))

    def add_tick_by_tick(
        self, session: SimSession, req_id: int, inst: Instrument, kind: int, ignore_size: bool
    ) -> None:
        sub = TickByTick(session, req_id, inst, kind, ignore_size)
        self._add("tbt", self.tbt, sub)
        if kind in (3, 4):
            msgs: list[ServerMessage] = []
            self._tbt_quote(sub, self.sim.exchange.quote(inst.con_id), msgs)
            session.send_many(msgs)

    def add_depth(self, session: SimSession, req_id: int, inst: Instrument, rows: int, smart: bool) -> None:
        """REQ_MKT_DEPTH: the book as inserts, then its changes."""
        sub = Depth(session, req_id, inst, rows if rows > 0 else self.sim.exchange.book(inst.con_id).depth, smart)
        apply_depth_ops(sub.asks, sub.bids, self.sim.exchange.depth_snapshot(inst.con_id))
        self._add("depth", self.depth, sub)
        msgs: list[ServerMessage] = []
        self._depth_rows(sub, _view_diff(sub, (sub.asks[: sub.rows], sub.bids[: sub.rows])), msgs)
        session.send_many(msgs)

    def add_bars(self, session: SimSession, req_id: int, inst: Instrument, sub: Bars) -> None:
        self._add("rtb" if sub.realtime else "hist", self.bars, sub)

    # --- engine events -> messages --------------------------------------------------------------

    def on_market_event(self, e: QuoteUpdate | TradeUpdate | DepthUpdate) -> None:
        self._on_event[type(e)](e)

    def _l1_quote(self, sub: L1, q: Quote, out: list[ServerMessage]) -> None:
        """The changed L1 values: BID / ASK with their size (or the size alone), then HIGH, LOW,
        CLOSE, OPEN (IDEALPRO quotes have no prints, volume or session open: CLOSE only).

        Unrolled: the hot path of the feed (every step of every L1 subscription)."""
        last, req_id = sub.last, sub.req_id
        tt = DELAYED if sub.delayed else LIVE
        get = last.get
        price, size = q.bid, float(q.bid_size)
        if get(BID) != price:
            out.append(TickPrice(req_id, tt[BID], price, size, _CAN_AUTO_EXECUTE))
            last[BID] = price
            last[BID_SIZE] = size
        elif get(BID_SIZE) != size:
            out.append(TickSize(req_id, tt[BID_SIZE], size))
            last[BID_SIZE] = size
        price, size = q.ask, float(q.ask_size)
        if get(ASK_T) != price:
            out.append(TickPrice(req_id, tt[ASK_T], price, size, _CAN_AUTO_EXECUTE))
            last[ASK_T] = price
            last[ASK_SIZE] = size
        elif get(ASK_SIZE) != size:
            out.append(TickSize(req_id, tt[ASK_SIZE], size))
            last[ASK_SIZE] = size
        cash = sub.inst.sec_type == "CASH"
        if not cash:
            if get(HIGH) != (price := q.high):
                out.append(TickPrice(req_id, tt[HIGH], price, 0.0, 0))
                last[HIGH] = price
            if get(LOW) != (price := q.low):
                out.append(TickPrice(req_id, tt[LOW], price, 0.0, 0))
                last[LOW] = price
        if get(CLOSE) != (price := q.close):
            out.append(TickPrice(req_id, tt[CLOSE], price, 0.0, 0))
            last[CLOSE] = price
        if not cash and get(OPEN) != (price := q.open):
            out.append(TickPrice(req_id, tt[OPEN], price, 0.0, 0))
            last[OPEN] = price

    def _l1_trade(
        self, sub: L1, price: float, size: float, when: float, volume: float, out: list[ServerMessage]
    ) -> None:
        tt = DELAYED if sub.delayed else LIVE
        req_id = sub.req_id
        out.append(TickPrice(req_id, tt[LAST], price, float(size), 0))
        out.append(TickSize(req_id, tt[VOLUME], float(volume)))
        out.append(TickString(req_id, tt[LAST_TIMESTAMP], str(int(when))))
        sub.last[LAST] = price

    def _tbt_quote(self, sub: TickByTick, q: Quote, out: list[ServerMessage]) -> None:
        now = int(self.sim.clock.time())
        if sub.kind == 3:
            state: tuple[float, ...] = (q.bid, q.ask) if sub.ignore_size else (q.bid, q.ask, q.bid_size, q.ask_size)
            if state != sub.last:
                sub.last = state
                out.append(TickByTickBidAsk(sub.req_id, 3, now, q.bid, q.ask, float(q.bid_size), float(q.ask_size), 0))
        elif sub.kind == 4:
            mid = round(q.mid, 10)
            if (mid,) != sub.last:
                sub.last = (mid,)
                out.append(TickByTickMidPoint(sub.req_id, 4, now, mid))

    def _on_quote(self, e: QuoteUpdate) -> None:
        con_id, q = e.con_id, e.quote
        for sub in self.l1.get(con_id, ()):
            msgs: list[ServerMessage] = []
            self._l1_quote(sub, q, msgs)
            self._emit(sub.session, msgs)
        for tbt in self.tbt.get(con_id, ()):
            if tbt.kind in (3, 4):
                msgs = []
                self._tbt_quote(tbt, q, msgs)
                self._emit(tbt.session, msgs)
        for bars in self.bars.get(con_id, ()):
            if not bars.trades:
                bars.bar.add(round(q.mid, 10))
                bars.changed = True

    def _on_trade(self, e: TradeUpdate) -> None:
        con_id = e.con_id
        for sub in self.l1.get(con_id, ()):
            if sub.inst.sec_type == "CASH":
                continue
            msgs: list[ServerMessage] = []
            self._l1_trade(sub, e.price, e.size, e.time, e.volume, msgs)
            self._emit(sub.session, msgs)
        for tbt in self.tbt.get(con_id, ()):
            if tbt.kind in (1, 2):
                venue = tbt.inst.primary_exchange or tbt.inst.exchange
                msg = TickByTickLast(tbt.req_id, tbt.kind, int(e.time), e.price, float(e.size), 0, venue, "")
                self._emit(tbt.session, [msg])
        for bars in self.bars.get(con_id, ()):
            if bars.trades:
                bars.bar.add(e.price, float(e.size))
                bars.changed = True

    def _on_depth(self, e: DepthUpdate) -> None:
        for sub in self.depth.get(e.con_id, ()):
            msgs: list[ServerMessage] = []
            if sub.rows >= max(len(sub.asks), len(sub.bids), self.sim.exchange.book(e.con_id).depth):
                apply_depth_ops(sub.asks, sub.bids, e.rows)
                sub.view = (sub.asks, sub.bids)
                self._depth_rows(sub, e.rows, msgs)
            else:
                apply_depth_ops(sub.asks, sub.bids, e.rows)
                self._depth_rows(sub, _view_diff(sub, (sub.asks[: sub.rows], sub.bids[: sub.rows])), msgs)
            self._emit(sub.session, msgs)

    def _depth_rows(self, sub: Depth, rows: list[DepthOp], out: list[ServerMessage]) -> None:
        req_id = sub.req_id
        if sub.smart:
            out.extend(
                MarketDepthL2(req_id, r.position, r.market_maker, r.operation, r.side, r.price, float(r.size), True)
                for r in rows
            )
        else:
            out.extend(MarketDepth(req_id, r.position, r.operation, r.side, r.price, float(r.size)) for r in rows)

    def _emit(self, session: SimSession, msgs: list[ServerMessage]) -> None:
        if msgs:
            self.produced += len(msgs)
            session.send_many(msgs)

    # --- bars -----------------------------------------------------------------------------------

    def _tick_bars(self, now: float) -> None:
        tz = self.sim.exchange.time_zone
        for subs in self.bars.values():
            for sub in subs:
                bar = sub.bar
                if sub.realtime:
                    while now >= bar.start + sub.seconds:
                        b = bar.bar("", sub.trades)
                        volume = b.volume if sub.trades else 0.0
                        wap = b.wap if sub.trades else bar.close
                        msg = RealTimeBars(
                            sub.req_id, int(bar.start), b.open, b.high, b.low, b.close, volume, wap, max(0, b.bar_count)
                        )
                        self._emit(sub.session, [msg])
                        bar = sub.bar = Forming.at(bar.start + sub.seconds, bar.close)
                    continue
                if now >= bar.start + sub.seconds:
                    start = math.floor(now / sub.seconds) * sub.seconds
                    bar = sub.bar = Forming.at(start, bar.close)
                    sub.changed = True
                if sub.changed:
                    sub.changed = False
                    date = bar_date(bar.start, sub.seconds, sub.format_date, tz)
                    self._emit(sub.session, [HistoricalDataUpdate(sub.req_id, bar.bar(date, sub.trades))])

    # --- the loop -------------------------------------------------------------------------------

    def pump(self, steps: int = 1) -> int:
        """Step ``steps`` subscribed instruments by hand (round robin), route and flush; returns
        the number of market-data messages produced."""
        before = self.produced
        self.sim.router.route(self.sim.exchange.poll())
        for _ in range(steps):
            self._step_next()
        self.sim.flush()
        return self.produced - before

    def _step_next(self) -> int:
        if not self._order:
            return 0
        self._rr %= len(self._order)
        con_id = self._order[self._rr]
        self._rr += 1
        before = self.produced
        self.steps += 1
        lean = None if con_id in self.depth else self.sim.exchange.step_quote(con_id)
        if lean is None:
            self.sim.router.route(self.sim.exchange.step(con_id))
        elif con_id in self.tbt or con_id in self.bars:
            # what the full step would route, without the book, the matching and the copies
            q, traded = lean
            self._on_quote(QuoteUpdate(con_id, q))
            if traded:
                self._on_trade(TradeUpdate(con_id, q.last, q.last_size, q.last_time, q.volume))
        else:
            # L1 subscribers only (the common case): each gets its quote and print in one batch,
            # its messages in the order the two events would give them
            q, traded = lean
            for sub in self.l1.get(con_id, ()):
                msgs: list[ServerMessage] = []
                self._l1_quote(sub, q, msgs)
                if traded and sub.inst.sec_type != "CASH":
                    self._l1_trade(sub, q.last, q.last_size, q.last_time, q.volume, msgs)
                self._emit(sub.session, msgs)
        return self.produced - before

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(BaseException):
                await task

    async def _run(self) -> None:
        sim, config = self.sim, self.sim.config
        clock = sim.clock
        rate = max(0.0, config.tick_rate)
        burst = max(1.0, rate * _SLICE)
        interval = config.feed_interval
        per_write = max(1, config.write_messages)
        if rate * interval > per_write:
            interval = max(_MIN_INTERVAL, per_write / rate)
        # real time, read on every few steps (uvloop's loop.time() only moves between iterations)
        real = time.monotonic
        last = clock.monotonic_ns()
        next_push = clock.time() + config.account_push_interval
        budget = 0.0
        while True:
            await asyncio.sleep(interval)
            now_ns = clock.monotonic_ns()
            elapsed, last = (now_ns - last) / 1e9, now_ns
            sim.router.route(sim.exchange.poll())
            if self.paused or not self._order:
                budget = 0.0
            else:
                budget = min(budget + elapsed * rate, burst)
                # Past what the CPU can do, write every _WRITE_SLICE and yield every _SLICE anyway,
                # so that writes stay small and requests are still served (what is left is dropped).
                start = real()
                deadline, write_at = start + _SLICE, start + _WRITE_SLICE
                unsent = 0
                while budget >= 1.0:
                    n = max(1, self._step_next())
                    budget -= n
                    unsent += n
                    t = real()
                    if t >= deadline:
                        break
                    if unsent >= per_write or t >= write_at:
                        sim.flush()
                        unsent = 0
                        write_at = t + _WRITE_SLICE
            now = clock.time()
            self._tick_bars(now)
            if now >= next_push:
                from ibkr.sim.handlers.account import push

                next_push = now + config.account_push_interval
                push(sim)
            sim.flush()


def _view_diff(sub: Depth, new: tuple[list[Level], list[Level]]) -> list[DepthOp]:
    """Rows turning the view last sent into ``new`` (position by position) for a truncated book."""
    rows: list[DepthOp] = []
    for side, old_levels, new_levels in ((ASK, sub.view[0], new[0]), (1 - ASK, sub.view[1], new[1])):
        for pos in range(min(len(old_levels), len(new_levels))):
            lv = new_levels[pos]
            if old_levels[pos] != lv:
                rows.append(DepthOp(pos, UPDATE, side, lv.price, lv.size, lv.market_maker))
        for pos in range(len(old_levels), len(new_levels)):
            lv = new_levels[pos]
            rows.append(DepthOp(pos, INSERT, side, lv.price, lv.size, lv.market_maker))
        for pos in range(len(old_levels) - 1, len(new_levels) - 1, -1):
            gone = old_levels[pos]
            rows.append(DepthOp(pos, DELETE, side, gone.price, 0, gone.market_maker))
    sub.view = (
        [Level(lv.price, lv.size, lv.market_maker) for lv in new[0]],
        [Level(lv.price, lv.size, lv.market_maker) for lv in new[1]],
    )
    return rows
