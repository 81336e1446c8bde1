"""Paper accounts: cash per currency, positions, PnL, margin and the values TWS reports for them.

Money is float, quantities are Decimal. ``avg_cost`` is what TWS reports: the cost per unit times
the multiplier, commissions included (so a short's average cost is its proceeds net of commission).
Valuations take the marks (con_id -> price) and the currency rates (currency -> USD) from the caller,
so an account holds no market state.

How positions count in the net liquidation value (always ``initial cash + realized + unrealized``):

- stocks: cash pays the notional and the commission; the position counts at market value;
- FX pairs: the trade moves the two currency balances (the pair is a view of them, not counted
  again); commission is paid in USD;
- futures: nothing is paid up front (the opening commission sits in the average cost); cash settles
  the realized PnL when the position shrinks; the open position counts as its unrealized PnL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from ibkr.sim.instruments import Instrument

__all__ = [
    "Account",
    "Position",
    "PortfolioRow",
    "AccountValue",
    "AccountSummary",
    "PnlSingle",
    "MARGIN_RATES",
    "Marks",
    "Rates",
]

Marks = dict[int, float]
Rates = dict[str, float]

#: sec type -> (initial, maintenance) margin as a fraction of the USD notional
MARGIN_RATES: dict[str, tuple[float, float]] = {"STK": (0.25, 0.25), "CASH": (0.03, 0.025), "FUT": (0.06, 0.055)}

_ZERO = Decimal(0)


@dataclass(slots=True)
class Position:
    instrument: Instrument
    quantity: Decimal = _ZERO
    avg_cost: float = 0.0
    #: realized PnL in the instrument's currency (commissions included)
    realized_pnl: float = 0.0
    realized_today: float = 0.0
    #: unrealized PnL when the day started (for daily PnL)
    day_start_unrealized: float = 0.0

    def unrealized(self, mark: float) -> float:
        q = float(self.quantity)
        return q * mark * self.instrument.factor - q * self.avg_cost


@dataclass(slots=True)
class PortfolioRow:
    """One UPDATE_PORTFOLIO row (amounts in the instrument's currency)."""

    account: str
    instrument: Instrument
    position: Decimal
    market_price: float
    market_value: float
    average_cost: float
    unrealized_pnl: float
    realized_pnl: float


@dataclass(slots=True)
class AccountValue:
    """One ACCT_VALUE / ACCOUNT_SUMMARY row (TWS sends values as text)."""

    key: str
    value: str
    currency: str
    account: str


@dataclass(slots=True)
class AccountSummary:
    """The account's numbers in its base currency (USD)."""

    net_liquidation: float
    total_cash_value: float
    settled_cash: float
    gross_position_value: float
    stock_market_value: float
    init_margin_req: float
    maint_margin_req: float
    equity_with_loan_value: float
    available_funds: float
    excess_liquidity: float
    buying_power: float
    cushion: float
    unrealized_pnl: float
    realized_pnl: float
    daily_pnl: float


@dataclass(slots=True)
class PnlSingle:
    """REQ_PNL_SINGLE numbers of one position (USD)."""

    position: Decimal
    daily_pnl: float
    unrealized_pnl: float
    realized_pnl: float
    value: float


def _sign(x: Decimal) -> int:
    return (x > 0) - (x < 0)


@dataclass(slots=True)
class Account:
    name: str
    initial_cash: float = 1_000_000.0
    base_currency: str = "USD"
    cash: dict[str, float] = field(default_factory=dict)
    positions: dict[int, Position] = field(default_factory=dict)
    #: realized PnL converted to USD at each fill
    realized_pnl: float = 0.0
    realized_today: float = 0.0
    commissions: float = 0.0
    day_start_nlv: float = 0.0

    def __post_init__(self) -> None:
        self.cash.setdefault(self.base_currency, self.initial_cash)
        self.day_start_nlv = self.initial_cash

    # --- fills ------------------------------------------------------------------------------------

    def apply_fill(
        self, inst: Instrument, quantity: Decimal, price: float, commission: float, rate: float
    ) -> float | None:
        """Book a fill of signed ``quantity`` (buy > 0) at ``price`` with a USD ``commission``;
        ``rate`` converts the instrument's currency to USD. Returns the realized PnL (instrument
        currency, commission included) when the fill reduced the position, else None."""
        pos = self.positions.get(inst.con_id)
        if pos is None:
            pos = self.positions[inst.con_id] = Position(inst)
        m = inst.factor
        fee = commission / rate  # in the instrument's currency
        old = pos.quantity
        realized: float | None = None
        closing = min(abs(quantity), abs(old)) if _sign(old) == -_sign(quantity) else _ZERO
        if closing:
            share = float(closing / abs(quantity))
            realized = float(closing) * (price * m - pos.avg_cost) * _sign(old) - fee * share
            pos.realized_pnl += realized
            pos.realized_today += realized
            self.realized_pnl += realized * rate
            self.realized_today += realized * rate
            fee -= fee * share
        opening = quantity - closing * _sign(quantity)
        new = old + quantity
        if opening:
            basis = float(old + closing * _sign(quantity)) * pos.avg_cost + float(opening) * price * m + fee
            pos.avg_cost = basis / float(new)
        elif new == 0:
            pos.avg_cost = 0.0
        pos.quantity = new
        self._settle(inst, quantity, price, commission, realized)
        self.commissions += commission
        return realized

    def _settle(
        self, inst: Instrument, quantity: Decimal, price: float, commission: float, realized: float | None
    ) -> None:
        cash, ccy, q = self.cash, inst.currency, float(quantity)
        if inst.sec_type == "STK":
            cash[ccy] = cash.get(ccy, 0.0) - q * price * inst.factor
            cash["USD"] = cash.get("USD", 0.0) - commission
        elif inst.sec_type == "CASH":
            cash[inst.symbol] = cash.get(inst.symbol, 0.0) + q
            cash[ccy] = cash.get(ccy, 0.0) - q * price
            cash["USD"] = cash.get("USD", 0.0) - commission
        elif realized is not None:  # futures: only realized PnL moves cash (fees ride in avg_cost)
            cash[ccy] = cash.get(ccy, 0.0) + realized

    # --- valuation --------------------------------------------------------------------------------

    def _open(self) -> list[Position]:
        return [p for p in self.positions.values() if p.quantity]

    def total_cash(self, rates: Rates) -> float:
        return sum(amount * rates.get(ccy, 1.0) for ccy, amount in self.cash.items())

    def unrealized_pnl(self, marks: Marks, rates: Rates) -> float:
        return sum(
            p.unrealized(marks[p.instrument.con_id]) * rates.get(p.instrument.currency, 1.0) for p in self._open()
        )

    def net_liquidation(self, marks: Marks, rates: Rates) -> float:
        nlv = self.total_cash(rates)
        for p in self._open():
            inst, rate = p.instrument, rates.get(p.instrument.currency, 1.0)
            if inst.sec_type == "STK":
                nlv += float(p.quantity) * marks[inst.con_id] * rate
            elif inst.sec_type == "FUT":
                nlv += p.unrealized(marks[inst.con_id]) * rate
        return nlv

    def margin(
        self, marks: Marks, rates: Rates, extra: dict[int, tuple[Instrument, Decimal]] | None = None
    ) -> tuple[float, float]:
        """(initial, maintenance) margin; ``extra`` adds hypothetical quantities (what-if)."""
        held = {con_id: (p.instrument, p.quantity) for con_id, p in self.positions.items()}
        for con_id, (inst, qty) in (extra or {}).items():
            held[con_id] = (inst, held.get(con_id, (inst, _ZERO))[1] + qty)
        init = maint = 0.0
        for con_id, (inst, qty) in held.items():
            notional = abs(float(qty)) * marks[con_id] * inst.factor * rates.get(inst.currency, 1.0)
            init_rate, maint_rate = MARGIN_RATES[inst.sec_type]
            init += notional * init_rate
            maint += notional * maint_rate
        return init, maint

    def summary(self, marks: Marks, rates: Rates) -> AccountSummary:
        nlv = self.net_liquidation(marks, rates)
        cash = self.total_cash(rates)
        stock_value = sum(
            float(p.quantity) * marks[p.instrument.con_id] * rates.get(p.instrument.currency, 1.0)
            for p in self._open()
            if p.instrument.sec_type == "STK"
        )
        gross = sum(
            abs(float(p.quantity)) * marks[p.instrument.con_id] * rates.get(p.instrument.currency, 1.0)
            for p in self._open()
            if p.instrument.sec_type == "STK"
        )
        init, maint = self.margin(marks, rates)
        available = nlv - init
        excess = nlv - maint
        return AccountSummary(
            net_liquidation=nlv, total_cash_value=cash, settled_cash=cash, gross_position_value=gross,
            stock_market_value=stock_value, init_margin_req=init, maint_margin_req=maint,
            equity_with_loan_value=nlv, available_funds=available, excess_liquidity=excess,
            buying_power=max(0.0, available) / MARGIN_RATES["STK"][0], cushion=excess / nlv if nlv else 0.0,
            unrealized_pnl=self.unrealized_pnl(marks, rates), realized_pnl=self.realized_pnl,
            daily_pnl=nlv - self.day_start_nlv,
        )  # fmt: skip

    def account_values(self, marks: Marks, rates: Rates) -> list[AccountValue]:
        """The ACCT_VALUE rows of REQ_ACCOUNT_UPDATES (the same tags serve REQ_ACCOUNT_SUMMARY)."""
        s = self.summary(marks, rates)
        base = self.base_currency
        rows = [
            AccountValue("AccountCode", self.name, "", self.name),
            AccountValue("AccountType", "INDIVIDUAL", "", self.name),
            AccountValue("AccountReady", "true", "", self.name),
            AccountValue("DayTradesRemaining", "-1", "", self.name),
        ]
        numbers = {
            "NetLiquidation": s.net_liquidation,
            "TotalCashValue": s.total_cash_value,
            "SettledCash": s.settled_cash,
            "AccruedCash": 0.0,
            "BuyingPower": s.buying_power,
            "EquityWithLoanValue": s.equity_with_loan_value,
            "GrossPositionValue": s.gross_position_value,
            "StockMarketValue": s.stock_market_value,
            "InitMarginReq": s.init_margin_req,
            "MaintMarginReq": s.maint_margin_req,
            "FullInitMarginReq": s.init_margin_req,
            "FullMaintMarginReq": s.maint_margin_req,
            "AvailableFunds": s.available_funds,
            "FullAvailableFunds": s.available_funds,
            "ExcessLiquidity": s.excess_liquidity,
            "FullExcessLiquidity": s.excess_liquidity,
            "UnrealizedPnL": s.unrealized_pnl,
            "RealizedPnL": s.realized_pnl,
        }
        rows += [AccountValue(key, f"{value:.2f}", base, self.name) for key, value in numbers.items()]
        rows.append(AccountValue("Cushion", f"{s.cushion:.6f}", "", self.name))
        for ccy, amount in sorted(self.cash.items()):
            rows.append(AccountValue("CashBalance", f"{amount:.2f}", ccy, self.name))
            rows.append(AccountValue("ExchangeRate", f"{rates.get(ccy, 1.0):.8g}", ccy, self.name))
        rows.append(AccountValue("CashBalance", f"{s.total_cash_value:.2f}", "BASE", self.name))
        rows.append(AccountValue("NetLiquidationByCurrency", f"{s.net_liquidation:.2f}", "BASE", self.name))
        return rows

    def portfolio(self, marks: Marks) -> list[PortfolioRow]:
        """UPDATE_PORTFOLIO rows: every position touched (closed ones report zero, as TWS does)."""
        rows = []
        for p in self.positions.values():
            mark = marks[p.instrument.con_id]
            value = float(p.quantity) * mark * p.instrument.factor
            rows.append(
                PortfolioRow(
                    self.name, p.instrument, p.quantity, mark, value, p.avg_cost, p.unrealized(mark), p.realized_pnl
                )
            )
        return rows

    def pnl_single(self, con_id: int, marks: Marks, rates: Rates) -> PnlSingle | None:
        p = self.positions.get(con_id)
        if p is None:
            return None
        mark, rate = marks[con_id], rates.get(p.instrument.currency, 1.0)
        unrealized = p.unrealized(mark)
        daily = unrealized - p.day_start_unrealized + p.realized_today
        value = float(p.quantity) * mark * p.instrument.factor
        return PnlSingle(p.quantity, daily * rate, unrealized * rate, p.realized_pnl * rate, value * rate)

    def roll_day(self, marks: Marks, rates: Rates) -> None:
        """Start a new trading day: daily PnL counts from the current valuation."""
        self.day_start_nlv = self.net_liquidation(marks, rates)
        self.realized_today = 0.0
        for p in self.positions.values():
            p.realized_today = 0.0
            p.day_start_unrealized = p.unrealized(marks[p.instrument.con_id]) if p.quantity else 0.0
