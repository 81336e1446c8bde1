"""Market data end to end against the simulator over loopback TCP: tickers, callbacks, iterators,
delayed data, snapshots, tick-by-tick kinds, depth books, errors and the price band."""

from __future__ import annotations

import asyncio

import pytest

from ibkr.client import IBKRClient, Stock, Ticker
from ibkr.client.contracts import _key
from ibkr.errors import ConfigError, ContractNotFound, OrderValidationError
from ibkr.protocol.messages.contracts import ContractDetails
from ibkr.protocol.messages.tick_by_tick import TickByTickBidAsk, TickByTickLast, TickByTickMidPoint
from ibkr.protocol.models import Contract
from tests.client.helpers import AAPL, MSFT, connected_client, feed_keys, running_sim, settle

pytestmark = pytest.mark.timeout(60)


def assert_matches_quote(t: Ticker, sim: object) -> None:
    q = sim.exchange.quote(t.contract.con_id)  # type: ignore[attr-defined]
    assert (t.bid, t.ask) == (q.bid, q.ask)
    assert (t.bid_size, t.ask_size) == (float(q.bid_size), float(q.ask_size))


async def test_ticker_follows_the_simulator_with_callbacks_and_iterators() -> None:
    async with running_sim() as sim, connected_client(sim) as client:
        t = await client.subscribe_market_data(Stock("AAPL"))
        assert t.contract.con_id == AAPL and t in client.tickers
        called: asyncio.Future[Ticker] = asyncio.get_running_loop().create_future()
        t.on_update.append(lambda tk: called.done() or called.set_result(tk))
        updates = t.__aiter__()
        assert await asyncio.wait_for(called, 15) is t
        assert await asyncio.wait_for(updates.__anext__(), 15) is t
        assert t.min_tick == 0.01 and t.market_data_type == 1 and t.bbo_exchange
        assert t.last is not None and t.volume is not None and t.close is not None
        assert t.updated_ns > 0 and t.time > 0
        assert client.get_latency_report()["tick_to_callback"].count >= 1

        # stop the pump, move the market by hand, and compare once everything has arrived
        sim.feed.paused = True
        await settle(client)
        sim.feed.pump(40)
        await settle(client)
        assert_matches_quote(t, sim)
        assert t.mid == pytest.approx((t.bid + t.ask) / 2)  # type: ignore[operator]

        client.cancel_market_data(t)
        assert not t.active and t not in client.tickers
        # the iterator yields what changed since it last yielded (at most once), then ends
        rest = [x async for x in updates]
        assert rest in ([], [t])
        await settle(client)
        assert t.req_id not in feed_keys(sim, "mkt")


async def test_delayed_market_data_fills_the_same_fields() -> None:
    async with running_sim() as sim, connected_client(sim) as client:
        client.market_data_type(3)
        t = await client.subscribe_market_data(Stock("MSFT"))
        await t.wait_update(15)
        sim.feed.paused = True
        await settle(client)
        assert t.market_data_type == 3
        assert_matches_quote(t, sim)
        assert not {66, 67, 68, 69, 70, 71} & set(t.extra)
        with pytest.raises(ConfigError):
            client.market_data_type(5)


async def test_snapshot_ends_and_leaves_no_subscription() -> None:
    async with running_sim() as sim, connected_client(sim) as client:
        t = await client.snapshot(Stock("MSFT"), timeout=15)
        assert not t.active and t.error is None and t.snapshot
        assert t.contract.con_id == MSFT
        assert t.bid is not None and t.ask is not None and t.bid < t.ask
        assert t not in client.tickers and not client._subs
        await settle(client)
        assert not feed_keys(sim, "mkt")


async def test_unknown_contract_raises_contract_not_found() -> None:
    async with running_sim() as sim, connected_client(sim) as client:
        with pytest.raises(ContractNotFound):
            await client.subscribe_market_data(Stock("NOSUCH"))
        with pytest.raises(ContractNotFound):
            await client.market_depth(Stock("NOSUCH"))
        with pytest.raises(ContractNotFound):
            await client.tick_by_tick(Stock("NOSUCH"), "BidAsk")


