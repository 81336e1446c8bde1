"""After a dropped connection the client reconnects and its market data and account state come
back by themselves: the same Ticker and DepthBook objects (with a gap marked), the market-data
type, positions and account values."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from ibkr.client import DepthBook, Stock, Ticker
from tests.client.helpers import AAPL, connected_client, feed_keys, running_sim, settle

pytestmark = pytest.mark.timeout(60)


async def test_market_data_and_account_state_survive_a_reconnect() -> None:
    async with (
        running_sim() as sim,
        connected_client(sim, reconnect_initial_delay=0.05, reconnect_max_delay=0.2) as client,
    ):
        client.market_data_type(3)
        oid = await client.place_order(symbol="AAPL", quantity=100, order_type="MKT", side="BUY")
        await client.order(oid).wait_filled(timeout=15)
        await client.get_positions()
        await client.get_account_values()
        ticker = await client.subscribe_market_data(Stock("AAPL"))
        book = await client.market_depth(Stock("AAPL"), rows=5)
        await ticker.wait_update(15)
        await book.wait_update(15)

        loop = asyncio.get_running_loop()
        ticker_gap: asyncio.Future[Ticker] = loop.create_future()
        book_gap: asyncio.Future[DepthBook] = loop.create_future()
        ticker.on_update.append(lambda t: t.gaps and not ticker_gap.done() and ticker_gap.set_result(t))
        book.on_update.append(lambda b: b.gaps and not book_gap.done() and book_gap.set_result(b))
        assert sim.faults.drop(client_id=1) == 1
        await asyncio.wait_for(asyncio.gather(ticker_gap, book_gap), 20)
        assert book.resets >= 1

        # the same objects keep updating over the new session, as delayed data again
        await ticker.wait_update(15)
        await book.wait_update(15)
        assert ticker.active and book.active and ticker.gaps == 1 and book.gaps == 1
        assert sim.session(1).market_data_type == 3 and ticker.market_data_type == 3
        sim.feed.paused = True
        await settle(client)
        assert {ticker.req_id} == feed_keys(sim, "mkt") and {book.req_id} == feed_keys(sim, "depth")
        q = sim.exchange.quote(AAPL)
        assert (ticker.bid, ticker.ask) == (q.bid, q.ask)
        ex = sim.exchange.book(AAPL)
        assert [(lv.price, lv.size) for lv in book.bids] == [(lv.price, float(lv.size)) for lv in ex.bids[:5]]
        assert [(lv.price, lv.size) for lv in book.asks] == [(lv.price, float(lv.size)) for lv in ex.asks[:5]]
        # positions and account updates were requested again on the new session
        assert [(p.contract.con_id, p.position) for p in client.positions] == [(AAPL, Decimal(100))]
        assert sim.session(1).account.positions and sim.session(1).account.acct_data == "DU1234567"
