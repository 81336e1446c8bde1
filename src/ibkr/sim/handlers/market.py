"""Market-data requests: REQ_MKT_DATA (streaming and snapshot), REQ_MARKET_DATA_TYPE,
REQ_TICK_BY_TICK_DATA, REQ_MKT_DEPTH, REQ_HISTORICAL_DATA (with keepUpToDate), REQ_REAL_TIME_BARS
and their cancels. Subscriptions live in the feed (``ibkr.sim.feed``)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from ibkr.protocol.ids import SV
from ibkr.protocol.message import Message
from ibkr.protocol.messages.depth import CancelMktDepth, ReqMktDepth
from ibkr.protocol.messages.historical import (
    CancelHistoricalData,
    CancelRealTimeBars,
    HistoricalData,
    HistoricalDataEnd,
    ReqHistoricalData,
    ReqRealTimeBars,
)
from ibkr.protocol.messages.market_data import CancelMktData, ReqMarketDataType, ReqMktData
from ibkr.protocol.messages.tick_by_tick import CancelTickByTickData, ReqTickByTickData
from ibkr.sim import bars as B
from ibkr.sim.feed import TBT_TYPES, Bars
from ibkr.sim.handlers.contracts import resolve_one
from ibkr.sim.session import SimSession

if TYPE_CHECKING:
    from ibkr.sim.server import Handler, Simulator

__all__ = ["HANDLERS"]


def _validation_error(session: SimSession, req_id: int, what: str) -> None:
    session.send_error(req_id, 321, f"Error validating request.-'bP' : cause - {what}")


def req_mkt_data(sim: Simulator, session: SimSession, msg: ReqMktData) -> None:
    inst = resolve_one(sim, session, msg.req_id, msg.contract)
    if inst is not None:
        snapshot = msg.snapshot or msg.regulatory_snapshot
        sim.feed.add_l1(session, msg.req_id, inst, msg.generic_tick_list, snapshot)


def cancel_mkt_data(sim: Simulator, session: SimSession, msg: CancelMktData) -> None:
    sim.feed.cancel(session, "mkt", msg.req_id)


def req_market_data_type(sim: Simulator, session: SimSession, msg: ReqMarketDataType) -> None:
    if msg.market_data_type not in (1, 2, 3, 4):
        _validation_error(session, -1, f"Invalid market data type {msg.market_data_type}")
        return
    sim.feed.set_market_data_type(session, msg.market_data_type)


def req_tick_by_tick(sim: Simulator, session: SimSession, msg: ReqTickByTickData) -> None:
    kind = TBT_TYPES.get(msg.tick_type)
    if kind is None:
        _validation_error(session, msg.req_id, f"Invalid tick type {msg.tick_type!r}")
        return
    inst = resolve_one(sim, session, msg.req_id, msg.contract)
    if inst is not None:
        sim.feed.add_tick_by_tick(session, msg.req_id, inst, kind, msg.ignore_size)


def cancel_tick_by_tick(sim: Simulator, session: SimSession, msg: CancelTickByTickData) -> None:
    sim.feed.cancel(session, "tbt", msg.req_id)


def req_mkt_depth(sim: Simulator, session: SimSession, msg: ReqMktDepth) -> None:
    inst = resolve_one(sim, session, msg.req_id, msg.contract)
    if inst is not None:
        sim.feed.add_depth(session, msg.req_id, inst, msg.num_rows, msg.is_smart_depth)


def cancel_mkt_depth(sim: Simulator, session: SimSession, msg: CancelMktDepth) -> None:
    sim.feed.cancel(session, "depth", msg.req_id)


def req_historical_data(sim: Simulator, session: SimSession, msg: ReqHistoricalData) -> None:
    """HISTORICAL_DATA with every bar (+ HISTORICAL_DATA_END from sv 196); with keepUpToDate the
    forming bar follows as HISTORICAL_DATA_UPDATE. Bad parameters: 321; too many bars: 162."""
    req_id = msg.req_id
    bar_secs = B.parse_bar_size(msg.bar_size_setting)
    duration = B.parse_duration(msg.duration_str)
    tz = sim.exchange.time_zone
    now = sim.clock.time()
    end = B.parse_end(msg.end_date_time, now, tz)
    if bar_secs is None or duration is None or end is None:
        bad = f"bar size {msg.bar_size_setting!r}, duration {msg.duration_str!r}, end {msg.end_date_time!r}"
        _validation_error(session, req_id, f"Invalid historical data query: {bad}")
        return
    if msg.keep_up_to_date and msg.end_date_time.strip():
        _validation_error(session, req_id, "End date not supported with live updates")
        return
    count = max(1, math.ceil(duration / bar_secs))
    if count > B.MAX_BARS:
        session.send_error(req_id, 162, "Historical Market Data Service error message:Time length exceed max.")
        return
    inst = resolve_one(sim, session, req_id, msg.contract)
    if inst is None:
        return
    price = sim.exchange.quote(inst.con_id).mid
    fmt = msg.format_date
    generated = B.history(inst, price, sim.config.seed, end, bar_secs, count, msg.what_to_show, tz)
    bars = []
    for start, bar in generated:
        bar.date = B.bar_date(start, bar_secs, fmt, tz)
        bars.append(bar)
    start_str = B.bar_date(end - duration, 1, 1, tz)
    end_str = B.bar_date(end, 1, 1, tz)
    if session.server_version >= SV.HISTORICAL_DATA_END:
        session.send(HistoricalData(req_id, bars=bars))
        session.send(HistoricalDataEnd(req_id, start_str, end_str))
    else:
        session.send(HistoricalData(req_id, start_str, end_str, bars))
    if msg.keep_up_to_date:
        trades = msg.what_to_show.upper() in ("TRADES", "ADJUSTED_LAST")
        start = generated[-1][0]
        forming = B.Forming.at(start, bars[-1].close)
        sub = Bars(session, req_id, inst, bar_secs, trades, realtime=False, bar=forming, format_date=fmt)
        sim.feed.add_bars(session, req_id, inst, sub)


def cancel_historical_data(sim: Simulator, session: SimSession, msg: CancelHistoricalData) -> None:
    sim.feed.cancel(session, "hist", msg.req_id)


def req_real_time_bars(sim: Simulator, session: SimSession, msg: ReqRealTimeBars) -> None:
    """REAL_TIME_BARS every 5 seconds (the only size TWS supports)."""
    if msg.bar_size != 5:
        _validation_error(session, msg.req_id, "Invalid bar size (only 5 seconds)")
        return
    inst = resolve_one(sim, session, msg.req_id, msg.contract)
    if inst is None:
        return
    now = sim.clock.time()
    q = sim.exchange.quote(inst.con_id)
    trades = msg.what_to_show.upper() == "TRADES"
    forming = B.Forming.at(math.floor(now / 5) * 5, q.last if trades else round(q.mid, 10))
    sim.feed.add_bars(session, msg.req_id, inst, Bars(session, msg.req_id, inst, 5, trades, realtime=True, bar=forming))


def cancel_real_time_bars(sim: Simulator, session: SimSession, msg: CancelRealTimeBars) -> None:
    sim.feed.cancel(session, "rtb", msg.req_id)


HANDLERS: dict[type[Message], Handler] = {
    ReqMktData: req_mkt_data,
    CancelMktData: cancel_mkt_data,
    ReqMarketDataType: req_market_data_type,
    ReqTickByTickData: req_tick_by_tick,
    CancelTickByTickData: cancel_tick_by_tick,
    ReqMktDepth: req_mkt_depth,
    CancelMktDepth: cancel_mkt_depth,
    ReqHistoricalData: req_historical_data,
    CancelHistoricalData: cancel_historical_data,
    ReqRealTimeBars: req_real_time_bars,
    CancelRealTimeBars: cancel_real_time_bars,
}
