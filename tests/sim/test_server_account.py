"""Account data from the simulator over loopback TCP: positions (and their updates), account
updates, account summary, the *_MULTI requests and PnL, consistent with the fills and marks."""

from __future__ import annotations

from decimal import Decimal

from ibkr.protocol.messages.account import (
    AccountSummary,
    AccountSummaryEnd,
    AccountUpdateMulti,
    AccountUpdateMultiEnd,
    AcctDownloadEnd,
    AcctUpdateTime,
    AcctValue,
    CancelPositions,
    Pnl,
    PnlSingle,
    PortfolioValue,
    PositionData,
    PositionEnd,
    PositionMulti,
    PositionMultiEnd,
    ReqAccountSummary,
    ReqAccountUpdatesMulti,
    ReqAcctData,
    ReqPnl,
    ReqPnlSingle,
    ReqPositions,
    ReqPositionsMulti,
)
from ibkr.protocol.messages.executions import ExecutionData
from ibkr.protocol.messages.orders import OrderStatus, PlaceOrder
from ibkr.protocol.messages.system import CurrentTime, ReqCurrentTime
from ibkr.sim import Simulator
from tests.sim.wire import AAPL, Wire, mkt, of


async def _buy(client: Wire, order_id: int, qty: int) -> None:
    client.send(PlaceOrder(order_id, AAPL, mkt("BUY", qty)))
    await client.expect(OrderStatus, lambda s: s.order_id == order_id and s.status == "Filled")


async def test_positions_snapshot_then_updates_until_cancelled(sim: Simulator, client: Wire) -> None:
    client.send(ReqPositions())
    assert not of(await client.until(PositionEnd), PositionData)
    await _buy(client, 1, 100)
    pos = await client.expect(PositionData)
    assert (pos.account, pos.contract.con_id, pos.position) == ("DU1234567", 265598, Decimal(100))
    assert pos.avg_cost > 0
    client.send(CancelPositions())
    await _buy(client, 2, 100)
    client.send(ReqPositions())
    rows = of(await client.until(PositionEnd), PositionData)
    assert [r.position for r in rows] == [Decimal(200)]


async def test_account_updates_download_and_portfolio(sim: Simulator, client: Wire) -> None:
    await _buy(client, 1, 100)
    client.send(ReqAcctData(True, "DU1234567"))
    msgs = await client.until(AcctDownloadEnd)
    values = {(v.key, v.currency): v.value for v in of(msgs, AcctValue)}
    assert {"NetLiquidation", "TotalCashValue", "BuyingPower", "AvailableFunds"} <= {k for k, _ in values}
    (row,) = of(msgs, PortfolioValue)
    assert row.position == Decimal(100) and row.account_name == "DU1234567"
    assert abs(row.market_value - 100 * row.market_price) < 1e-6
    assert abs(row.unrealized_pnl - (row.market_value - 100 * row.average_cost)) < 1e-6
    assert of(msgs, AcctUpdateTime) and msgs[-1].account_name == "DU1234567"
    nlv = float(values[("NetLiquidation", "USD")])
    cash = float(values[("TotalCashValue", "USD")])
    assert abs(nlv - (cash + row.market_value)) < 0.02
    # periodic updates while subscribed
    await client.expect(AcctUpdateTime)
    client.send(ReqAcctData(False, "DU1234567"), ReqCurrentTime())
    await client.expect(CurrentTime)
    assert sim.session(1).account.acct_data is None


async def test_account_summary_tags_and_ledger(client: Wire) -> None:
    client.send(ReqAccountSummary(1, "All", "NetLiquidation,TotalCashValue,BuyingPower,$LEDGER"))
    msgs = await client.until(AccountSummaryEnd)
    tags = {(r.tag, r.currency) for r in of(msgs, AccountSummary)}
    assert {("NetLiquidation", "USD"), ("TotalCashValue", "USD"), ("BuyingPower", "USD")} <= tags
    assert ("CashBalance", "BASE") in tags and ("CashBalance", "USD") not in tags
    client.send(ReqAccountSummary(2, "All", "All,$LEDGER:ALL"))
    rows = of(await client.until(AccountSummaryEnd), AccountSummary)
    assert {r.tag for r in rows} >= {"NetLiquidation", "AccountType", "Cushion", "CashBalance", "ExchangeRate"}
    assert all(r.req_id == 2 and r.account == "DU1234567" for r in rows)


async def test_multi_requests_ib_async_sends_at_connect(client: Wire) -> None:
    await _buy(client, 1, 100)
    client.send(ReqAccountUpdatesMulti(3, "DU1234567", "", True), ReqPositionsMulti(4, "DU1234567", ""))
    rows = of(await client.until(AccountUpdateMultiEnd), AccountUpdateMulti)
    assert any(r.key == "NetLiquidation" for r in rows)
    positions = await client.until(PositionMultiEnd)
    assert [p.position for p in of(positions, PositionMulti)] == [Decimal(100)]


async def test_pnl_at_once_then_periodically_consistent_with_fills(sim: Simulator, client: Wire) -> None:
    await _buy(client, 1, 100)
    client.send(ReqPnl(5, "DU1234567", ""), ReqPnlSingle(6, "DU1234567", "", 265598), ReqPnlSingle(7, "", "", 756733))
    first = await client.expect(Pnl)
    single = await client.expect(PnlSingle)
    assert single.req_id == 6 and single.position == Decimal(100)
    account = sim.exchange.account()
    fee = account.commissions
    assert first.realized_pnl == 0 and abs(first.daily_pnl - first.unrealized_pnl) < 1e-6 + fee
    await client.expect(Pnl)  # again after account_push_interval
    later = await client.expect(PnlSingle)
    mark = sim.exchange.marks()[265598]
    pos = account.positions[265598]
    assert abs(later.unrealized_pnl - (100 * mark - 100 * pos.avg_cost)) < 100 * 0.05
    assert not [m for m in client.log if isinstance(m, PnlSingle) and m.req_id == 7]  # never held


async def test_positions_equal_the_sum_of_executions(sim: Simulator, client: Wire) -> None:
    client.send(PlaceOrder(1, AAPL, mkt("BUY", 300)), PlaceOrder(2, AAPL, mkt("SELL", 120)))
    await client.expect(OrderStatus, lambda s: s.order_id == 2 and s.status == "Filled")
    execs = of(client.skipped, ExecutionData)
    total = sum((e.execution.shares or 0) * (1 if e.execution.side == "BOT" else -1) for e in execs)
    client.send(ReqPositions())
    (pos,) = of(await client.until(PositionEnd), PositionData)
    assert pos.position == total == Decimal(180)