async def test_an_error_for_the_request_ends_the_ticker() -> None:
    async with running_sim() as sim, connected_client(sim) as client:
        # a contract the client believes qualified but TWS does not know: TWS answers 200
        ghost = Contract(con_id=999_999_999, symbol="GHOST", sec_type="STK", exchange="SMART", currency="USD")
        client._contract_cache[_key(Stock("GHOST"))] = ContractDetails(contract=ghost)
        t = await client.subscribe_market_data(Stock("GHOST"))
        with pytest.raises(ContractNotFound):
            await t.wait_update(15)
        assert not t.active and isinstance(t.error, ContractNotFound)
        assert t not in client.tickers and t.req_id not in client._subs
        with pytest.raises(ContractNotFound):
            async for _ in t:
                pass
        _ = sim


@pytest.mark.parametrize(
    ("kind", "cls", "tick_type"),
    [
        ("BidAsk", TickByTickBidAsk, 3),
        ("MidPoint", TickByTickMidPoint, 4),
        ("Last", TickByTickLast, 1),
        ("AllLast", TickByTickLast, 2),
    ],
)
async def test_tick_by_tick_kinds(kind: str, cls: type, tick_type: int) -> None:
    async with running_sim() as sim, connected_client(sim) as client:
        sub = await client.tick_by_tick(Stock("AAPL"), kind)
        first = await asyncio.wait_for(sub.first, 20)
        assert type(first) is cls and first.tick_type == tick_type and first.time > 0
        if isinstance(first, TickByTickBidAsk):
            assert 0 < first.bid_price < first.ask_price
        elif isinstance(first, TickByTickMidPoint):
            assert first.mid_point > 0
        else:
            assert first.price > 0 and first.size
        client.unsubscribe(sub)
        await settle(client)
        assert sub.req_id not in feed_keys(sim, "tbt")
    with pytest.raises(ConfigError):
        await IBKRClient().tick_by_tick(Stock("AAPL"), "Trades")


async def test_depth_book_matches_the_simulator() -> None:
    async with running_sim() as sim, connected_client(sim) as client:
        book = await client.market_depth(Stock("AAPL"), rows=5)
        called: asyncio.Future[object] = asyncio.get_running_loop().create_future()
        book.on_update.append(lambda b: called.done() or called.set_result(b))
        assert await asyncio.wait_for(called, 15) is book
        sim.feed.paused = True
        await settle(client)
        changes = book.updates
        sim.feed.pump(60)
        await settle(client)
        assert book.updates > changes
        ex = sim.exchange.book(AAPL)
        assert [(lv.price, lv.size) for lv in book.bids] == [(lv.price, float(lv.size)) for lv in ex.bids[:5]]
        assert [(lv.price, lv.size) for lv in book.asks] == [(lv.price, float(lv.size)) for lv in ex.asks[:5]]
        assert book.best_bid is not None and book.best_ask is not None
        assert book.best_bid.price < book.best_ask.price
        client.cancel_market_depth(book)
        assert not book.active
        await settle(client)
        assert book.req_id not in feed_keys(sim, "depth")


async def test_price_band_uses_the_ticker_price() -> None:
    async with running_sim() as sim, connected_client(sim, price_band=0.05) as client:
        far = round(sim.exchange.quote(AAPL).bid * 0.8, 2)  # inside the simulator's own band
        # no market data yet: no reference price, the band cannot apply and the order rests
        oid = await client.place_order(symbol="AAPL", quantity=10, order_type="LMT", side="BUY", price=far)
        assert client.order(oid).status in ("PreSubmitted", "Submitted")
        await client.cancel_order(oid)
        t = await client.subscribe_market_data(Stock("AAPL"))
        await t.wait_update(15)
        assert client._reference_price(t.contract) == t.market_price
        with pytest.raises(OrderValidationError, match="away from the last price"):
            await client.place_order(symbol="AAPL", quantity=10, order_type="LMT", side="BUY", price=far)
