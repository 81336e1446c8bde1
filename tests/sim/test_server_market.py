"""Market data from the simulator over loopback TCP: contract lookup, L1 (streaming, snapshot,
delayed), tick-by-tick, depth, historical and real-time bars, determinism, the feed stall."""

from __future__ import annotations

from ibkr.protocol.messages.contracts import (
    ContractData,
    ContractDataEnd,
    ReqContractData,
    ReqMatchingSymbols,
    SymbolSamples,
)
from ibkr.protocol.messages.depth import CancelMktDepth, MarketDepth, MarketDepthL2, ReqMktDepth
from ibkr.protocol.messages.historical import (
    HistoricalData,
    HistoricalDataEnd,
    HistoricalDataUpdate,
    RealTimeBars,
    ReqHistoricalData,
    ReqRealTimeBars,
)
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
from ibkr.protocol.messages.system import CurrentTime, ReqCurrentTime
from ibkr.protocol.messages.tick_by_tick import (
    CancelTickByTickData,
    ReqTickByTickData,
    TickByTickBidAsk,
    TickByTickLast,
    TickByTickMidPoint,
)
from ibkr.protocol.models import Contract
from ibkr.sim import ManualClock, SimConfig, Simulator
from ibkr.sim.book import DepthOp, Level, apply_depth_ops
from tests.sim.wire import AAPL, EURUSD, SPY, Wire, of


async def test_contract_data_resolves_to_full_details(client: Wire) -> None:
    client.send(ReqContractData(7, AAPL))
    msgs = await client.until(ContractDataEnd)
    (data,) = of(msgs, ContractData)
    d = data.contract_details
    assert data.req_id == 7 and d.contract.con_id == 265598 and d.contract.primary_exchange == "NASDAQ"
    assert d.long_name == "APPLE INC" and d.min_tick == 0.01 and "LMT" in d.order_types.split(",")
    assert d.trading_hours and d.liquid_hours and d.time_zone_id == "US/Eastern"
    client.send(ReqContractData(8, Contract(con_id=756733)))
    (spy,) = of(await client.until(ContractDataEnd), ContractData)
    assert spy.contract_details.contract.symbol == "SPY"
    client.send(ReqContractData(9, Contract(symbol="ES", sec_type="FUT", exchange="CME")))
    (es,) = of(await client.until(ContractDataEnd), ContractData)
    assert es.contract_details.contract.multiplier == "50" and es.contract_details.contract_month


async def test_unknown_contract_is_error_200_with_the_request_id(client: Wire) -> None:
    client.send(ReqContractData(11, Contract(symbol="NOPE", sec_type="STK", exchange="SMART", currency="USD")))
    err = await client.error(200, 11)
    assert err.error_string.startswith("No security definition")
    client.send(ReqMktData(12, Contract(symbol="NOPE", sec_type="STK")))
    await client.error(200, 12)


async def test_matching_symbols(client: Wire) -> None:
    client.send(ReqMatchingSymbols(3, "AAP"))
    samples = await client.expect(SymbolSamples)
    assert samples.req_id == 3 and samples.contract_descriptions[0].contract.symbol == "AAPL"


async def test_streaming_l1_starts_with_params_type_and_full_values_then_changes(client: Wire) -> None:
    client.send(ReqMktData(1, AAPL))
    assert (await client.expect(TickReqParams)) == TickReqParams(1, 0.01, "9c0001", 3)
    assert (await client.next()) == MarketDataType(1, 1)
    first = await client.until(TickString)  # values up to the last timestamp
    types = {m.tick_type for m in first if isinstance(m, TickPrice)}
    assert {1, 2, 4, 6, 7, 9, 14} <= types
    assert 8 in {m.tick_type for m in of(first, TickSize)}
    bid = next(m for m in first if isinstance(m, TickPrice) and m.tick_type == 1)
    assert bid.size and bid.size > 0 and bid.attr_mask == 1
    # then only changes: never the same price twice in a row for a tick type
    last: dict[int, float] = {}
    for _ in range(60):
        m = await client.next()
        if isinstance(m, TickPrice) and m.tick_type in (1, 2):
            assert last.get(m.tick_type) != m.price
            last[m.tick_type] = m.price


async def test_cancel_stops_the_stream(sim: Simulator, client: Wire) -> None:
    client.send(ReqMktData(1, AAPL))
    await client.expect(TickSize)
    client.send(CancelMktData(1), ReqCurrentTime())
    await client.expect(CurrentTime)
    assert not sim.feed.by_key


