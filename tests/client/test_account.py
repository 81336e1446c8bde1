"""Account state end to end against the simulator over loopback TCP: positions after fills (and
their updates), account values and portfolio, account summary, PnL and single-position PnL."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import pytest

from ibkr.client import IBKRClient, Pnl, PnlSingle, PortfolioItem, Position
from ibkr.sim.clock import ManualClock
from ibkr.sim.server import Simulator
from tests.client.helpers import AAPL, MSFT, connected_client, running_sim, settle

pytestmark = pytest.mark.timeout(60)

ACCOUNT = "DU1234567"


def next_event(client: IBKRClient, name: str, predicate: Any = lambda e: True) -> asyncio.Future[Any]:
    fut: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

    def on(event: Any) -> None:
        if not fut.done() and predicate(event):
            fut.set_result(event)

    client.events.on(name, on)
    return fut


async def fill(client: IBKRClient, symbol: str, side: str, qty: int) -> None:
    oid = await client.place_order(symbol=symbol, quantity=qty, order_type="MKT", side=side)
    await client.order(oid).wait_filled(timeout=15)


def sim_positions(sim: Simulator) -> dict[int, tuple[str, Decimal, float]]:
    return {p.instrument.con_id: (p.account, p.position, p.avg_cost) for p in sim.exchange.positions() if p.position}


def client_positions(client: IBKRClient) -> dict[int, tuple[str, Decimal, float]]:
    return {p.contract.con_id: (p.account, p.position, p.avg_cost) for p in client.positions}


async def test_positions_follow_fills() -> None:
    async with running_sim() as sim, connected_client(sim) as client:
        assert await client.get_positions() == []
        moved = next_event(client, "position", lambda p: p.contract.con_id == AAPL)
        await fill(client, "AAPL", "BUY", 100)
        event = await asyncio.wait_for(moved, 15)
        assert isinstance(event, Position) and event.position == Decimal(100) and event.account == ACCOUNT
        await fill(client, "MSFT", "SELL", 30)
        await settle(client)
        assert client_positions(client) == sim_positions(sim)
        assert client_positions(client)[MSFT][1] == Decimal(-30)
        assert isinstance(client.positions[0].position, Decimal)

        closed = next_event(client, "position", lambda p: p.contract.con_id == AAPL and p.position == 0)
        await fill(client, "AAPL", "SELL", 100)
        await asyncio.wait_for(closed, 15)
        assert AAPL not in client_positions(client)
        # later calls answer from the live subscription: the same state, no new download
        assert {p.contract.con_id for p in await client.get_positions()} == {MSFT}
        assert client_positions(client) == sim_positions(sim)


async def test_positions_held_before_connecting_are_downloaded() -> None:
    async with running_sim() as sim:
        async with connected_client(sim, client_id=2) as other:
            await fill(other, "AAPL", "BUY", 50)
        async with connected_client(sim) as client:
            positions = await client.get_positions()
            assert [(p.contract.con_id, p.position) for p in positions] == [(AAPL, Decimal(50))]
            assert positions[0].contract.symbol == "AAPL" and positions[0].avg_cost > 0


async def test_account_values_and_portfolio_stay_current() -> None:
    async with running_sim() as sim, connected_client(sim) as client:
        values = await client.get_account_values()
        assert client.account_subscribed == ACCOUNT
        expected = {(v.key, v.currency): v.value for v in sim.exchange.account_values(ACCOUNT)}
        assert {k: v.value for k, v in values.items()} == expected
        net = values["NetLiquidation", "USD"]
        assert net.account == ACCOUNT and net.number == float(expected["NetLiquidation", "USD"])
        assert values["AccountType", ""].number is None
        assert client.portfolio == []

        row = next_event(client, "portfolio", lambda r: r.contract.con_id == AAPL)
        await fill(client, "AAPL", "BUY", 100)
        item = await asyncio.wait_for(row, 15)
        assert isinstance(item, PortfolioItem) and item.position == Decimal(100) and item.account == ACCOUNT
        assert [(r.contract.con_id, r.position) for r in client.portfolio] == [(AAPL, Decimal(100))]
        assert [(r.contract.con_id, r.position) for r in await client.get_portfolio()] == [(AAPL, Decimal(100))]
        sim_row = sim.exchange.portfolio(ACCOUNT)[0]
        assert item.average_cost == pytest.approx(sim_row.average_cost)
        # the subscription is kept: a second call answers at once from current state
        again = await client.get_account_values(ACCOUNT)
        assert set(again) == set(client.account_values[ACCOUNT])


async def test_account_summary() -> None:
    async with running_sim() as sim, connected_client(sim) as client:
        items = await client.get_account_summary("NetLiquidation,BuyingPower")
        summary = {(i.account, i.tag): (i.value, i.currency) for i in items}
        expected = {
            (ACCOUNT, v.key): (v.value, v.currency)
            for v in sim.exchange.account_values(ACCOUNT)
            if v.key in ("NetLiquidation", "BuyingPower")
        }
        assert summary == expected and len(items) == 2
        everything = await client.get_account_summary()
        assert {"NetLiquidation", "AccountType", "BuyingPower", "Cushion"} <= {i.tag for i in everything}
        await settle(client)
        # each summary was cancelled once complete
        assert not sim.session(1).account.summaries
        assert not client._pending


async def test_pnl_and_single_position_pnl() -> None:
    clock = ManualClock()
    async with running_sim(clock=clock) as sim, connected_client(sim) as client:
        pnl = await client.get_pnl()
        assert isinstance(pnl, Pnl) and pnl.account == ACCOUNT
        summary = sim.exchange.summary(ACCOUNT)
        assert (pnl.daily_pnl, pnl.unrealized_pnl, pnl.realized_pnl) == (
            summary.daily_pnl,
            summary.unrealized_pnl,
            summary.realized_pnl,
        )
        await fill(client, "AAPL", "BUY", 100)
        single = await client.get_pnl_single(AAPL)
        assert isinstance(single, PnlSingle) and single.con_id == AAPL and single.position == Decimal(100)
        expected = sim.exchange.pnl_single(AAPL, ACCOUNT)
        assert expected is not None and single.value == pytest.approx(expected.value)

        stream = client.pnl_stream()
        it = stream.__aiter__()
        first = await asyncio.wait_for(it.__anext__(), 15)
        assert isinstance(first, Pnl) and client.pnl[ACCOUNT] == first
        clock.advance(1.0)  # the simulator's periodic push
        second = await asyncio.wait_for(it.__anext__(), 15)
        assert isinstance(second, Pnl)
        # a running stream answers get_pnl at once
        assert await client.get_pnl() is client.pnl[ACCOUNT]
        single_stream = client.pnl_single_stream(AAPL)
        assert (await asyncio.wait_for(single_stream.first, 15)).position == Decimal(100)
        client.unsubscribe(stream)
        client.unsubscribe(single_stream)
        await settle(client)
        assert not sim.session(1).account.pnl and not sim.session(1).account.pnl_single
