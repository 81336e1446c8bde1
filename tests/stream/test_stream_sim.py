"""IBKRDataStream against the simulator over loopback TCP: snapshots and books consistent with
the exchange, every update delivered, batching by size and timeout, conflation, filters and bars,
slow consumers, callback errors, the gap marker across a reconnect, bad input, the typed
iterator and both update forms."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from ibkr.config import StreamConfig
from ibkr.errors import ConfigError, ContractNotFound
from ibkr.stream import BookState, DataType, DepthUpdate, Gap, IBKRDataStream, Quote, Trade, typed
from tests.simfix import until
from tests.stream.helpers import AAPL, Recorder, settle, stream_setup

pytestmark = pytest.mark.timeout(60)

ALL = [DataType.TRADES, DataType.QUOTES, DataType.DEPTH]


def assert_consistent(stream: IBKRDataStream, sim: Any, symbol: str, con_id: int) -> None:
    snap = stream.get_snapshot(symbol)
    q = sim.exchange.quote(con_id)
    assert (snap.bid, snap.ask) == (q.bid, q.ask)
    assert (snap.bid_size, snap.ask_size) == (float(q.bid_size), float(q.ask_size))
    assert (snap.last, snap.volume, snap.high, snap.low) == (q.last, float(q.volume), q.high, q.low)
    assert snap.spread == pytest.approx(q.ask - q.bid) and snap.mid == pytest.approx(q.mid)
    book = sim.exchange.book(con_id)
    assert snap.bids == tuple((lv.price, float(lv.size)) for lv in book.bids[:10])
    assert snap.asks == tuple((lv.price, float(lv.size)) for lv in book.asks[:10])
    assert len(snap.bids) >= 10 and len(snap.asks) >= 10


@pytest.mark.parametrize("native", [True, False])
async def test_snapshot_and_book_follow_the_exchange_and_every_update_arrives(native: bool) -> None:
    async with stream_setup(StreamConfig(batch_timeout_ms=0, use_native_parsing=native)) as (sim, client, stream):
        rec = Recorder()
        sub = await stream.subscribe("AAPL", ALL, rec)
        await settle(client)
        assert_consistent(stream, sim, "AAPL", AAPL)
        for _ in range(5):
            sim.feed.pump(30)
            await settle(client)
            assert_consistent(stream, sim, "AAPL", AAPL)
        state = stream._symbols["AAPL"]
        n = state.n_trades + state.n_quotes + state.n_depth
        await rec.wait_for(lambda: len(rec.updates) == n)
        kinds = {type(typed(u)) for u in rec.updates}
        assert kinds == {Trade, Quote, DepthUpdate}
        assert all(type(u) is (tuple if native else type(typed(u))) for u in rec.updates)
        # every tick batch is followed by a snapshot
        types = [m["type"] for m in rec.messages]
        assert types == ["tick", "snapshot"] * (len(types) // 2)
        # the quotes delivered end on the exchange's quote; the trades' VWAP is the snapshot's
        last_quote = [typed(u) for u in rec.updates if isinstance(typed(u), Quote)][-1]
        q = sim.exchange.quote(AAPL)
        assert (last_quote.bid, last_quote.ask) == (q.bid, q.ask)
        trades = [typed(u) for u in rec.updates if isinstance(typed(u), Trade)]
        snap = stream.get_snapshot("AAPL")
        assert snap.vwap == pytest.approx(sum(t.price * t.size for t in trades) / sum(t.size for t in trades))
        assert sub.vwap == pytest.approx(snap.vwap)
        # the rings hold the history, newest last
        assert [t.price for t in stream.history("AAPL", DataType.TRADES).last(len(trades))] == [t.price for t in trades]
        assert stream.history("AAPL", "quotes").last(1)[0].bid == q.bid
        stats = stream.get_statistics()
        assert stats.updates >= n and stats.latency.count == n and stats.dropped == 0
        assert stats.symbols["AAPL"].buffers["trades"].held == len(trades)
        # trades and quotes share the symbol's L1 ring, in arrival order
        l1 = stats.symbols["AAPL"].buffers["l1"]
        assert l1.total == state.n_trades + state.n_quotes == l1.held
        assert stats.symbols["AAPL"].buffers["quotes"].total == state.n_quotes
        assert stats.subscriptions[0].delivered == n


async def test_batches_by_size_then_the_rest_by_timeout() -> None:
    config = StreamConfig(batch_size=7, batch_timeout_ms=20)
    async with stream_setup(config) as (sim, client, stream):
        rec = Recorder()
        await stream.subscribe("AAPL", [DataType.QUOTES, DataType.DEPTH], rec, snapshots=False)
        await settle(client)
        sim.feed.pump(20)
        await settle(client)
        state = stream._symbols["AAPL"]
        n = state.n_quotes + state.n_depth
        assert n > 7
        await rec.wait_for(lambda: len(rec.updates) == n)
        sizes = [len(b) for b in rec.batches]
        # full batches as the updates came; only the last of a burst waits for the timeout
        assert all(s == 7 for s in sizes[:-1]) and 1 <= sizes[-1] <= 7
        assert sum(sizes) == n


async def test_a_batch_below_the_size_arrives_after_the_timeout() -> None:
    async with stream_setup(StreamConfig(batch_size=10_000, batch_timeout_ms=5)) as (sim, client, stream):
        rec = Recorder()
        await stream.subscribe("AAPL", [DataType.QUOTES], rec, snapshots=False)
        await settle(client)
        await rec.wait_for(lambda: len(rec.batches) == 1)  # the initial quote(s)
        first = stream._symbols["AAPL"].n_quotes
        assert len(rec.updates) == first
        sim.feed.pump(10)
        await settle(client)
        total = stream._symbols["AAPL"].n_quotes
        await rec.wait_for(lambda: len(rec.updates) == total)
        # everything of the burst in one batch, delivered by the timer
        assert [len(b) for b in rec.batches] == [first, total - first]


async def test_conflation_delivers_the_latest_state_per_field() -> None:
    async with stream_setup(StreamConfig(conflation_ms=30)) as (sim, client, stream):
        rec = Recorder()
        await stream.subscribe("AAPL", ALL, rec, snapshots=False)
        await settle(client)
        for _ in range(3):
            sim.feed.pump(50)
            await settle(client)
        q = sim.exchange.quote(AAPL)
        book = tuple((lv.price, float(lv.size)) for lv in sim.exchange.book(AAPL).bids[:10])

        def latest_arrived() -> bool:
            events = [typed(u) for u in rec.updates]
            quotes = [e for e in events if isinstance(e, Quote)]
            books = [e for e in events if isinstance(e, BookState)]
            return (
                bool(quotes and books) and (quotes[-1].bid, quotes[-1].ask) == (q.bid, q.ask) and books[-1].bids == book
            )

        await rec.wait_for(latest_arrived)
        for batch in rec.batches:
            kinds = [typed(u).kind for u in batch]
            assert len(kinds) == len(set(kinds))  # at most one per field per interval
            assert "depth" not in kinds  # depth comes as the whole book
        state = stream._symbols["AAPL"]
        stats = stream.get_statistics()
        assert len(rec.updates) + stats.conflated == state.n_quotes + state.n_trades + state.n_depth


async def test_filters_and_bars_per_subscription() -> None:
    async with stream_setup() as (sim, client, stream):
        big, everything = Recorder(), Recorder()
        await stream.subscribe("AAPL", [DataType.TRADES], everything, snapshots=False)
        sub = await stream.subscribe("AAPL", [DataType.TRADES], big, min_size=500, bar_interval=3600, snapshots=False)
        await settle(client)
        for _ in range(10):
            sim.feed.pump(20)
        await settle(client)
        all_trades = [typed(u) for u in everything.updates]
        large = [t for t in all_trades if t.size >= 500]
        assert large and len(large) < len(all_trades)
        assert [typed(u) for u in big.updates] == large
        assert sub.vwap == pytest.approx(sum(t.price * t.size for t in large) / sum(t.size for t in large))
        bar = sub.bars.forming if sub.bars else None
        assert bar is not None
        in_bar = [t for t in large if t.recv_ns >= 0][-bar.count :]
        assert bar.close == in_bar[-1].price and bar.high == max(t.price for t in in_bar)
        assert sub.statistics().filtered == len(all_trades) - len(large)


async def test_a_slow_consumer_never_blocks_the_reader_and_stays_bounded() -> None:
    async with stream_setup(StreamConfig(batch_size=1)) as (sim, client, stream):
        gate = asyncio.Event()
        seen: list[Any] = []

        async def slow(data: dict[str, Any]) -> None:
            if data["type"] == "tick":
                seen.extend(data["updates"])
                await gate.wait()

        fast = Recorder()
        dropping = await stream.subscribe("AAPL", [DataType.QUOTES], slow, snapshots=False, max_pending=5)
        conflating = await stream.subscribe(
            "AAPL", [DataType.QUOTES, DataType.TRADES], slow, snapshots=False, overflow_policy="conflate", max_pending=5
        )
        await stream.subscribe("AAPL", [DataType.QUOTES], fast, snapshots=False)
        await settle(client)
        for _ in range(20):
            sim.feed.pump(10)
            await settle(client)
        state = stream._symbols["AAPL"]
        # the reader kept going: the fast consumer has everything, the snapshot is current
        await fast.wait_for(lambda: len(fast.updates) == state.n_quotes)
        assert stream.get_snapshot("AAPL").bid == sim.exchange.quote(AAPL).bid
        stats = stream.get_statistics()
        slow_stats, conf_stats, fast_stats = stats.subscriptions
        assert slow_stats.pending <= 5 and slow_stats.dropped > 0
        assert conf_stats.pending <= 5 and conf_stats.conflated > 0 and conf_stats.dropped == 0
        assert fast_stats.dropped == 0 and fast_stats.pending == 0
        assert stats.dropped == slow_stats.dropped
        # released, both catch up and end on the latest quote
        gate.set()
        q = sim.exchange.quote(AAPL)
        await until(lambda: not conflating.busy and not dropping.busy, what="the slow consumers caught up")
        latest = [typed(u) for u in seen if isinstance(typed(u), Quote)][-1]
        assert (latest.bid, latest.ask) == (q.bid, q.ask)


async def test_a_raising_callback_is_reported_and_the_stream_goes_on(caplog: pytest.LogCaptureFixture) -> None:
    async with stream_setup() as (sim, client, stream):
        errors: list[BaseException] = []
        client.events.on("callback_error", errors.append)
        calls = 0

        def bad(data: dict[str, Any]) -> None:
            nonlocal calls
            calls += 1
            raise RuntimeError("boom")

        async_calls = 0

        async def bad_async(data: dict[str, Any]) -> None:
            nonlocal async_calls
            async_calls += 1
            await asyncio.sleep(0)
            raise ValueError("async boom")

        good = Recorder()
        await stream.subscribe("AAPL", [DataType.QUOTES], bad)
        await stream.subscribe("AAPL", [DataType.QUOTES], bad_async, snapshots=False)
        await stream.subscribe("MSFT", [DataType.QUOTES], good)
        with caplog.at_level(logging.WARNING, logger="ibkr.stream"):
            await settle(client)
            sim.feed.pump(20)
            await settle(client)
            n = stream._symbols["MSFT"].n_quotes
            await good.wait_for(lambda: len(good.updates) == n)
            await until(lambda: stream.get_statistics().callback_errors == calls + async_calls)
        assert calls >= 4  # called again and again: the stream goes on for it too
        stats = stream.get_statistics()
        assert stats.callback_errors == len(errors) == calls + async_calls and async_calls >= 2
        assert any(isinstance(e, ValueError) for e in errors)
        assert any("boom" in r.getMessage() and r.levelno == logging.WARNING for r in caplog.records)


async def test_the_gap_marker_across_a_reconnect() -> None:
    async with stream_setup() as (sim, client, stream):
        await stream.subscribe("AAPL", [DataType.QUOTES, DataType.DEPTH])
        events = stream.events("AAPL")
        got: list[Any] = []

        async def collect() -> None:
            async for e in events:
                got.append(e)
                if isinstance(e, Gap):
                    return

        task = asyncio.create_task(collect())
        await settle(client)
        sim.feed.pump(5)
        await settle(client)
        assert sim.faults.drop(client_id=1) == 1
        await asyncio.wait_for(task, 15)
        gap = got[-1]
        assert isinstance(gap, Gap) and gap.symbol == "AAPL" and gap.restored_ns >= gap.lost_ns
        assert any(isinstance(e, Quote) for e in got[:-1])
        # one gap per reconnect, though L1 and depth were both re-sent; the book is rebuilt
        await settle(client)
        sim.feed.pump(5)
        await settle(client)
        assert stream.get_statistics().gaps == 1
        assert_consistent_book = stream.get_snapshot("AAPL")
        book = sim.exchange.book(AAPL)
        assert assert_consistent_book.bids == tuple((lv.price, float(lv.size)) for lv in book.bids[:10])
        await events.aclose()


async def test_typed_events_iterator() -> None:
    async with stream_setup(StreamConfig(batch_timeout_ms=0, use_native_parsing=True)) as (sim, client, stream):
        it = stream.events("MSFT", [DataType.TRADES, DataType.QUOTES]).__aiter__()
        first = await asyncio.wait_for(it.__anext__(), 15)
        assert isinstance(first, Trade | Quote) and first.symbol == "MSFT"
        assert stream.symbols == ["MSFT"]
        await it.aclose()  # type: ignore[attr-defined]
        assert stream.subscriptions("MSFT") == []
        await stream.unsubscribe("MSFT")
        await settle(client)
        assert not any(k[1] == "mkt" for k in sim.feed.by_key)


async def test_a_trades_only_symbol_keeps_only_trades_in_its_ring() -> None:
    async with stream_setup(StreamConfig(buffer_size=8)) as (sim, client, stream):
        await stream.subscribe("AAPL", [DataType.TRADES])
        await settle(client)
        for _ in range(10):
            sim.feed.pump(10)
        await settle(client)
        state = stream._symbols["AAPL"]
        assert state.n_trades > 8 and state.n_quotes > 0
        trades = stream.history("AAPL", DataType.TRADES)
        assert len(trades) == 8 and trades.total == state.n_trades == state.l1_ring.total  # type: ignore[union-attr]
        assert trades.last(1)[0].price == sim.exchange.quote(AAPL).last
        with pytest.raises(ConfigError):
            stream.history("AAPL", DataType.QUOTES)
        with pytest.raises(ConfigError):
            stream.history("AAPL", "ticks")
        # a later QUOTES subscription starts writing quotes into the same ring
        await stream.subscribe("AAPL", [DataType.QUOTES])
        sim.feed.pump(10)
        await settle(client)
        assert len(stream.history("AAPL", "quotes")) > 0
        assert stream.get_statistics().symbols["AAPL"].buffers["l1"].capacity == 8


async def test_bad_input() -> None:
    for kwargs in (
        {"batch_size": 0},
        {"batch_timeout_ms": -1},
        {"buffer_size": 0},
        {"conflation_ms": -0.5},
        {"overflow_policy": "block"},
    ):
        with pytest.raises(ConfigError):
            StreamConfig(**kwargs)  # type: ignore[arg-type]
    async with stream_setup() as (_sim, client, stream):
        with pytest.raises(ContractNotFound):
            await stream.subscribe("NOSUCHSYM", [DataType.QUOTES])
        with pytest.raises(ConfigError):
            await stream.subscribe("AAPL", [])
        with pytest.raises(ConfigError):
            await stream.subscribe("AAPL", ["ticks"])
        with pytest.raises(ConfigError):
            await stream.subscribe("", [DataType.QUOTES])
        with pytest.raises(ConfigError):
            await stream.subscribe("AAPL", [DataType.QUOTES], bar_interval=60)
        with pytest.raises(ConfigError):
            await stream.subscribe("AAPL", [DataType.TRADES], min_size=-1)
        with pytest.raises(ConfigError):
            await stream.subscribe("AAPL", [DataType.TRADES], overflow_policy="block")
        with pytest.raises(ConfigError):
            stream.get_snapshot("AAPL")
        with pytest.raises(ConfigError):
            await stream.unsubscribe("AAPL")
        assert stream.symbols == [] and not client._subs


async def test_subscriptions_spread_over_the_pool_and_survive_a_lost_connection() -> None:
    from ibkr.client import IBKRClient
    from ibkr.config import ConnectionConfig, GatewayConfig
    from ibkr.gateway import IBKRGateway
    from tests.simfix import running_sim

    async with running_sim(pacing_limit=0) as sim:
        gw = IBKRGateway(
            GatewayConfig(primary_port=sim.port, max_connections=2, client_id_base=11, reconnect_initial_delay=0.05)
        )
        client = IBKRClient(ConnectionConfig(port=sim.port, client_id=11), gateway=gw)
        await client.connect()
        stream = IBKRDataStream(client, StreamConfig(batch_timeout_ms=0))
        try:
            sim.faults.stall_feed()
            recs = {s: Recorder() for s in ("AAPL", "MSFT", "SPY", "IBM")}
            for s, rec in recs.items():
                await stream.subscribe(s, [DataType.QUOTES], rec)
            slots = {s: stream.get_statistics().symbols[s].slots for s in recs}
            assert {slot for v in slots.values() for slot in v} == {0, 1}
            on_second = [s for s, v in slots.items() if v == (1,)]
            assert sim.faults.drop(client_id=12) == 1
            for s in on_second:
                await recs[s].wait_for(lambda s=s: any(isinstance(typed(u), Gap) for u in recs[s].updates))
            for s in set(recs) - set(on_second):
                assert not any(isinstance(typed(u), Gap) for u in recs[s].updates)
            # data flows again on the re-sent subscriptions (once the simulator has them)
            await client.gateway.session(1).current_time(10)
            before = {s: len(recs[s].updates) for s in on_second}
            sim.feed.pump(40)
            for s in on_second:
                await recs[s].wait_for(lambda s=s: len(recs[s].updates) > before[s])
        finally:
            await stream.aclose()
            await client.aclose()
            await gw.aclose()
