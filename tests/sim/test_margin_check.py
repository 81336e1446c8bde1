"""The pre-trade margin check prices only what it reads (the account's positions, the order's
instrument, the currencies involved) and still gives TWS's rejection with the exact equity and
margin of a full valuation: for a USD-only account and for one holding foreign currency."""

from __future__ import annotations

from decimal import Decimal

from ibkr.sim.events import OrderError
from ibkr.sim.exchange import Exchange

from .helpers import AAPL, USDJPY, make, of, spec, statuses


def _expected_text(ex: Exchange, con_id: int, quantity: int) -> str:
    """The rejection text computed over every mark and every FX rate of the exchange."""
    account = ex.account()
    marks, rates = ex.marks(), ex.rates()
    inst = ex.instrument(con_id)
    assert inst is not None
    after, _ = account.margin(marks, rates, {con_id: (inst, Decimal(quantity))})
    equity = account.net_liquidation(marks, rates)
    return (
        "Order rejected - reason:YOUR ORDER IS NOT ACCEPTED. IN ORDER TO OBTAIN THE DESIRED POSITION YOUR "
        f"EQUITY WITH LOAN VALUE [{equity:.2f} USD] MUST EXCEED THE INITIAL MARGIN [{after:.2f} USD]"
    )


def _margin_rejection(ex: Exchange, order_id: int, quantity: int) -> str:
    events = ex.place_order(1, order_id, AAPL, spec("BUY", quantity, "MKT"))
    (err,) = of(events, OrderError)
    assert err.code == 201 and statuses(events) == ["Inactive"]
    return err.text


def test_usd_only_account_gets_the_full_valuation_text() -> None:
    ex = make()
    assert set(ex.account().cash) == {"USD"} and not ex.account().positions
    assert _margin_rejection(ex, 1, 400_000) == _expected_text(ex, AAPL, 400_000)
    assert statuses(ex.place_order(1, 2, AAPL, spec("BUY", 100, "MKT")))[-1] == "Filled"  # within margin
    assert _margin_rejection(ex, 3, 400_000) == _expected_text(ex, AAPL, 400_000)  # with a position now


def test_foreign_cash_is_valued_at_its_rate() -> None:
    ex = make()
    assert statuses(ex.place_order(1, 1, USDJPY, spec("BUY", 2_000_000, "MKT")))[-1] == "Filled"
    assert "JPY" in ex.account().cash  # short yen, long dollars: the JPY rate moves the equity
    text = _margin_rejection(ex, 2, 400_000)
    assert text == _expected_text(ex, AAPL, 400_000)
    assert ex.rates()["JPY"] != 1.0  # the rate that was needed is a real one