async def test_snapshot_sends_values_once_then_snapshot_end(sim: Simulator, client: Wire) -> None:
    client.send(ReqMktData(4, SPY, snapshot=True))
    msgs = await client.until(TickSnapshotEnd)
    assert of(msgs, TickPrice) and not sim.feed.by_key


async def test_fx_quotes_have_no_last_or_volume_and_generic_236_gives_shortable(client: Wire) -> None:
    client.send(ReqMktData(5, EURUSD, snapshot=True))
    msgs = await client.until(TickSnapshotEnd)
    assert {m.tick_type for m in of(msgs, TickPrice)} == {1, 2, 9}
    client.send(ReqMktData(6, AAPL, generic_tick_list="236", snapshot=True))
    msgs = await client.until(TickSnapshotEnd)
    assert TickGeneric(6, 46, 3.0) in msgs


async def test_delayed_market_data_uses_the_delayed_tick_types(client: Wire) -> None:
    client.send(ReqMarketDataType(3), ReqMktData(1, AAPL))
    assert (await client.expect(MarketDataType)).market_data_type == 3
    first = await client.until(TickString)
    assert {m.tick_type for m in of(first, TickPrice)} >= {66, 67, 68, 72, 73, 75, 76}
    assert first[-1].tick_type == 88
    client.send(ReqMarketDataType(1))
    assert (await client.expect(MarketDataType)).market_data_type == 1  # current subscriptions switch
    assert (await client.expect(TickPrice)).tick_type < 66


async def test_tick_by_tick_all_kinds_and_cancel(sim: Simulator, client: Wire) -> None:
    client.send(
        ReqTickByTickData(1, AAPL, "Last"),
        ReqTickByTickData(2, AAPL, "AllLast"),
        ReqTickByTickData(3, AAPL, "BidAsk"),
        ReqTickByTickData(4, AAPL, "MidPoint"),
    )
    bid_ask = await client.expect(TickByTickBidAsk)
    assert bid_ask.req_id == 3 and bid_ask.bid_price < bid_ask.ask_price
    mid = await client.expect(TickByTickMidPoint)
    assert mid.req_id == 4
    last = await client.expect(TickByTickLast, lambda t: t.req_id == 1)
    assert last.tick_type == 1 and last.size and last.exchange == "NASDAQ"
    await client.expect(TickByTickLast, lambda t: t.req_id == 2 and t.tick_type == 2)
    client.send(*(CancelTickByTickData(i) for i in (1, 2, 3, 4)), ReqCurrentTime())
    await client.expect(CurrentTime)
    assert not sim.feed.by_key
    client.send(ReqTickByTickData(5, AAPL, "Nope"))
    await client.error(321, 5)


def _mirror(rows: list[MarketDepth] | list[MarketDepthL2], asks: list[Level], bids: list[Level]) -> None:
    ops = [
        DepthOp(r.position, r.operation, r.side, r.price, int(r.size or 0), getattr(r, "market_maker", ""))
        for r in rows
    ]
    apply_depth_ops(asks, bids, ops)


async def test_depth_snapshot_then_diffs_rebuild_the_engine_book(sim: Simulator, client: Wire) -> None:
    client.send(ReqMktDepth(1, AAPL, num_rows=10))
    first = [await client.expect(MarketDepth) for _ in range(20)]
    assert all(r.operation == 0 for r in first)
    asks: list[Level] = []
    bids: list[Level] = []
    _mirror(first, asks, bids)
    assert len(asks) >= 10 and len(bids) >= 10
    sim.faults.stall_feed()
    client.send(ReqCurrentTime())  # everything sent before the stall arrives before this answer
    msgs = await client.until(CurrentTime)
    _mirror(of(msgs, MarketDepth), asks, bids)
    book = sim.exchange.book(265598)
    assert [(lv.price, lv.size) for lv in asks] == [(lv.price, lv.size) for lv in book.asks]
    assert [(lv.price, lv.size) for lv in bids] == [(lv.price, lv.size) for lv in book.bids]
    client.send(CancelMktDepth(1))


async def test_truncated_and_smart_depth(sim: Simulator, client: Wire) -> None:
    client.send(ReqMktDepth(2, SPY, num_rows=3, is_smart_depth=True))
    first = [await client.expect(MarketDepthL2) for _ in range(6)]
    assert all(r.is_smart_depth and r.market_maker for r in first)
    asks: list[Level] = []
    bids: list[Level] = []
    _mirror(first, asks, bids)
    for _ in range(100):
        _mirror([await client.expect(MarketDepthL2)], asks, bids)
        assert len(asks) <= 3 and len(bids) <= 3
    sim.faults.stall_feed()
    client.send(ReqCurrentTime())
    _mirror(of(await client.until(CurrentTime), MarketDepthL2), asks, bids)
    book = sim.exchange.book(756733)
    assert [(lv.price, lv.size) for lv in asks] == [(lv.price, lv.size) for lv in book.asks[:3]]
    assert [(lv.price, lv.size) for lv in bids] == [(lv.price, lv.size) for lv in book.bids[:3]]


