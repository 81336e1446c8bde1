"""ib_async, unmodified, against the simulator over loopback TCP: connect (its whole startup
sync), qualify, live tickers, a limit and a market order filled, positions and account values,
historical bars, a clean disconnect."""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator

import pytest
from ib_async import IB, Forex, LimitOrder, MarketOrder, Stock

from ibkr.sim import SimConfig, Simulator

TIMEOUT = 10.0


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with Simulator(SimConfig(ports=(0,), tick_rate=2000.0, account_push_interval=0.1)) as s:
        yield s


async def _until(event: object, check: object) -> None:
    async def wait() -> None:
        while not check():  # type: ignore[operator]
            await event  # type: ignore[misc]

    await asyncio.wait_for(wait(), TIMEOUT)


async def test_ib_async_connects_trades_and_disconnects(sim: Simulator) -> None:
    ib = IB()
    errors: list[tuple[int, int, str]] = []
    ib.errorEvent += lambda req_id, code, text, contract: errors.append((req_id, code, text))
    await ib.connectAsync("127.0.0.1", sim.port, clientId=7, timeout=TIMEOUT, raiseSyncErrors=True)
    try:
        assert ib.isConnected() and ib.managedAccounts() == ["DU1234567"]

        aapl, eur = Stock("AAPL", "SMART", "USD"), Forex("EURUSD")
        qualified = await ib.qualifyContractsAsync(aapl, eur)
        assert [c.conId for c in qualified] == [265598, 12087792]  # type: ignore[union-attr]

        ticker = ib.reqMktData(aapl)
        fx = ib.reqMktData(eur)
        await _until(ticker.updateEvent, lambda: ticker.bid > 0 and ticker.ask > 0 and ticker.last > 0)
        await _until(fx.updateEvent, lambda: fx.bid > 0 and fx.ask > fx.bid)
        assert ticker.bid < ticker.ask and not math.isnan(ticker.close)

        limit = round(ticker.ask + 0.10, 2)  # the quote moves on while the order works: keep the price sent
        buy = ib.placeOrder(aapl, LimitOrder("BUY", 100, limit))
        await _until(buy.statusEvent, buy.isDone)
        assert buy.orderStatus.status == "Filled" and buy.orderStatus.avgFillPrice <= limit + 1e-9
        sell = ib.placeOrder(aapl, MarketOrder("SELL", 40))
        await _until(sell.statusEvent, sell.isDone)
        assert sell.orderStatus.status == "Filled" and sell.fills and sell.fills[0].commissionReport.commission > 0

        await _until(ib.positionEvent, lambda: any(p.position == 60 for p in ib.positions()))
        await _until(ib.updatePortfolioEvent, lambda: any(i.position == 60 for i in ib.portfolio()))
        await _until(
            ib.accountValueEvent,
            lambda: any(v.tag == "TotalCashValue" and float(v.value) != 1_000_000.0 for v in ib.accountValues()),
        )
        assert {e.orderId for e in ib.executions()} == {buy.order.orderId, sell.order.orderId}

        bars = await asyncio.wait_for(ib.reqHistoricalDataAsync(aapl, "", "1 D", "5 mins", "TRADES", True), TIMEOUT)
        assert len(bars) == 288 and all(b.low <= b.close <= b.high for b in bars)

        ib.cancelMktData(aapl)
        assert not [e for e in errors if e[1] not in (2104, 2106, 2158)]
    finally:
        ib.disconnect()
    assert not ib.isConnected()


async def test_ib_async_reconnects_as_master_client_and_reconciles(sim: Simulator) -> None:
    ib = IB()
    await ib.connectAsync("127.0.0.1", sim.port, clientId=1, timeout=TIMEOUT)
    trade = ib.placeOrder(Stock("AAPL", "SMART", "USD", conId=265598), MarketOrder("BUY", 10))
    await _until(trade.statusEvent, trade.isDone)
    ib.disconnect()
    master = IB()
    await master.connectAsync("127.0.0.1", sim.port, clientId=0, timeout=TIMEOUT, raiseSyncErrors=True)
    try:
        assert [f.execution.orderId for f in master.fills()] == [trade.order.orderId]
        assert [p.position for p in master.positions()] == [10]
    finally:
        master.disconnect()
