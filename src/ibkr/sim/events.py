"""The events the exchange returns; the server glue turns them into TWS messages and routes them.

Every ``Exchange`` call that changes something returns ``list[Event]`` in the order TWS would send
the messages. Market events carry a ``con_id`` (route to its subscribers); order events carry the
``client_id`` that owns the order and the ``account`` (route to that client, to client 0 / the
master client, and to account subscribers). Snapshots are copies: later changes never alter an
event already returned.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ibkr.sim.book import DepthOp
from ibkr.sim.instruments import Instrument
from ibkr.sim.orders import Order
from ibkr.sim.prices import Quote

__all__ = [
    "QuoteUpdate",
    "TradeUpdate",
    "DepthUpdate",
    "OrderUpdate",
    "OrderError",
    "Execution",
    "Commission",
    "PositionUpdate",
    "WhatIf",
    "Event",
]


@dataclass(slots=True)
class QuoteUpdate:
    """The level-1 state after a change (TICK_PRICE / TICK_SIZE: send the fields that changed)."""

    con_id: int
    quote: Quote


@dataclass(slots=True)
class TradeUpdate:
    """A trade printed (LAST / LAST_SIZE / VOLUME ticks, tick-by-tick AllLast)."""

    con_id: int
    price: float
    size: int
    time: float
    volume: int


@dataclass(slots=True)
class DepthUpdate:
    """MARKET_DEPTH(_L2) rows, to apply in order."""

    con_id: int
    rows: list[DepthOp]


@dataclass(slots=True)
class OrderUpdate:
    """OPEN_ORDER + ORDER_STATUS for a snapshot of the order (status, filled, remaining, prices)."""

    order: Order


@dataclass(slots=True)
class OrderError:
    """ERR_MSG about an order: rejections (103, 104, 110, 200, 201, 387), cancel confirmations (202),
    failed cancels (10147, 10148)."""

    client_id: int
    order_id: int
    code: int
    text: str


@dataclass(slots=True)
class Execution:
    """EXECUTION_DATA: one fill."""

    exec_id: str
    order_id: int
    client_id: int
    perm_id: int
    account: str
    instrument: Instrument
    time: float
    #: ``YYYYMMDD  HH:MM:SS`` in the exchange's time zone
    time_str: str
    exchange: str
    side: str  # BOT / SLD
    shares: Decimal
    price: float
    cum_qty: Decimal
    avg_price: float
    order_ref: str
    #: 1 added liquidity (a resting order), 2 removed it
    last_liquidity: int


@dataclass(slots=True)
class Commission:
    """COMMISSION_REPORT of one execution (``realized_pnl`` None when the fill opened a position:
    TWS writes the unset double then)."""

    exec_id: str
    client_id: int
    account: str
    commission: float
    currency: str
    realized_pnl: float | None


@dataclass(slots=True)
class PositionUpdate:
    """POSITION_DATA after a fill (and portfolio / PnL subscribers of the account)."""

    account: str
    instrument: Instrument
    position: Decimal
    avg_cost: float


@dataclass(slots=True)
class WhatIf:
    """The preview of a what-if order: OPEN_ORDER with a what-if order state; no order is kept."""

    client_id: int
    order_id: int
    order: Order
    init_margin_before: float
    maint_margin_before: float
    equity_with_loan_before: float
    init_margin_change: float
    maint_margin_change: float
    equity_with_loan_change: float
    init_margin_after: float
    maint_margin_after: float
    equity_with_loan_after: float
    commission: float
    min_commission: float
    max_commission: float
    commission_currency: str
    warning_text: str


Event = (
    QuoteUpdate
    | TradeUpdate
    | DepthUpdate
    | OrderUpdate
    | OrderError
    | Execution
    | Commission
    | PositionUpdate
    | WhatIf
)