async def test_historical_bars_at_200_end_with_historical_data_end(client: Wire) -> None:
    client.send(ReqHistoricalData(1, AAPL, "", "1 D", "5 mins", "TRADES", use_rth=False, format_date=1))
    data = await client.expect(HistoricalData)
    assert len(data.bars) == 288 and data.bars[-1].volume and data.bars[-1].bar_count > 0
    assert data.bars[0].date.endswith("US/Eastern")
    assert all(b.low <= min(b.open, b.close) and b.high >= max(b.open, b.close) for b in data.bars)
    end = await client.expect(HistoricalDataEnd)
    assert end.req_id == 1 and end.start_date_str < end.end_date_str


async def test_historical_bars_are_deterministic_and_carry_dates_before_196(sim: Simulator) -> None:
    w = await Wire.connect(sim.port, 2, max_version=178)
    req = ReqHistoricalData(2, SPY, "20250102 16:00:00 US/Eastern", "5 D", "1 day", "MIDPOINT", True, 1)
    w.send(req)
    a = await w.expect(HistoricalData)
    assert a.start_date_str and a.end_date_str and len(a.bars) == 5
    assert [b.date for b in a.bars] == ["20241227", "20241230", "20241231", "20250101", "20250102"]
    assert a.bars[0].volume == -1
    w.send(req)
    b = await w.expect(HistoricalData)
    assert a.bars == b.bars
    w.send(ReqHistoricalData(3, SPY, "", "1 D", "7 mins", "TRADES", True, 1))
    await w.error(321, 3)
    await w.close()


async def test_keep_up_to_date_sends_the_forming_bar(client: Wire) -> None:
    client.send(ReqHistoricalData(1, AAPL, "", "3600 S", "1 min", "TRADES", False, 2, keep_up_to_date=True))
    data = await client.expect(HistoricalData)
    update = await client.expect(HistoricalDataUpdate)
    assert update.req_id == 1 and int(update.bar.date) >= int(data.bars[-1].date)


async def test_real_time_bars_every_5_seconds_of_clock_time() -> None:
    clock = ManualClock()
    async with Simulator(SimConfig(ports=(0,), pacing_limit=0), clock=clock) as sim:
        w = await Wire.connect(sim.port, 1)
        w.send(ReqRealTimeBars(1, AAPL, 5, "TRADES"), ReqCurrentTime())
        await w.expect(CurrentTime)
        clock.advance(12)
        first = await w.expect(RealTimeBars)
        second = await w.expect(RealTimeBars)
        assert second.time - first.time == 5 and first.time % 5 == 0
        assert first.low <= first.open <= first.high and first.volume is not None
        await w.close()


async def _ticks(seed: int) -> list[tuple[int, float]]:
    async with Simulator(SimConfig(ports=(0,), seed=seed, tick_rate=0.0), clock=ManualClock()) as sim:
        w = await Wire.connect(sim.port, 1)
        w.send(ReqMktData(1, AAPL), ReqCurrentTime())
        await w.expect(CurrentTime)
        sim.feed.pump(40)
        w.send(ReqCurrentTime())
        msgs = await w.until(CurrentTime)
        await w.close()
        return [(m.tick_type, m.price) for m in of(w.skipped + msgs, TickPrice)]


async def test_same_seed_same_ticks() -> None:
    a, b, c = await _ticks(3), await _ticks(3), await _ticks(4)
    assert len(a) > 40 and a == b and a != c


async def test_stalled_feed_sends_nothing_until_resumed(sim: Simulator, client: Wire) -> None:
    sim.faults.stall_feed()
    client.send(ReqMktData(1, AAPL), ReqCurrentTime())
    await client.expect(CurrentTime)
    steps = sim.feed.steps
    client.send(ReqCurrentTime())  # a round trip lets several feed iterations pass
    await client.expect(CurrentTime)
    assert sim.feed.steps == steps
    sim.faults.resume_feed()
    await client.expect(TickPrice, lambda t: t.tick_type in (1, 2))
    assert sim.feed.steps > steps


async def test_bad_market_data_type_is_321(client: Wire) -> None:
    client.send(ReqMarketDataType(9))
    assert (await client.error(321)).id == -1
