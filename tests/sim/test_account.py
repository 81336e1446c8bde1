"""Accounts: positions equal the executions, PnL and cash consistent with the marks."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from ibkr.sim import UNIVERSE, Account, Exchange

from .helpers import AAPL, EURUSD, SPY, USDJPY, es, make, spec


def _nlv_identity(ex: Exchange, name: str | None = None) -> tuple[float, float]:
    account = ex.account(name)
    s = ex.summary(name)
    return s.net_liquidation, account.initial_cash + s.realized_pnl + s.unrealized_pnl


def _trade_randomly(ex: Exchange, con_ids: list[int], rounds: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    order_id = 1
    for _ in range(rounds):
        con_id = rng.choice(con_ids)
        inst = ex.instrument(con_id)
        assert inst is not None
        qty = {"STK": 100 * rng.randint(1, 30), "CASH": 10_000 * rng.randint(1, 300), "FUT": rng.randint(1, 3)}
        action = rng.choice(["BUY", "SELL"])
        ex.place_order(1, order_id, con_id, spec(action, qty[inst.sec_type], "MKT"))
        order_id += 1
        for _ in range(rng.randint(0, 3)):
            ex.clock.advance(1.0)  # type: ignore[attr-defined]
            ex.step()


def test_positions_equal_the_sum_of_executions_and_pnl_matches_the_marks() -> None:
    ex = make(seed=8, initial_cash=5_000_000.0)
    fut = es(ex)
    _trade_randomly(ex, [AAPL, SPY, EURUSD, fut], 120)
    executions = ex.executions()
    assert len(executions) > 100
    account = ex.account()
    for con_id in (AAPL, SPY, EURUSD, fut):
        signed = sum((e.shares if e.side == "BOT" else -e.shares for e in executions if e.instrument.con_id == con_id),
                     Decimal(0))  # fmt: skip
        assert account.positions[con_id].quantity == signed
    nlv, expected = _nlv_identity(ex)
    assert nlv == pytest.approx(expected, abs=1e-4)
    # cash: stocks pay notional + fees; FX moves both currencies; futures only settle realized PnL
    fees = sum(ex.commission_report(e.exec_id).commission for e in executions)  # type: ignore[union-attr]
    assert account.commissions == pytest.approx(fees)
    eur = sum(float(e.shares) * (1 if e.side == "BOT" else -1) for e in executions if e.instrument.con_id == EURUSD)
    assert account.cash["EUR"] == pytest.approx(eur)
    stock_flow = sum(
        float(e.shares) * e.price * (1 if e.side == "BOT" else -1) for e in executions if e.instrument.sec_type == "STK"
    )
    eur_flow = sum(
        float(e.shares) * e.price * (1 if e.side == "BOT" else -1) for e in executions if e.instrument.con_id == EURUSD
    )
    fut_realized = account.positions[fut].realized_pnl
    fut_fees = sum(ex.commission_report(e.exec_id).commission for e in executions if e.instrument.con_id == fut)  # type: ignore[union-attr]
    expected_usd = 5_000_000.0 - stock_flow - eur_flow - (fees - fut_fees) + fut_realized
    assert account.cash["USD"] == pytest.approx(expected_usd, abs=1e-4)
    # the portfolio rows agree with the summary
    rows = ex.portfolio()
    marks = ex.marks()
    for row in rows:
        assert row.market_price == marks[row.instrument.con_id]
        assert row.unrealized_pnl == pytest.approx(row.market_value - float(row.position) * row.average_cost)
    unrealized = sum(r.unrealized_pnl for r in rows)  # all USD-quoted here
    assert ex.summary().unrealized_pnl == pytest.approx(unrealized)
    for _ in range(30):
        ex.step()
        nlv, expected = _nlv_identity(ex)
        assert nlv == pytest.approx(expected, abs=1e-4)


def test_round_trip_realizes_the_price_difference_minus_fees() -> None:
    inst = UNIVERSE.get(AAPL)
    assert inst is not None
    a = Account("DU1")
    assert a.apply_fill(inst, Decimal(100), 200.0, 1.0, 1.0) is None
    assert a.positions[AAPL].avg_cost == pytest.approx(200.01)
    realized = a.apply_fill(inst, Decimal(-100), 210.0, 1.0, 1.0)
    assert realized == pytest.approx(100 * 10 - 2.0)
    assert a.positions[AAPL].quantity == 0 and a.positions[AAPL].avg_cost == 0.0
    assert a.cash["USD"] == pytest.approx(1_000_000 + 998.0)


def test_short_then_flip_long() -> None:
    inst = UNIVERSE.get(AAPL)
    assert inst is not None
    a = Account("DU1")
    a.apply_fill(inst, Decimal(-100), 50.0, 1.0, 1.0)
    assert a.positions[AAPL].avg_cost == pytest.approx(49.99)  # proceeds net of the fee
    realized = a.apply_fill(inst, Decimal(300), 45.0, 3.0, 1.0)
    # a third of the fee closes the short, two thirds open the long
    assert realized == pytest.approx(100 * (49.99 - 45.0) - 1.0)
    pos = a.positions[AAPL]
    assert pos.quantity == 200 and pos.avg_cost == pytest.approx(45.0 + 2.0 / 200)
    marks = {AAPL: 46.0}
    nlv = a.net_liquidation(marks, {"USD": 1.0})
    assert nlv == pytest.approx(1_000_000 + a.realized_pnl + a.unrealized_pnl(marks, {"USD": 1.0}))


def test_futures_move_cash_only_when_realized() -> None:
    ex = make()
    fut = es(ex)
    ex.place_order(1, 1, fut, spec("BUY", 2, "MKT"))
    account = ex.account()
    assert account.cash["USD"] == 1_000_000.0
    pos = account.positions[fut]
    fill = ex.executions()[0].price
    assert pos.avg_cost == pytest.approx(fill * 50 + 0.85)
    for _ in range(20):
        ex.step(fut)
    ex.place_order(1, 2, fut, spec("SELL", 2, "MKT"))
    realized = account.positions[fut].realized_pnl
    assert account.cash["USD"] == pytest.approx(1_000_000.0 + realized)
    sold = ex.executions()[-1].price
    assert realized == pytest.approx(2 * 50 * (sold - fill) - 3.4)


def test_yen_pair_books_both_currencies_and_converts() -> None:
    ex = make()
    ex.place_order(1, 1, USDJPY, spec("BUY", 100_000, "MKT"))
    account = ex.account()
    (fill,) = ex.executions()
    assert account.cash["JPY"] == pytest.approx(-100_000 * fill.price)
    assert account.cash["USD"] == pytest.approx(1_000_000 + 100_000 - 2.0)
    rates = ex.rates()
    assert rates["JPY"] == pytest.approx(1 / ex.quote(USDJPY).mid)
    nlv, expected = _nlv_identity(ex)
    assert nlv == pytest.approx(expected, abs=0.05)  # fee converted at the fill's rate


def test_account_values_and_margins() -> None:
    ex = make(accounts=["DU1234567", "DU7654321"])
    ex.place_order(1, 1, AAPL, spec("BUY", 1000, "MKT"))
    values = {(v.key, v.currency): v.value for v in ex.account_values()}
    s = ex.summary()
    assert values["NetLiquidation", "USD"] == f"{s.net_liquidation:.2f}"
    assert values["AccountCode", ""] == "DU1234567"
    for key in ("TotalCashValue", "SettledCash", "BuyingPower", "AvailableFunds", "ExcessLiquidity",
                "GrossPositionValue", "InitMarginReq", "MaintMarginReq", "EquityWithLoanValue", "UnrealizedPnL",
                "RealizedPnL"):  # fmt: skip
        assert (key, "USD") in values
    assert ("Cushion", "") in values and ("CashBalance", "BASE") in values
    mark = ex.marks()[AAPL]
    assert s.gross_position_value == pytest.approx(1000 * mark)
    assert s.init_margin_req == pytest.approx(0.25 * 1000 * mark)
    assert s.available_funds == pytest.approx(s.equity_with_loan_value - s.init_margin_req)
    assert s.cushion == pytest.approx(s.excess_liquidity / s.net_liquidation)
    other = ex.summary("DU7654321")
    assert other.net_liquidation == 1_000_000.0 and other.gross_position_value == 0.0


def test_daily_pnl_counts_from_the_day_start() -> None:
    ex = make()
    ex.place_order(1, 1, AAPL, spec("BUY", 100, "MKT"))
    single = ex.pnl_single(AAPL)
    assert single is not None and single.position == 100
    assert single.daily_pnl == pytest.approx(single.unrealized_pnl)
    assert ex.summary().daily_pnl == pytest.approx(ex.summary().unrealized_pnl)
    ex.end_of_day()
    single = ex.pnl_single(AAPL)
    assert single is not None and single.daily_pnl == pytest.approx(0.0)
    assert ex.summary().daily_pnl == pytest.approx(0.0)
    for _ in range(10):
        ex.step(AAPL)
    single = ex.pnl_single(AAPL)
    assert single is not None
    assert ex.summary().daily_pnl == pytest.approx(single.daily_pnl)
    assert ex.pnl_single(SPY) is None
